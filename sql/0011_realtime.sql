-- Real time, public dashboards and simulation: lld-backend.md §3.5, §6, §7.1; contract.md
-- "Real time", "Public", "Simulation".

-- The postgres broker (BROKER=postgres): every published event is a row, written under one
-- advisory lock so that ids commit in id order; the NOTIFY sent in the same transaction carries
-- the events when they fit its 8000-byte limit, else the id range to read here. The rows are also
-- the Last-Event-ID history every instance shares. Pruned by age (src/realtime/postgres-broker.ts).
CREATE TABLE realtime_events (
  id         BIGSERIAL PRIMARY KEY,
  topic      VARCHAR(64) NOT NULL,
  type       VARCHAR(64) NOT NULL,
  data       JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX realtime_events_topic ON realtime_events (topic, id);
CREATE INDEX realtime_events_created ON realtime_events (created_at);

-- Notifications waiting to go out on SSE (user:<id>). The trigger fills it inside the notifying
-- transaction, so a row exists exactly when that transaction committed; a relay claims rows with
-- DELETE ... RETURNING, so each notification is relayed once however many instances run.
CREATE TABLE realtime_outbox (
  notification_id BIGINT PRIMARY KEY REFERENCES notifications(id) ON DELETE CASCADE
);

CREATE FUNCTION realtime_outbox_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO realtime_outbox (notification_id) SELECT id FROM new_rows;
  -- Delivered at COMMIT, never for a rolled-back transaction.
  PERFORM pg_notify('machpay_notifications', '');
  RETURN NULL;
END $$;

CREATE TRIGGER notifications_realtime AFTER INSERT ON notifications
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION realtime_outbox_fill();

-- The data center a vendor's gateway runs in, the far end of the globe's flows (lld-backend.md
-- §6.2). The simulator sets its vendors'; payments to a vendor without one count as local traffic.
CREATE TABLE vendor_regions (
  vendor_id  BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  region     VARCHAR(32) NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Rollups behind /v1/network/* and the stats topic, so that they read a few thousand rows
-- whatever the size of transactions. Kept by a statement-level trigger on transactions: one
-- aggregate per payment batch, in the batch's own transaction. Rows are sharded so that
-- concurrent batches rarely wait on one hot row.
-- A payment later reversed by a settlement failure stays counted: these are volumes paid.
CREATE TABLE network_minute_stats (
  minute         TIMESTAMPTZ NOT NULL,
  shard          SMALLINT NOT NULL,
  tx_count       BIGINT NOT NULL,
  volume_atomic  NUMERIC(38,0) NOT NULL,
  latency_sum_ms BIGINT NOT NULL,
  latency_count  BIGINT NOT NULL,
  PRIMARY KEY (minute, shard)
);

-- When each agent ('a') last paid and each vendor ('v') was last paid: active participants over
-- 24 hours are an index range, however many hours or payments. Written at most every 5 minutes
-- per participant; the rows it locks are those of agents and vendors the batch already holds.
CREATE TABLE network_participants (
  role           CHAR(1) NOT NULL CHECK (role IN ('a', 'v')),
  user_id        BIGINT NOT NULL,
  last_active_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (role, user_id)
);

CREATE INDEX network_participants_active ON network_participants (role, last_active_at);

-- Flows between data-center regions per hour (the globe's vectors).
CREATE TABLE network_flows_hourly (
  hour          TIMESTAMPTZ NOT NULL,
  from_region   VARCHAR(32) NOT NULL,
  to_region     VARCHAR(32) NOT NULL,
  shard         SMALLINT NOT NULL,
  tx_count      BIGINT NOT NULL,
  volume_atomic NUMERIC(38,0) NOT NULL,
  PRIMARY KEY (hour, from_region, to_region, shard)
);

CREATE FUNCTION network_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  -- Per transaction, not per connection: two batches meet on a row one time in eight, and never
  -- for the whole life of two pooled connections.
  v_shard SMALLINT := txid_current() % 8;
BEGIN
  -- ORDER BY everywhere: two batches of one shard then lock rows in the same order (no deadlock).
  INSERT INTO network_minute_stats AS s (minute, shard, tx_count, volume_atomic, latency_sum_ms, latency_count)
  SELECT date_trunc('minute', created_at), v_shard, count(*), sum(amount_atomic), COALESCE(sum(latency_ms), 0), count(latency_ms)
  FROM new_rows
  WHERE status = 'confirmed'
  GROUP BY 1
  ORDER BY 1
  ON CONFLICT (minute, shard) DO UPDATE SET
    tx_count = s.tx_count + EXCLUDED.tx_count,
    volume_atomic = s.volume_atomic + EXCLUDED.volume_atomic,
    latency_sum_ms = s.latency_sum_ms + EXCLUDED.latency_sum_ms,
    latency_count = s.latency_count + EXCLUDED.latency_count;

  INSERT INTO network_participants AS p (role, user_id, last_active_at)
  SELECT role, user_id, max(at) FROM (
    SELECT 'a' AS role, from_agent_id AS user_id, created_at AS at FROM new_rows WHERE status = 'confirmed'
    UNION ALL
    SELECT 'v', to_vendor_id, created_at FROM new_rows WHERE status = 'confirmed'
  ) AS active
  GROUP BY role, user_id
  ORDER BY role, user_id
  ON CONFLICT (role, user_id) DO UPDATE SET last_active_at = EXCLUDED.last_active_at
  WHERE p.last_active_at < EXCLUDED.last_active_at - interval '5 minutes';

  INSERT INTO network_flows_hourly AS f (hour, from_region, to_region, shard, tx_count, volume_atomic)
  SELECT date_trunc('hour', t.created_at), t.region, COALESCE(vr.region, t.region), v_shard, count(*), sum(t.amount_atomic)
  FROM new_rows t
  LEFT JOIN vendor_regions vr ON vr.vendor_id = t.to_vendor_id
  WHERE t.status = 'confirmed' AND t.region IS NOT NULL
  GROUP BY 1, 2, 3
  ORDER BY 1, 2, 3
  ON CONFLICT (hour, from_region, to_region, shard) DO UPDATE SET
    tx_count = f.tx_count + EXCLUDED.tx_count,
    volume_atomic = f.volume_atomic + EXCLUDED.volume_atomic;
  RETURN NULL;
END $$;

CREATE TRIGGER transactions_network_rollup AFTER INSERT ON transactions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION network_rollup();

-- The leaderboard sums agent_daily_spend over the last days: an index-only scan by day.
CREATE INDEX agent_daily_spend_day ON agent_daily_spend (day) INCLUDE (user_id, spent_atomic);
