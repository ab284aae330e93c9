-- Profiles and the service registry: lld-backend.md §5.2, adapted.

CREATE TABLE profiles (
  user_id            BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  type               VARCHAR(20) NOT NULL CHECK (type IN ('agent', 'vendor')),
  name               VARCHAR(100) NOT NULL CHECK (length(name) > 0),
  description        TEXT,
  -- Vendor specific
  service_type       VARCHAR(50),
  withdrawal_address VARCHAR(44) CHECK (withdrawal_address ~ '^[1-9A-HJ-NP-Za-km-z]{32,44}$'),
  base_price_atomic  NUMERIC(20,0) CHECK (base_price_atomic >= 0),
  -- Deviation: not in §5.2; §4.4 debits profiles.unsettled_balance. Earned but not yet paid out,
  -- in atomic units, never negative.
  unsettled_balance_atomic NUMERIC(20,0) NOT NULL DEFAULT 0 CHECK (unsettled_balance_atomic >= 0),
  -- Agent specific
  risk_score         INT NOT NULL DEFAULT 0,
  created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK (type <> 'vendor' OR (service_type IS NOT NULL AND withdrawal_address IS NOT NULL AND base_price_atomic IS NOT NULL))
);

-- Deviation: §5.2 has no services table and keys embeddings by vendor. contract.md ("Discovery")
-- lets a vendor register several endpoints, each resolvable by id, so services get their own
-- table and embeddings are keyed by service.
CREATE TABLE services (
  id             VARCHAR(64) PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  vendor_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name           VARCHAR(200) NOT NULL,
  description    TEXT NOT NULL DEFAULT '',
  gateway_url    TEXT NOT NULL CHECK (gateway_url ~ '^https?://'),
  gateway_pubkey VARCHAR(44) CHECK (gateway_pubkey ~ '^[1-9A-HJ-NP-Za-km-z]{32,44}$'),
  price_atomic   NUMERIC(20,0) NOT NULL CHECK (price_atomic >= 0),
  token_mint     VARCHAR(44) NOT NULL,
  service_type   VARCHAR(50) NOT NULL,
  mcp_tool_def   JSONB,
  pda_address    VARCHAR(44),
  tx_signature   VARCHAR(88),
  is_active      BOOLEAN NOT NULL DEFAULT true,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX services_vendor ON services (vendor_id);
CREATE INDEX services_active_price ON services (price_atomic) WHERE is_active;

CREATE TABLE service_embeddings (
  service_id   VARCHAR(64) PRIMARY KEY REFERENCES services(id) ON DELETE CASCADE,
  -- OpenAI ada-002 dimension; shorter vectors are zero-padded (cosine is unchanged).
  embedding    vector(1536) NOT NULL,
  -- sha256 of the indexed text: re-embedding is skipped while it is unchanged.
  content_hash CHAR(64) NOT NULL,
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX service_embeddings_hnsw ON service_embeddings USING hnsw (embedding vector_cosine_ops);
