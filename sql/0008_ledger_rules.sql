-- Ledger rules and accounts (lld-backend.md §3.4, §4.1-§4.4, §7.3; contract.md "Ledger").

-- Where money enters: confirmed deposits, credited once per chain signature. Until the chain
-- issue, tests credit through an internal function that records source 'internal'.
CREATE TABLE deposits (
  id            BIGSERIAL PRIMARY KEY,
  user_id       BIGINT NOT NULL REFERENCES users(id),
  amount_atomic NUMERIC(20,0) NOT NULL CHECK (amount_atomic > 0),
  token_mint    VARCHAR(44) NOT NULL,
  -- A chain signature is credited once (contract.md "Chain").
  tx_signature  VARCHAR(88) UNIQUE,
  source        VARCHAR(20) NOT NULL CHECK (source IN ('api', 'indexer', 'internal')),
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK (source = 'internal' OR tx_signature IS NOT NULL)
);

CREATE INDEX deposits_user ON deposits (user_id, created_at DESC);

-- Agent settings. settlement_mode 'ledger': payments debit the deposited balance (custodial).
-- 'onchain': the agent keeps its funds; its signed intents credit vendors optimistically and are
-- settled on chain by recon (lld-backend.md §4.4), secured by its bond.
ALTER TABLE profiles
  ADD COLUMN settlement_mode VARCHAR(10) NOT NULL DEFAULT 'ledger' CHECK (settlement_mode IN ('ledger', 'onchain')),
  ADD COLUMN low_balance_threshold_atomic NUMERIC(20,0) NOT NULL DEFAULT 5000000 CHECK (low_balance_threshold_atomic >= 0),
  -- What a vendor owes after a settlement failure reversed more than its unsettled balance held
  -- (it had been paid out already). Later earnings pay it down first. Never negative.
  ADD COLUMN debt_atomic NUMERIC(20,0) NOT NULL DEFAULT 0 CHECK (debt_atomic >= 0);

-- Spending limits (contract.md: null = no limit), enforced on every payment.
CREATE TABLE agent_limits (
  user_id                BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  per_payment_max_atomic NUMERIC(20,0) CHECK (per_payment_max_atomic >= 0),
  daily_max_atomic       NUMERIC(20,0) CHECK (daily_max_atomic >= 0),
  allowed_vendor_ids     BIGINT[],
  updated_at             TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Spend per agent per UTC day, kept by the payment path itself so the daily limit is one lookup.
CREATE TABLE agent_daily_spend (
  user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  day          DATE NOT NULL,
  spent_atomic NUMERIC(20,0) NOT NULL CHECK (spent_atomic >= 0),
  PRIMARY KEY (user_id, day)
);

-- Every signed intent's (agent key, nonce) is spent by its first submission, accepted or not, so
-- an intent can never be replayed, even later when the agent could afford it.
CREATE TABLE intent_nonces (
  agent_pubkey   VARCHAR(44) NOT NULL,
  nonce          NUMERIC(20,0) NOT NULL CHECK (nonce >= 0 AND nonce <= 18446744073709551615),
  transaction_id VARCHAR(64),
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_pubkey, nonce)
);

-- The platform's fee account, one row per mint (contract.md: fees are part of the audit identity).
CREATE TABLE platform_accounts (
  token_mint  VARCHAR(44) PRIMARY KEY,
  fees_atomic NUMERIC(20,0) NOT NULL DEFAULT 0 CHECK (fees_atomic >= 0)
);

-- Idempotency-Key (contract.md "Conventions"): the first response to a key is stored in the same
-- transaction as the money it moved, so a retry can never move money twice.
CREATE TABLE idempotency_keys (
  user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  key           VARCHAR(255) NOT NULL,
  request_hash  CHAR(64) NOT NULL,
  status_code   INT NOT NULL,
  response_body JSONB NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);

-- Settlement outcomes reported by recon, each processed exactly once.
CREATE TABLE recon_events (
  event_id     VARCHAR(128) PRIMARY KEY,
  type         VARCHAR(40) NOT NULL,
  payload      JSONB NOT NULL,
  processed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Notifications owed to users (delivery channels: the real-time issue).
CREATE TABLE notifications (
  id         BIGSERIAL PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type       VARCHAR(40) NOT NULL,
  payload    JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  read_at    TIMESTAMPTZ
);

CREATE INDEX notifications_user ON notifications (user_id, created_at DESC);

-- A transaction reversed by a settlement failure keeps its row, marked 'reversed'.
ALTER TABLE transactions DROP CONSTRAINT transactions_status_check;
ALTER TABLE transactions ADD CONSTRAINT transactions_status_check CHECK (status IN ('confirmed', 'failed', 'reversed'));
-- The payment intent behind a transaction of an on-chain agent (settled or reversed by recon).
ALTER TABLE transactions ADD COLUMN intent_id UUID;

-- What an on-chain agent still owes settlement, summed on every one of its payments.
CREATE INDEX payment_intents_agent_pending ON payment_intents (agent_id) WHERE status = 'PENDING';
CREATE INDEX payouts_vendor_open ON payouts (vendor_id) WHERE status IN ('PENDING', 'PROCESSING');
