-- The internal ledger and the settlement bridge: lld-backend.md §3.4, §5.3, §5.4, adapted.
-- Deviation everywhere below: the design's NUMERIC(20,9) amounts become atomic NUMERIC(20,0)
-- (integer units of token_mint; USDC has 6 decimals) as contract.md ("Conventions") decides,
-- so no amount is ever a fraction and JSON carries them as digit strings.

CREATE TABLE transactions (
  id            VARCHAR(64) PRIMARY KEY,
  -- Internal hash (sha256 hex of the canonical payment), unique so a payment is never recorded twice.
  hash          VARCHAR(64) NOT NULL UNIQUE,
  from_agent_id BIGINT NOT NULL REFERENCES users(id),
  to_vendor_id  BIGINT NOT NULL REFERENCES users(id),
  service_id    VARCHAR(64) REFERENCES services(id) ON DELETE SET NULL,
  amount_atomic NUMERIC(20,0) NOT NULL CHECK (amount_atomic > 0),
  -- Platform fee taken out of amount_atomic; the vendor is credited amount - fee.
  fee_atomic    NUMERIC(20,0) NOT NULL DEFAULT 0 CHECK (fee_atomic >= 0 AND fee_atomic <= amount_atomic),
  token_mint    VARCHAR(44) NOT NULL,
  status        VARCHAR(20) NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'failed')),
  -- §3.4's latency column, in milliseconds from request to commit.
  latency_ms    INT CHECK (latency_ms >= 0),
  reference     VARCHAR(128),
  source        VARCHAR(20) NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'gateway', 'simulation')),
  -- Data-center region stamped on traffic (§6.2).
  region        VARCHAR(32),
  settled_at    TIMESTAMPTZ,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK (from_agent_id <> to_vendor_id)
);

CREATE INDEX transactions_agent ON transactions (from_agent_id, created_at DESC, id DESC);
CREATE INDEX transactions_vendor ON transactions (to_vendor_id, created_at DESC, id DESC);
CREATE INDEX transactions_recent ON transactions (created_at DESC, id DESC);

CREATE TABLE payment_intents (
  id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Deviation: §5.4 keys intents by pubkeys only; the resolved users are kept as well so that a
  -- settlement failure can reverse the right balances without a lookup that could have changed.
  agent_id       BIGINT REFERENCES users(id),
  vendor_id      BIGINT REFERENCES users(id),
  agent_pubkey   VARCHAR(44) NOT NULL,
  gateway_pubkey VARCHAR(44) NOT NULL,
  token_mint     VARCHAR(44) NOT NULL,
  amount_atomic  NUMERIC(20,0) NOT NULL CHECK (amount_atomic > 0),
  -- u64 nonce of the signed intent; (agent, nonce) is single use.
  nonce          NUMERIC(20,0) NOT NULL CHECK (nonce >= 0 AND nonce <= 18446744073709551615),
  deadline       BIGINT NOT NULL,
  signature      TEXT NOT NULL,
  transaction_id VARCHAR(64) REFERENCES transactions(id),
  status         VARCHAR(20) NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SETTLED', 'FAILED')),
  tx_signature   VARCHAR(88),
  failure_reason TEXT,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (agent_pubkey, nonce)
);

CREATE TABLE payouts (
  id                 VARCHAR(64) PRIMARY KEY,
  vendor_id          BIGINT NOT NULL REFERENCES users(id),
  amount_atomic      NUMERIC(20,0) NOT NULL CHECK (amount_atomic > 0),
  token_mint         VARCHAR(44) NOT NULL,
  destination_wallet VARCHAR(44) NOT NULL CHECK (destination_wallet ~ '^[1-9A-HJ-NP-Za-km-z]{32,44}$'),
  -- Caller's reference, unique per vendor (contract.md "Ledger").
  reference          VARCHAR(128) NOT NULL,
  -- Solana transaction signature once sent.
  tx_hash            VARCHAR(88),
  -- Deviation: §5.4 has PENDING -> CONFIRMED; PROCESSING marks a payout claimed by the
  -- settlement worker, FAILED one whose amount went back to the vendor.
  status             VARCHAR(20) NOT NULL DEFAULT 'PENDING'
                     CHECK (status IN ('PENDING', 'PROCESSING', 'CONFIRMED', 'FAILED')),
  failure_reason     TEXT,
  attempts           INT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (vendor_id, reference),
  CHECK (status <> 'CONFIRMED' OR tx_hash IS NOT NULL)
);

CREATE INDEX payouts_vendor ON payouts (vendor_id, created_at DESC, id DESC);
CREATE INDEX payouts_pending ON payouts (created_at) WHERE status = 'PENDING';
