import type { OperationDoc } from "@/http/openapi-operations";

// What each operation costs and the codes of its own domain it answers, by operationId. The
// document adds who may call it (from its access rule) and the codes its credentials and inputs
// bring (src/http/openapi-operations.ts). test/contract/openapi-lint.test.ts fails when an
// operation has no entry here or an entry names an operation that no longer exists.

const FREE = "Moves no money.";
// The stream is public; the user:<id> topic needs that user's credential (header or ?access_token=).
const STREAM_CODES = ["invalid_authorization", "invalid_token", "invalid_api_key", "unauthorized", "forbidden", "too_many_streams", "shutting_down"] as const;
const PAY_COST =
  "Moves `amount_atomic` from the agent's available balance to the vendor, who is credited the amount less the platform fee " +
  "(PLATFORM_FEE_BPS basis points, 0 unless configured). Checked against the agent's spending limits. One Idempotency-Key is one payment.";

export const OPERATION_DOCS: Record<string, OperationDoc> = {
  // system
  getHealth: { cost: FREE },
  getReady: { cost: "Moves no money; one query on a connection of its own.", codes: ["not_ready"] },
  getMetrics: { cost: FREE },
  // auth: sign-in, sessions, keys
  createChallenge: { cost: FREE },
  loginWithWallet: {
    cost: "Moves no money; creates the user (an observer) on first login.",
    codes: ["siws_message_malformed", "nonce_invalid", "nonce_used", "nonce_expired", "invalid_signature", "siws_domain_mismatch", "siws_address_mismatch", "siws_issued_in_future", "siws_message_expired", "siws_message_not_yet_valid", "siws_message_mismatch"],
  },
  sendEmailOtp: { cost: "Moves no money; sends one email.", codes: ["mail_unavailable"] },
  verifyEmailOtp: { cost: "Moves no money; creates the user on first login.", codes: ["otp_invalid", "otp_expired", "otp_exhausted"] },
  loginWithGoogle: { cost: "Moves no money; creates the user on first login.", codes: ["invalid_id_token", "email_not_verified", "google_account_conflict", "google_login_disabled", "google_unavailable"] },
  refreshSession: { cost: FREE, codes: ["invalid_refresh_token", "refresh_token_reused"] },
  logout: { cost: FREE, codes: ["invalid_refresh_token", "invalid_token"] },
  getJwks: { cost: FREE },
  listAgentKeys: { cost: FREE, codes: ["invalid_cursor"] },
  createAgentKey: { cost: FREE, codes: ["key_limit_reached"] },
  revokeAgentKey: { cost: FREE, codes: ["api_key_not_found"] },
  listGatewayKeys: { cost: FREE, codes: ["invalid_cursor"] },
  createGatewayKey: { cost: FREE, codes: ["key_limit_reached"] },
  revokeGatewayKey: { cost: FREE, codes: ["api_key_not_found"] },
  whoAmI: { cost: "Moves no money; no database work beyond authentication." },
  // profiles
  createProfile: { cost: FREE, codes: ["profile_exists"] },
  getProfile: { cost: FREE, codes: ["profile_not_found"] },
  // pairing
  initLink: { cost: FREE, codes: ["invalid_signature", "proof_already_used", "key_already_linked"] },
  approveLink: { cost: FREE, codes: ["link_code_not_found", "link_code_expired", "key_already_linked", "profile_required"] },
  getLinkStatus: { cost: FREE, codes: ["link_request_not_found", "slow_down"] },
  getLinkRequest: { cost: FREE, codes: ["link_code_not_found"] },
  getDeviceLink: { cost: FREE },
  // ledger: the agent's account
  getAgentBalance: { cost: FREE },
  listAgentTransactions: { cost: FREE, codes: ["invalid_cursor"] },
  pay: {
    cost: PAY_COST,
    codes: ["insufficient_funds", "agent_suspended", "limit_exceeded", "vendor_not_found", "service_not_found", "unsupported_mint", "agent_not_found", "idempotency_conflict", "idempotency_in_progress", "payment_outcome_unknown", "payment_deadline_exceeded"],
  },
  depositBond: {
    cost: "Moves the amount from the agent's available balance into its bond (money stays the agent's); no fee.",
    codes: ["insufficient_funds", "agent_suspended", "agent_not_found", "bond_below_minimum", "idempotency_conflict", "idempotency_in_progress"],
  },
  withdrawBond: {
    cost: "Moves the amount from the bond back to available (money stays the agent's); no fee. Refused while intents await settlement.",
    codes: ["insufficient_bond", "bond_locked", "agent_not_found", "bond_below_minimum", "idempotency_conflict", "idempotency_in_progress"],
  },
  getAgentLimits: { cost: FREE },
  setAgentLimits: { cost: "Moves no money; the new limits bind every later payment." },
  getAgentSettings: { cost: FREE, codes: ["agent_not_found"] },
  setAgentSettings: { cost: FREE, codes: ["agent_not_found", "settlement_pending"] },
  // ledger: gateways
  submitGatewayPayment: {
    cost: PAY_COST.replace("One Idempotency-Key is one payment.", "One intent (agent, nonce) is one payment.") + " On-chain agents' unsettled intents are bounded by their bond.",
    codes: ["invalid_intent", "invalid_intent_signature", "intent_expired", "gateway_mismatch", "agent_not_linked", "agent_suspended", "insufficient_funds", "bond_insufficient", "limit_exceeded", "nonce_already_used", "unsupported_mint", "service_not_found", "vendor_not_found", "idempotency_conflict", "idempotency_in_progress", "payment_outcome_unknown", "payment_deadline_exceeded"],
  },
  getGatewayAgent: { cost: FREE },
  submitGatewayPaymentBatch: {
    cost: "Each accepted intent moves money as POST /v1/gateway/payments does (amount less the platform fee to the vendor); each intent's result is its own, in request order.",
    codes: ["invalid_intent", "idempotency_conflict", "idempotency_in_progress", "payment_outcome_unknown"],
  },
  auditLedger: { cost: "Moves no money; reads every account (an admin's check)." },
  // payouts
  requestPayout: {
    cost: "Reserves the amount from the vendor's earnings in a PENDING payout, paid on chain to the vendor's wallet by the settlement worker; the network fee of that transfer is ours. One Idempotency-Key (or reference) is one payout.",
    codes: ["insufficient_funds", "account_suspended", "vendor_not_found", "duplicate_reference", "idempotency_conflict", "idempotency_in_progress"],
  },
  requestWithdrawal: {
    cost: "As POST /v1/vendor/payout.",
    codes: ["insufficient_funds", "account_suspended", "vendor_not_found", "duplicate_reference", "idempotency_conflict", "idempotency_in_progress"],
  },
  listPayouts: { cost: FREE, codes: ["invalid_cursor"] },
  getVendorStats: { cost: FREE, codes: ["vendor_not_found"] },
  getVendorRevenue: { cost: FREE },
  postReconEvent: {
    cost: "Records settlement outcomes: a failed settlement returns the intent's amount to the agent and suspends it; no money is created.",
    codes: ["intent_not_found", "event_mismatch"],
  },
  // chain
  claimDeposit: {
    cost: "Credits the agent's available balance with the USDC its transaction moved into the vault, once per transaction signature; no fee.",
    codes: ["transaction_not_found", "deposit_not_final", "deposit_not_yours", "deposit_claimed", "transaction_failed", "not_a_deposit", "agent_not_found", "chain_not_configured", "chain_unavailable", "chain_rate_limited", "chain_timeout"],
  },
  getDepositAddress: { cost: FREE, codes: ["chain_not_configured"] },
  // registry
  registerEndpoint: {
    cost: "Moves no money; the endpoint's price is what agents later pay per call.",
    codes: ["service_id_taken", "pda_not_found", "pda_wrong_owner", "pda_tx_not_final", "pda_tx_failed", "pda_tx_unrelated", "chain_unavailable", "chain_rate_limited", "chain_timeout"],
  },
  listEndpoints: { cost: FREE, codes: ["invalid_cursor"] },
  getEndpoint: { cost: FREE, codes: ["service_not_found"] },
  updateEndpoint: { cost: FREE, codes: ["service_not_found", "pda_not_found", "pda_wrong_owner", "pda_tx_not_final", "pda_tx_failed", "pda_tx_unrelated", "chain_unavailable"] },
  deleteEndpoint: { cost: FREE, codes: ["service_not_found"] },
  listServices: { cost: FREE, codes: ["invalid_cursor"] },
  searchServices: { cost: "Moves no money; one embedding of the query text." },
  getService: { cost: FREE, codes: ["service_not_found"] },
  // realtime
  streamEvents: { cost: "Moves no money; holds one connection open (a bounded number per user).", codes: STREAM_CODES },
  streamEventsAlias: { cost: "As GET /v1/events.", codes: STREAM_CODES },
  // public
  getPublicDashboard: { cost: "Moves no money; cached a few seconds." },
  getTicker: { cost: FREE },
  getNetworkStats: { cost: "Moves no money; cached a few seconds." },
  getNetworkVectors: { cost: FREE },
  getAgentLeaderboard: { cost: FREE },
  // notifications
  createWebhook: { cost: "Moves no money; each notification is then POSTed to the URL, signed with the secret.", codes: ["webhook_limit_reached", "webhook_url_unresolvable", "webhook_url_forbidden"] },
  listWebhooks: { cost: FREE, codes: ["invalid_cursor"] },
  deleteWebhook: { cost: FREE, codes: ["webhook_not_found"] },
  // x402
  getX402Supported: { cost: FREE },
  verifyX402Payment: { cost: "Moves no money: checks the payload only." },
  settleX402Payment: { cost: "Settles the verified payment: moves its amount from the payer to the gateway's vendor (on chain for `exact`, in the ledger for the batch-settlement scheme, less the platform fee)." },
  // mcp
  // telemetry (the receiver's document, openapi-receiver.yaml)
  ingestGatewayTelemetry: { cost: "Moves no money; the events feed the dashboards and alerts.", codes: ["ingest_queue_full", "payload_too_large"] },
  ingestAgentTelemetry: { cost: "Moves no money; the packets feed the agent's dashboards and alerts.", codes: ["agent_key_required", "ingest_queue_full", "payload_too_large"] },
  ingestAgentTelemetryAlias: { cost: "As POST /v1/telemetry.", codes: ["agent_key_required", "ingest_queue_full", "payload_too_large"] },
  mcp: { cost: "Each tool costs what its REST twin costs: `pay` moves money as POST /v1/agent/pay does; the others move none.", codes: ["not_acceptable", "unsupported_media_type", "origin_not_allowed", "payload_too_large"] },
};

/** What buildOpenApiDocument needs beyond the routes: the public URL (servers) and the catalogue above. */
export const documentOptions = (config: { PUBLIC_URL: string }) => ({ publicUrl: config.PUBLIC_URL, operations: OPERATION_DOCS });
