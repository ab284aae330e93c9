-- Notification delivery by webhook and email (issue 7 item 6; contract.md "Ledger": a failed
-- settlement notifies the vendor on SSE, email and webhook). SSE keeps its own outbox (0011).

-- A user's webhook endpoints. The signing secret must be recoverable to sign each delivery, so it
-- cannot be hashed: it is stored sealed (AES-256-GCM under a key derived from API_KEY_PEPPER, the
-- row id as associated data), so a copy of this table alone forges nothing.
CREATE TABLE webhooks (
  id             BIGSERIAL PRIMARY KEY,
  user_id        BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  url            VARCHAR(2048) NOT NULL,
  -- Notification types (settlement.failed, payout.confirmed, ...) or '*' for all of them.
  events         TEXT[] NOT NULL CHECK (cardinality(events) > 0),
  secret_sealed  TEXT NOT NULL,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX webhooks_user ON webhooks (user_id, id);

-- One row per (notification, channel target): written in the notifying transaction by
-- recordNotification, so a delivery exists exactly when its notification committed, and survives
-- any restart. Workers claim due rows with FOR UPDATE SKIP LOCKED; a claim pushes next_attempt_at
-- forward by a lease, so a worker that dies mid-send leaves its rows due again later.
CREATE TABLE notification_deliveries (
  id              BIGSERIAL PRIMARY KEY,
  notification_id BIGINT NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
  channel         VARCHAR(10) NOT NULL CHECK (channel IN ('webhook', 'email')),
  -- Deleting a webhook drops its pending deliveries with it.
  webhook_id      BIGINT REFERENCES webhooks(id) ON DELETE CASCADE,
  -- 'failed': given up after the last retry; 'skipped': nothing to send to (no email address).
  status          VARCHAR(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
  attempts        INT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- '-infinity': due at once, whatever the clock of the worker that claims it.
  next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT '-infinity',
  -- Set by a claim, cleared by its recorded outcome: still set at the next claim means the last
  -- attempt's outcome is unknown (the worker died mid-send).
  in_flight       BOOLEAN NOT NULL DEFAULT false,
  last_error      VARCHAR(500),
  last_status     INT,
  delivered_at    TIMESTAMPTZ,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK ((channel = 'webhook') = (webhook_id IS NOT NULL))
);

-- At most one email per notification, one delivery per webhook per notification.
CREATE UNIQUE INDEX notification_deliveries_email ON notification_deliveries (notification_id) WHERE channel = 'email';
CREATE UNIQUE INDEX notification_deliveries_webhook ON notification_deliveries (notification_id, webhook_id) WHERE channel = 'webhook';
-- The worker's claim: pending rows by due time.
CREATE INDEX notification_deliveries_due ON notification_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_deliveries_webhook_id ON notification_deliveries (webhook_id) WHERE webhook_id IS NOT NULL;
