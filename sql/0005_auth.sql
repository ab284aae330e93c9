-- Sign-in state: SIWS nonces, email one-time codes, refresh-token families (contract.md "Identity").

-- Google accounts are matched by their stable subject first, then by verified email.
ALTER TABLE users ADD COLUMN google_sub VARCHAR(255) UNIQUE;

CREATE TABLE auth_nonces (
  -- >= 96 random bits, base58; single use, bound to one address.
  nonce           VARCHAR(64) PRIMARY KEY,
  address         VARCHAR(44) NOT NULL CHECK (address ~ '^[1-9A-HJ-NP-Za-km-z]{32,44}$'),
  issued_at       TIMESTAMPTZ NOT NULL,
  expires_at      TIMESTAMPTZ NOT NULL CHECK (expires_at > issued_at),
  -- Five failed logins kill the nonce, like a consumed one.
  failed_attempts INT NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  consumed_at     TIMESTAMPTZ
);

CREATE INDEX auth_nonces_expiry ON auth_nonces (expires_at);

CREATE TABLE email_otps (
  id             BIGSERIAL PRIMARY KEY,
  email          VARCHAR(255) NOT NULL CHECK (email = lower(email)),
  -- HMAC-SHA-256 of the 6-digit code with the server pepper: a leaked table yields no codes
  -- without the pepper (10^6 codes would fall to a plain hash at once).
  code_hash      CHAR(64) NOT NULL,
  attempts       INT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  expires_at     TIMESTAMPTZ NOT NULL,
  consumed_at    TIMESTAMPTZ,
  -- Set when three wrong tries kill the code, or a newer code replaces it.
  invalidated_at TIMESTAMPTZ,
  requested_ip   VARCHAR(64),
  created_at     TIMESTAMPTZ NOT NULL
);

CREATE INDEX email_otps_email ON email_otps (email, created_at DESC);

CREATE TABLE refresh_tokens (
  id          BIGSERIAL PRIMARY KEY,
  user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- Every rotation stays in the family of the login that started it; reuse of a rotated
  -- token revokes the whole family (the thief's and the owner's tokens alike).
  family_id   UUID NOT NULL,
  -- sha256 hex of the opaque token (256 random bits: a fast hash is enough).
  token_hash  CHAR(64) NOT NULL UNIQUE,
  expires_at  TIMESTAMPTZ NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  rotated_at  TIMESTAMPTZ,
  revoked_at  TIMESTAMPTZ
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
