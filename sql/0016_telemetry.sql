-- Telemetry (lld-backend.md §5.5; ecosystem-notes §1.9, §2.2, §2.3): what gateways and agent SDKs
-- report through the receiver (`bun run receiver`, src/telemetry/ingest/), and what the dashboards
-- read. Every table is range-partitioned by `time`, one partition per UTC day, natively (no
-- TimescaleDB here; DEVELOPERS.md says how this maps onto hypertables).
--
-- No DEFAULT partition: a row outside the partitions would escape retention, and a default partition
-- holding rows of a day makes creating that day's partition fail (PostgreSQL checks the default's
-- rows). The receiver refuses events outside its window instead (24 h back, 5 min ahead), and the
-- partitions cover yesterday to seven days ahead.
--
-- No foreign keys: vendor_id and agent_id come from the credential that sent the event (never from
-- the body), and a per-row FK check would cost more than the rest of the insert at ingest rates.

-- The partitioned tables and how long each keeps its rows; telemetry_maintain() reads it, so a
-- later migration registers a table by inserting a row.
CREATE TABLE telemetry_partitions (
  table_name   TEXT PRIMARY KEY,
  retention    INTERVAL NOT NULL CHECK (retention >= INTERVAL '1 day'),
  premake_days INTEGER NOT NULL DEFAULT 7 CHECK (premake_days BETWEEN 1 AND 60)
);

-- The raw copy of every accepted event or packet, as received. The unique index is the dedupe:
-- a replayed request (a signed body may be sent again within the signature's window, and SDKs
-- retry) carries the same (source, id, time) for the same sender, and is not stored twice. It
-- includes the sender, so that one vendor cannot pre-empt another's event ids. Time leads it:
-- rows arrive in time order, so inserts land at the index's right edge instead of all over it.
CREATE TABLE telemetry_events (
  time        TIMESTAMPTZ NOT NULL,
  received_at TIMESTAMPTZ NOT NULL,
  event_id    TEXT NOT NULL,
  source      TEXT NOT NULL,
  type        TEXT NOT NULL,
  vendor_id   BIGINT,
  agent_id    BIGINT,
  data        JSONB NOT NULL,
  CHECK (vendor_id IS NOT NULL OR agent_id IS NOT NULL)
) PARTITION BY RANGE (time);
CREATE UNIQUE INDEX telemetry_events_dedupe ON telemetry_events (time, event_id, source, vendor_id, agent_id) NULLS NOT DISTINCT;

-- com.machpay.payment.authorized, as the gateway saw it (agent: the agent as the gateway names it).
CREATE TABLE payment_authorized (
  time          TIMESTAMPTZ NOT NULL,
  vendor_id     BIGINT NOT NULL,
  gateway_id    TEXT NOT NULL,
  agent         TEXT NOT NULL,
  amount_atomic NUMERIC(20,0) NOT NULL CHECK (amount_atomic >= 0),
  token_mint    TEXT,
  service_id    TEXT,
  latency_ms    INTEGER CHECK (latency_ms >= 0),
  event_id      TEXT NOT NULL
) PARTITION BY RANGE (time);
-- BRIN, not a b-tree, on the high-volume event tables: rows arrive in time order, the rollups read
-- them by time range, and a BRIN costs next to nothing per insert where a b-tree of (vendor_id,
-- time) cost about 1.3 us of PostgreSQL CPU per row (measured by inserting 1000-row COPYs).
CREATE INDEX payment_authorized_time ON payment_authorized USING brin (time);

-- com.machpay.request.blocked (reason: solvency_check_failed, invalid_signature, replay_detected...).
CREATE TABLE request_blocked (
  time                   TIMESTAMPTZ NOT NULL,
  vendor_id              BIGINT NOT NULL,
  gateway_id             TEXT NOT NULL,
  agent                  TEXT,
  reason                 TEXT NOT NULL,
  current_balance_atomic NUMERIC(20,0) CHECK (current_balance_atomic >= 0),
  required_amount_atomic NUMERIC(20,0) CHECK (required_amount_atomic >= 0),
  event_id               TEXT NOT NULL
) PARTITION BY RANGE (time);
CREATE INDEX request_blocked_time ON request_blocked USING brin (time);

-- com.machpay.agent.insolvency_risk (sampled by the gateway).
CREATE TABLE solvency_alerts (
  time                     TIMESTAMPTZ NOT NULL,
  vendor_id                BIGINT NOT NULL,
  gateway_id               TEXT NOT NULL,
  agent                    TEXT NOT NULL,
  remaining_balance_atomic NUMERIC(20,0) NOT NULL CHECK (remaining_balance_atomic >= 0),
  burn_rate_1h_atomic      NUMERIC(20,0) NOT NULL CHECK (burn_rate_1h_atomic >= 0),
  event_id                 TEXT NOT NULL
) PARTITION BY RANGE (time);
CREATE INDEX solvency_alerts_time ON solvency_alerts USING brin (time);

-- The gateway's deep packet (every 60 s), time = period_end.
CREATE TABLE gateway_telemetry (
  time         TIMESTAMPTZ NOT NULL,
  vendor_id    BIGINT NOT NULL,
  gateway_id   TEXT NOT NULL,
  period_start TIMESTAMPTZ NOT NULL,
  period_end   TIMESTAMPTZ NOT NULL,
  config       JSONB,
  system       JSONB NOT NULL DEFAULT '{}',
  network      JSONB NOT NULL DEFAULT '{}',
  business     JSONB NOT NULL DEFAULT '{}',
  CHECK (period_start <= period_end)
) PARTITION BY RANGE (time);
CREATE INDEX gateway_telemetry_vendor_time ON gateway_telemetry (vendor_id, time);

-- The agent SDK's packet, time = period_end; reported_agent is the agent id the SDK wrote in it
-- (its key), agent_id the profile whose credential sent it.
CREATE TABLE agent_telemetry (
  time           TIMESTAMPTZ NOT NULL,
  agent_id       BIGINT NOT NULL,
  period_start   TIMESTAMPTZ NOT NULL,
  period_end     TIMESTAMPTZ NOT NULL,
  sdk_version    TEXT,
  wallet         JSONB NOT NULL DEFAULT '{}',
  interactions   JSONB NOT NULL DEFAULT '{}',
  reported_agent TEXT,
  CHECK (period_start <= period_end)
) PARTITION BY RANGE (time);
CREATE INDEX agent_telemetry_agent_time ON agent_telemetry (agent_id, time);

-- §5.5's metrics, as the receiver writes them: entity_id is the gateway id (with its vendor_id) or
-- the agent's id; labels carry the route, status, vendor host... (src/telemetry/metric-names.ts).
CREATE TABLE metrics (
  time        TIMESTAMPTZ NOT NULL,
  entity_id   VARCHAR(64) NOT NULL,
  metric_name TEXT NOT NULL,
  value       DOUBLE PRECISION NOT NULL,
  labels      JSONB NOT NULL DEFAULT '{}',
  vendor_id   BIGINT
) PARTITION BY RANGE (time);
CREATE INDEX metrics_entity_name_time ON metrics (entity_id, metric_name, time);
CREATE INDEX metrics_vendor_time ON metrics (vendor_id, time) WHERE vendor_id IS NOT NULL;

-- §5.5's logs. Daily partitions, not hourly, though the retention is 3 days: the volume is small
-- (warnings the receiver records), and 72+ hourly partitions per table would cost planning time on
-- every query that does not prune and 24 creates and drops a day, for nothing a day does not give.
CREATE TABLE logs (
  time      TIMESTAMPTZ NOT NULL,
  level     TEXT NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error')),
  msg       TEXT NOT NULL,
  entity_id VARCHAR(64),
  labels    JSONB NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (time);
CREATE INDEX logs_entity_time ON logs (entity_id, time);

INSERT INTO telemetry_partitions (table_name, retention) VALUES
  ('telemetry_events', INTERVAL '7 days'),
  ('payment_authorized', INTERVAL '14 days'),
  ('request_blocked', INTERVAL '14 days'),
  ('solvency_alerts', INTERVAL '14 days'),
  ('gateway_telemetry', INTERVAL '14 days'),
  ('agent_telemetry', INTERVAL '30 days'),
  ('metrics', INTERVAL '14 days'),
  ('logs', INTERVAL '3 days');

-- A withdrawal address a gateway reported that differs from its vendor's profile: never applied (a
-- leaked gateway key must not be able to send earnings elsewhere), and the vendor is notified once
-- per address, the first time this row is inserted.
CREATE TABLE gateway_address_reports (
  vendor_id        BIGINT NOT NULL REFERENCES users(id),
  reported_address TEXT NOT NULL,
  gateway_id       TEXT NOT NULL,
  first_seen_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (vendor_id, reported_address)
);

-- Partition maintenance, run by the migration once and by each receiver hourly (and at start):
-- creates the partitions of yesterday (late events) to `premake_days` ahead, and drops those whose
-- whole range is older than the table's retention. Idempotent; replicas running it at once queue
-- on the advisory lock, and the later ones find nothing to do.
--
-- Why a function and not pg_partman: no extension to install and keep on every node of a cluster,
-- and the rule is this small. Locks: a new partition is created standalone and then ATTACHed, which
-- takes SHARE UPDATE EXCLUSIVE on the parent (inserts and reads go on); dropping one needs ACCESS
-- EXCLUSIVE on the parent, so it waits at most lock_timeout (a waiting DROP queues every insert
-- behind it) and is retried on the next run when it cannot have the lock.
CREATE FUNCTION telemetry_maintain(at TIMESTAMPTZ DEFAULT now())
RETURNS TABLE (action TEXT, partition_name TEXT)
LANGUAGE plpgsql AS $$
DECLARE
  t RECORD;
  child RECORD;
  day DATE;
  today DATE := (at AT TIME ZONE 'UTC')::date;
  name TEXT;
  previous_lock_timeout TEXT := current_setting('lock_timeout');
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('telemetry_maintain', 0));
  FOR t IN SELECT p.table_name, p.retention, p.premake_days FROM telemetry_partitions p ORDER BY p.table_name LOOP
    FOR day IN SELECT generate_series(today - 1, today + t.premake_days, INTERVAL '1 day')::date LOOP
      name := format('%s_p%s', t.table_name, to_char(day, 'YYYYMMDD'));
      CONTINUE WHEN to_regclass(quote_ident(name)) IS NOT NULL;
      EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name, t.table_name);
      EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', t.table_name, name,
        day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
      action := 'created';
      partition_name := name;
      RETURN NEXT;
    END LOOP;

    FOR child IN
      SELECT c.relname, to_date(substring(c.relname FROM '_p(\d{8})$'), 'YYYYMMDD') AS day
      FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = t.table_name::regclass
        AND c.relname ~ ('^' || t.table_name || '_p\d{8}$')
      ORDER BY 2
    LOOP
      -- The partition's upper bound is the next midnight: dropped once that is older than retention.
      CONTINUE WHEN (child.day + 1)::timestamp AT TIME ZONE 'UTC' > at - t.retention;
      BEGIN
        PERFORM set_config('lock_timeout', '200ms', true);
        EXECUTE format('DROP TABLE %I', child.relname);
        action := 'dropped';
      EXCEPTION WHEN lock_not_available THEN
        action := 'drop_deferred';
      END;
      PERFORM set_config('lock_timeout', previous_lock_timeout, true);
      partition_name := child.relname;
      RETURN NEXT;
    END LOOP;
  END LOOP;
END;
$$;

SELECT count(*) FROM telemetry_maintain(now());
