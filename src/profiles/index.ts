export { registerProfileRoutes } from "./routes";
export { createProfile, getProfile } from "./service";
export { AtomicAmountSchema, WalletAddressSchema, ProfileSchema, toProfileDTO, type ProfileDTO, type CreateProfileInput } from "./schemas";
