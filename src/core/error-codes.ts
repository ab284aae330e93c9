import type { ProfileRole } from "./actor";

// Every code the API can answer in its error envelope, with the one HTTP status it answers with.
// A verb names the code (new AppError("insufficient_funds", ...)) and the status follows, so a
// code cannot answer 402 in one place and 409 in another. Codes are part of the contract (clients
// switch on them): rename none, add new ones here. test/core/error-codes.test.ts keeps the table,
// the inline statuses still waiting for conversion and the documents that quote codes in step.

export const ERROR_CODES = {
  // The request itself
  invalid_request: { status: 400, meaning: "a body, query, path or header fails validation; details.issues names each field" },
  invalid_cursor: { status: 400, meaning: "a pagination cursor this API did not return" },
  payload_too_large: { status: 413, meaning: "the body exceeds BODY_LIMIT_BYTES" },
  not_found: { status: 404, meaning: "no such route, or no such record where no narrower code applies" },
  rate_limited: { status: 429, meaning: "over a rate limit; Retry-After and X-RateLimit-* say when to come back" },
  internal_error: { status: 500, meaning: "a bug on our side, logged under the request id" },
  not_ready: { status: 503, meaning: "GET /ready: the database is unreachable or migrations are pending" },
  database_unavailable: { status: 503, meaning: "the database connection failed; retry after Retry-After" },

  // Credentials and access
  unauthorized: { status: 401, meaning: "no credentials, or the wrong kind for this operation" },
  invalid_authorization: { status: 401, meaning: "an Authorization header of an unknown scheme or shape" },
  invalid_token: { status: 401, meaning: "an access token that is invalid, expired or names no user" },
  invalid_api_key: { status: 401, meaning: "an API key that is malformed, unknown or revoked" },
  invalid_device_signature: { status: 401, meaning: "an Authorization: Device header that is malformed or does not verify" },
  device_not_linked: { status: 401, meaning: "a device key linked to no profile" },
  proof_expired: { status: 401, meaning: "a device proof's timestamp outside the server's time window" },
  insufficient_permissions: { status: 403, meaning: "an API key without the read or write permission the method needs" },
  architect_role_required: { status: 403, meaning: "an operation for agents (the architect role)" },
  operator_role_required: { status: 403, meaning: "an operation for vendors (the operator role)" },
  gateway_key_required: { status: 403, meaning: "an operation for vendor gateways: a gateway key (or linked vendor device)" },
  session_required: { status: 403, meaning: "an operation that needs a signed-in session, not an API key" },
  forbidden: { status: 403, meaning: "authenticated, but the resource belongs to another user" },
  admin_disabled: { status: 503, meaning: "ADMIN_TOKEN is not configured on this server" },

  // Sign-in: SIWS, email codes, Google, refresh tokens
  siws_message_malformed: { status: 400, meaning: "the signed text is not a Sign-In-With-Solana message" },
  nonce_invalid: { status: 401, meaning: "a SIWS nonce that is unknown, for another address, or worn out by failed logins" },
  nonce_used: { status: 401, meaning: "a SIWS nonce already used" },
  nonce_expired: { status: 401, meaning: "a SIWS nonce past its expiry" },
  invalid_signature: { status: 401, meaning: "a signature (SIWS, pairing proof, recon HMAC) that does not verify" },
  siws_domain_mismatch: { status: 401, meaning: "the signed message names another domain than the challenge" },
  siws_address_mismatch: { status: 401, meaning: "the signed message names another address than the request" },
  siws_issued_in_future: { status: 401, meaning: "the signed message's Issued At is in the future" },
  siws_message_expired: { status: 401, meaning: "the signed message's Expiration Time has passed" },
  siws_message_not_yet_valid: { status: 401, meaning: "the signed message's Not Before is in the future" },
  siws_message_mismatch: { status: 401, meaning: "a field of the signed message differs from the challenge" },
  otp_invalid: { status: 401, meaning: "an email code that is wrong, used or replaced" },
  otp_expired: { status: 401, meaning: "an email code past its 10 minutes" },
  otp_exhausted: { status: 401, meaning: "an email code killed by too many wrong tries" },
  mail_unavailable: { status: 503, meaning: "the sign-in code could not be mailed" },
  invalid_id_token: { status: 401, meaning: "a Google ID token refused" },
  email_not_verified: { status: 401, meaning: "a Google account whose email Google has not verified" },
  google_account_conflict: { status: 409, meaning: "the email's account is linked to another Google account" },
  google_login_disabled: { status: 503, meaning: "GOOGLE_CLIENT_ID is not configured on this server" },
  google_unavailable: { status: 503, meaning: "Google's keys could not be fetched to check the token" },
  invalid_refresh_token: { status: 401, meaning: "a refresh token that is invalid, expired or revoked" },
  refresh_token_reused: { status: 401, meaning: "a refresh token used twice: every session of that login is revoked" },

  // API keys, profiles, webhooks
  api_key_not_found: { status: 404, meaning: "no such key of the caller's" },
  key_limit_reached: { status: 409, meaning: "the user holds the most active keys of this kind" },
  profile_not_found: { status: 404, meaning: "the user has no profile yet" },
  profile_exists: { status: 409, meaning: "the user already has a profile" },
  webhook_not_found: { status: 404, meaning: "no such webhook of the caller's" },
  webhook_limit_reached: { status: 409, meaning: "the user holds the most webhooks" },
  webhook_url_unresolvable: { status: 400, meaning: "a webhook URL whose host does not resolve" },
  webhook_url_forbidden: { status: 400, meaning: "a webhook URL that points at a private or reserved address" },

  // Device pairing
  link_code_not_found: { status: 404, meaning: "no pending pairing request has this code" },
  link_code_expired: { status: 410, meaning: "the pairing code has expired" },
  link_request_not_found: { status: 404, meaning: "an unknown device_code" },
  key_already_linked: { status: 409, meaning: "the device key is already linked to a profile" },
  proof_already_used: { status: 409, meaning: "a pairing proof already used; sign a fresh timestamp" },
  profile_required: { status: 409, meaning: "linking a device needs a profile of its kind first" },
  slow_down: { status: 429, meaning: "a pairing poll sooner than the poll interval" },

  // Payments, balances and bonds
  insufficient_funds: { status: 402, meaning: "the available (or unsettled) balance does not cover the amount" },
  insufficient_bond: { status: 402, meaning: "an unbond larger than the bonded amount" },
  bond_insufficient: { status: 402, meaning: "an on-chain agent's unsettled intents would exceed its bond" },
  bond_below_minimum: { status: 422, meaning: "a bond (or what remains bonded) below MIN_BOND" },
  bond_locked: { status: 409, meaning: "intents awaiting settlement hold the bond" },
  settlement_pending: { status: 409, meaning: "intents await settlement; the mode cannot change yet" },
  agent_not_found: { status: 404, meaning: "the user has no agent profile" },
  agent_suspended: { status: 403, meaning: "the agent is suspended after a failed settlement" },
  account_suspended: { status: 403, meaning: "the account is suspended; it takes no money out (payouts) until support reinstates it" },
  agent_not_linked: { status: 403, meaning: "the intent's agent key is linked to no agent profile" },
  limit_exceeded: { status: 403, meaning: "the payment breaks one of the agent's spending limits" },
  vendor_not_found: { status: 404, meaning: "no such active vendor, or the user has no vendor profile" },
  service_not_found: { status: 404, meaning: "no such active service (of this vendor)" },
  unsupported_mint: { status: 422, meaning: "a mint this ledger does not hold" },
  invalid_intent: { status: 400, meaning: "a payment intent that is malformed or out of bounds" },
  invalid_intent_signature: { status: 401, meaning: "an intent's signature that does not verify for its agent key" },
  intent_expired: { status: 422, meaning: "an intent past its deadline" },
  gateway_mismatch: { status: 403, meaning: "the intent names a gateway key not linked to this vendor" },
  nonce_already_used: { status: 409, meaning: "an intent's (agent, nonce) submitted before" },
  idempotency_conflict: { status: 409, meaning: "an Idempotency-Key used with a different request" },
  idempotency_in_progress: { status: 409, meaning: "a request with this Idempotency-Key is still being processed" },
  payment_outcome_unknown: { status: 503, meaning: "the connection was lost with the COMMIT in flight: look the payment up before paying again" },
  payment_deadline_exceeded: { status: 503, meaning: "the payment was not committed before its deadline and was not made" },

  // Settlement, payouts and reconciliation
  intent_not_found: { status: 404, meaning: "no such payment intent" },
  event_mismatch: { status: 422, meaning: "a settlement event's vendor or amount differs from its intent" },
  payout_not_found: { status: 404, meaning: "no such payout" },
  duplicate_reference: { status: 409, meaning: "a payout with this reference exists" },
  recon_disabled: { status: 503, meaning: "RECON_WEBHOOK_SECRET is not configured on this server" },

  // The chain: deposits, endpoint proofs, the RPC
  transaction_not_found: { status: 404, meaning: "no transaction with this signature is known to the cluster" },
  deposit_not_final: { status: 409, meaning: "the deposit's transaction has not reached the configured commitment" },
  deposit_not_yours: { status: 403, meaning: "the transfer came from another account's wallet or memo" },
  deposit_claimed: { status: 409, meaning: "the transaction was credited to another account" },
  transaction_failed: { status: 422, meaning: "the transaction failed on chain" },
  not_a_deposit: { status: 422, meaning: "the transaction moved nothing into the vault token account" },
  service_id_taken: { status: 409, meaning: "the service id belongs to another vendor, or none could be derived" },
  pda_not_found: { status: 400, meaning: "an endpoint proof whose PDA does not exist on chain" },
  pda_wrong_owner: { status: 400, meaning: "an endpoint proof whose PDA is not owned by the MachPay program" },
  pda_tx_not_final: { status: 400, meaning: "an endpoint proof whose transaction is unknown or not finalized" },
  pda_tx_failed: { status: 400, meaning: "an endpoint proof whose transaction failed" },
  pda_tx_unrelated: { status: 400, meaning: "an endpoint proof whose transaction does not touch the PDA" },
  chain_not_configured: { status: 503, meaning: "SOLANA_RPC or VAULT_TOKEN_ACCOUNT is not configured on this server" },
  chain_unavailable: { status: 503, meaning: "the Solana RPC is unreachable (or absent) for a check that needs it" },
  chain_rate_limited: { status: 503, meaning: "the Solana RPC is rate limiting us" },
  chain_timeout: { status: 503, meaning: "the Solana RPC did not answer in time" },

  // Real-time streams
  too_many_streams: { status: 429, meaning: "the user has the most event streams open at once" },
  shutting_down: { status: 503, meaning: "the server is shutting down; reconnect in a moment" },

  // MCP endpoint (/mcp): refusals of the HTTP transport itself, before any JSON-RPC message is read
  method_not_allowed: { status: 405, meaning: "a method /mcp does not serve: GET and DELETE, as it keeps no session (Allow says which it does)" },
  not_acceptable: { status: 406, meaning: "an Accept header admitting neither application/json nor text/event-stream" },
  unsupported_media_type: { status: 415, meaning: "a request body that is not application/json" },
  origin_not_allowed: { status: 403, meaning: "a browser Origin (or a Host) /mcp does not serve: DNS-rebinding protection" },

  // Telemetry ingest (the receiver)
  agent_key_required: { status: 403, meaning: "an operation for agent SDKs: an agent key (mp_sk_live_...) or linked agent device" },
  ingest_queue_full: { status: 429, meaning: "the receiver's write queue is full (or the database is down): nothing of the request was taken; retry after Retry-After" },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The status each code answers with. */
export type ErrorStatus = (typeof ERROR_CODES)[ErrorCode]["status"];

/** The codes that answer `status`: for helpers named after a status (`unauthorized(code, ...)` takes only 401 codes). */
export type ErrorCodeWithStatus<S extends ErrorStatus> = { [C in ErrorCode]: (typeof ERROR_CODES)[C]["status"] extends S ? C : never }[ErrorCode];

/** The refusals of an endpoint's on-chain proof (the chain checks it, the registry answers them). */
export type PdaRefusalCode = Extract<ErrorCode, `pda_${string}`>;

/** The code refusing a caller without `role`. */
export const roleRequired = (role: ProfileRole) => `${role}_role_required` as const satisfies ErrorCode;
