// The auth module's public surface: identity, sessions, API keys, and the authenticate middleware.
export { authenticate, resolveCredential, resolveApiKey, API_KEY_PATTERN, type ApiKeyDeps, type AuthenticateDeps, type CredentialScheme } from "./middleware";
export { createKeyUsage, type KeyUsage } from "./key-usage";
export { createSecrets, type Secrets } from "./secrets";
export { withDevSecrets, DEV_SECRETS_FILE } from "./dev-secrets";
export { createTokenService, generateSigningJwk, type TokenService, type AccessClaims } from "./tokens";
export { issueSession, refreshSession, logout, type SessionCtx } from "./sessions";
export { authModule } from "./module";
export type { AuthDeps } from "./deps";
export { UserSchema, SessionSchema, toUserDTO, type UserDTO, type SessionDTO } from "./schemas";
export { findUserById, setUserRole, suspendUser, upsertSimulatedUser, type UserRow } from "./queries/users";
export { createApiKey, listApiKeys, revokeApiKey, MAX_ACTIVE_KEYS, KEY_TYPE_PREFIX, type ApiKeyCtx } from "./api-keys";
export { issueChallenge, loginWithWallet } from "./siws/service";
export { buildSiwsMessage, parseSiwsMessage, type SiwsMessage } from "./siws/message";
export { loginWithGoogle, type GoogleLoginCtx } from "./google/service";
export { sendOtp, verifyOtp } from "./otp/service";
