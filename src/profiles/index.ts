export { registerProfileRoutes } from "./routes";
export { createProfile, getProfile, findProfileOfUser } from "./service";
export { ProfileSchema, toProfileDTO, type ProfileDTO, type CreateProfileInput } from "./schemas";
