-- Identity and access: lld-backend.md §5.1, adapted as contract.md ("Identity", "Conventions") decides.

CREATE TABLE users (
  id             BIGSERIAL PRIMARY KEY,
  -- Stored lower-cased so that UNIQUE is case-insensitive without citext.
  email          VARCHAR(255) UNIQUE CHECK (email = lower(email)),
  -- Solana public key, base58 (32 bytes encode to 32..44 characters).
  wallet_address VARCHAR(44) UNIQUE CHECK (wallet_address ~ '^[1-9A-HJ-NP-Za-km-z]{32,44}$'),
  name           VARCHAR(100),
  role           VARCHAR(20) NOT NULL DEFAULT 'observer'
                 CHECK (role IN ('observer', 'architect', 'operator')),
  -- Deviation: not in §5.1; §4.4 suspends an agent with UPDATE users SET status = 'SUSPENDED'.
  status         VARCHAR(20) NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'SUSPENDED')),
  -- Deviation: not in §5.1; §4.1 credits deposits to users.balance. Money is atomic units of
  -- the configured mint (USDC: 6 decimals), NUMERIC(20,0) so a u64 always fits, never negative.
  balance_atomic NUMERIC(20,0) NOT NULL DEFAULT 0 CHECK (balance_atomic >= 0),
  -- Bond (lld-backend.md §7.3 "Stake funds"): moved out of balance_atomic, never negative.
  bonded_atomic  NUMERIC(20,0) NOT NULL DEFAULT 0 CHECK (bonded_atomic >= 0),
  -- Simulated actors (lld-backend.md §6) are real rows, marked so dashboards can tell them apart.
  is_simulated   BOOLEAN NOT NULL DEFAULT false,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id           BIGSERIAL PRIMARY KEY,
  user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- 'agent' keys are mp_sk_live_..., 'gateway' keys (vendor gateways) mp_gk_live_...
  kind         VARCHAR(10) NOT NULL CHECK (kind IN ('agent', 'gateway')),
  name         VARCHAR(50) NOT NULL,
  -- What lists show: the type prefix plus the first characters of the secret.
  prefix       VARCHAR(20) NOT NULL,
  -- Deviation from §5.1 (Scrypt/Argon2): HMAC-SHA-256 of the whole key with a server pepper,
  -- hex. The key carries >= 190 bits of entropy, so a slow hash adds nothing but latency on
  -- every request (contract.md "Identity").
  hash         CHAR(64) NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
  permissions  TEXT NOT NULL DEFAULT 'read,write' CHECK (permissions IN ('read', 'write', 'read,write')),
  last_used_at TIMESTAMPTZ,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  revoked_at   TIMESTAMPTZ
);

CREATE INDEX api_keys_user ON api_keys (user_id, created_at DESC);
