-- Device pairing (lld-backend.md §3.2, §3.3; contract.md "Onboarding", after RFC 8628).

-- A device key (agent CLI/SDK or vendor gateway) bound to one profile. The primary key makes
-- "one key, one profile" a rule of the database.
CREATE TABLE device_keys (
  pubkey          VARCHAR(44) PRIMARY KEY CHECK (pubkey ~ '^[1-9A-HJ-NP-Za-km-z]{32,44}$'),
  kind            VARCHAR(10) NOT NULL CHECK (kind IN ('agent', 'vendor')),
  user_id         BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  link_request_id BIGINT,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX device_keys_user ON device_keys (user_id);

CREATE TABLE link_requests (
  id               BIGSERIAL PRIMARY KEY,
  -- The user code, without its dash: 8 letters of an alphabet with no vowels and no look-alikes.
  user_code        CHAR(8) NOT NULL CHECK (user_code ~ '^[BCDFGHJKLMNPQRSTVWXZ]{8}$'),
  -- sha256 of the device code (the secret only the device knows, RFC 8628's split).
  device_code_hash CHAR(64) NOT NULL UNIQUE,
  pubkey           VARCHAR(44) NOT NULL CHECK (pubkey ~ '^[1-9A-HJ-NP-Za-km-z]{32,44}$'),
  kind             VARCHAR(10) NOT NULL CHECK (kind IN ('agent', 'vendor')),
  -- The signed init proof's timestamp: (pubkey, timestamp) is single use.
  proof_timestamp  BIGINT NOT NULL,
  status           VARCHAR(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved')),
  approved_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
  created_at       TIMESTAMPTZ NOT NULL,
  expires_at       TIMESTAMPTZ NOT NULL CHECK (expires_at > created_at),
  approved_at      TIMESTAMPTZ,
  last_polled_at   TIMESTAMPTZ,
  UNIQUE (pubkey, proof_timestamp),
  CHECK (status <> 'approved' OR (approved_by IS NOT NULL AND approved_at IS NOT NULL))
);

-- A code names one live request at a time (expired ones keep theirs: the space is 20^8).
CREATE UNIQUE INDEX link_requests_pending_code ON link_requests (user_code) WHERE status = 'pending';
