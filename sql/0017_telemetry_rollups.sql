-- Telemetry rollups and alerts (issue 14; lld-backend.md §5.5, ecosystem-notes.md §2.3): hourly
-- aggregates of the raw tables of sql/0016, which the dashboards read instead of raw rows, and the
-- record that makes each telemetry alert fire once.
--
-- Written by src/telemetry/rollups/ only, as INSERT ... SELECT ... ON CONFLICT DO UPDATE over the
-- recent hours: each run recomputes an hour from its raw rows (never adds to it), so running it
-- twice, or from two replicas at once, gives the same rows.
--
-- Latency is kept as a histogram (bigint[] of counts per fixed bucket; the bucket bounds are
-- LATENCY_BOUNDS_MS in src/telemetry/rollups/histogram.ts, bucket 0 below the first bound, the
-- last one at or above the last). Summing buckets gives p50/p99 over any range of hours; averaging
-- hourly p99s would not. Changing the bounds means new columns, not new values in these.
--
-- Retention, one year: a DELETE by hour in the job, not monthly partitions. These tables hold one
-- row per gateway (route, agent) and hour, thousands of times fewer than the raw tables, so an
-- hourly delete of an hour's worth is cheap; plain tables need no partitions created ahead (an
-- INSERT into a partitioned table with no partition for its hour fails, and a rollup must not),
-- and ON CONFLICT works on them without the partition key in every unique index. On TimescaleDB
-- these would be continuous aggregates over the raw hypertables with a one-year retention policy.
--
-- No foreign keys: telemetry is lossy by design, and a rollup must not fail because a user it
-- names was deleted meanwhile (reads join what still exists).

-- sum(count) per bucket -> a dense histogram of `size` buckets. Called once per rolled-up group,
-- after the raw rows were grouped by bucket (a plain hash aggregate), never once per raw row.
CREATE FUNCTION telemetry_histogram(buckets INT[], counts NUMERIC[], size INT) RETURNS BIGINT[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_agg(COALESCE(h.n, 0)::bigint ORDER BY i)
  FROM generate_series(0, size - 1) AS i
  LEFT JOIN (SELECT b, sum(c) AS n FROM unnest(buckets, counts) AS u(b, c) GROUP BY b) h ON h.b = i
$$;

-- A count a gateway or SDK reported in JSON: a number in [0, 10^15), else NULL (a bad value must
-- not abort the rollup of everyone else's data).
CREATE FUNCTION telemetry_count(v JSONB) RETURNS BIGINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN jsonb_typeof(v) = 'number' THEN
    CASE WHEN v::text::numeric >= 0 AND v::text::numeric < 1e15 THEN floor(v::text::numeric)::bigint END
  END
$$;

-- A latency a packet reported, in milliseconds: a number in [0, 1 day), else NULL.
CREATE FUNCTION telemetry_ms(v JSONB) RETURNS DOUBLE PRECISION
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN jsonb_typeof(v) = 'number' THEN
    CASE WHEN v::text::numeric >= 0 AND v::text::numeric < 86400000 THEN v::text::float8 END
  END
$$;

-- Atomic units a packet reported, as a JSON number or digit string of at most 20 digits, else NULL.
CREATE FUNCTION telemetry_atomic(v JSONB) RETURNS NUMERIC
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN jsonb_typeof(v) = 'string' AND v #>> '{}' ~ '^[0-9]{1,20}$' THEN (v #>> '{}')::numeric
    WHEN jsonb_typeof(v) = 'number' AND v::text ~ '^[0-9]{1,20}$' THEN v::text::numeric
  END
$$;

-- An SDK packet's wallet.low_balance_warnings, as a count: the number itself, an array's length,
-- or 1 for true.
CREATE FUNCTION telemetry_warnings(wallet JSONB) RETURNS BIGINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE jsonb_typeof(wallet -> 'low_balance_warnings')
    WHEN 'number' THEN COALESCE(telemetry_count(wallet -> 'low_balance_warnings'), 0)
    WHEN 'array' THEN jsonb_array_length(wallet -> 'low_balance_warnings')
    WHEN 'boolean' THEN CASE WHEN wallet -> 'low_balance_warnings' = 'true'::jsonb THEN 1 ELSE 0 END
    ELSE 0
  END
$$;

-- Per gateway and hour. From the CloudEvents (payment.authorized, request.blocked) and the 60 s
-- deep packets (requests by status over its routes, heartbeats, process uptime).
CREATE TABLE telemetry_gateway_hourly (
  hour                   TIMESTAMPTZ NOT NULL,
  vendor_id              BIGINT NOT NULL,
  gateway_id             TEXT NOT NULL,
  authorized_count       BIGINT NOT NULL,
  authorized_atomic      NUMERIC(38,0) NOT NULL,
  -- payment.authorized latency_ms: how long the gateway took per paid request.
  latency_buckets        BIGINT[] NOT NULL,
  blocked_count          BIGINT NOT NULL,
  -- {"solvency_check_failed": n, ...}
  blocked_by_reason      JSONB NOT NULL,
  packets                INTEGER NOT NULL,
  requests               BIGINT NOT NULL,
  status_2xx             BIGINT NOT NULL,
  status_402             BIGINT NOT NULL,
  status_4xx             BIGINT NOT NULL,
  status_5xx             BIGINT NOT NULL,
  -- Seconds of the hour the packets' periods cover (a packet counts in the hour its period ends).
  heartbeat_seconds      INTEGER NOT NULL CHECK (heartbeat_seconds BETWEEN 0 AND 3600),
  -- system.uptime_seconds of the hour's latest packet.
  process_uptime_seconds BIGINT,
  -- The earliest period_start and the latest packet time of the hour's packets.
  first_packet_at        TIMESTAMPTZ,
  last_packet_at         TIMESTAMPTZ,
  rolled_at              TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (hour, vendor_id, gateway_id)
);

CREATE INDEX telemetry_gateway_hourly_vendor ON telemetry_gateway_hourly (vendor_id, hour);

-- Per gateway, route and hour, from the deep packets' business.routes: requests by status, and
-- the latency each packet reported for the route weighted by its requests (latency_p99 always,
-- latency_p50 when the gateway sends it).
CREATE TABLE telemetry_route_hourly (
  hour                TIMESTAMPTZ NOT NULL,
  vendor_id           BIGINT NOT NULL,
  gateway_id          TEXT NOT NULL,
  route               TEXT NOT NULL,
  requests            BIGINT NOT NULL,
  status_2xx          BIGINT NOT NULL,
  status_402          BIGINT NOT NULL,
  status_4xx          BIGINT NOT NULL,
  status_5xx          BIGINT NOT NULL,
  latency_p99_buckets BIGINT[] NOT NULL,
  latency_p50_buckets BIGINT[] NOT NULL,
  rolled_at           TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (hour, vendor_id, gateway_id, route)
);

CREATE INDEX telemetry_route_hourly_vendor ON telemetry_route_hourly (vendor_id, hour);

-- The whole network per hour (the public dashboard reads 24 of these, whatever the number of
-- gateways), summed from telemetry_gateway_hourly by the same run.
CREATE TABLE telemetry_network_hourly (
  hour              TIMESTAMPTZ PRIMARY KEY,
  gateways          INTEGER NOT NULL,
  authorized_count  BIGINT NOT NULL,
  authorized_atomic NUMERIC(38,0) NOT NULL,
  latency_buckets   BIGINT[] NOT NULL,
  blocked_count     BIGINT NOT NULL,
  requests          BIGINT NOT NULL,
  status_402        BIGINT NOT NULL,
  status_5xx        BIGINT NOT NULL,
  rolled_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE telemetry_network_route_hourly (
  hour                TIMESTAMPTZ NOT NULL,
  route               TEXT NOT NULL,
  gateways            INTEGER NOT NULL,
  requests            BIGINT NOT NULL,
  status_402          BIGINT NOT NULL,
  status_5xx          BIGINT NOT NULL,
  latency_p99_buckets BIGINT[] NOT NULL,
  latency_p50_buckets BIGINT[] NOT NULL,
  rolled_at           TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (hour, route)
);

-- Per agent (its user id) and hour: what its SDK reported (interactions summed over vendors,
-- payment_latency_p99 weighted by attempts, the wallet's warnings and last USDC balance) and what
-- gateways reported about its key (payment.authorized, request.blocked; the key resolved through
-- the agent's linked device keys).
CREATE TABLE telemetry_agent_hourly (
  hour                     TIMESTAMPTZ NOT NULL,
  agent_id                 BIGINT NOT NULL,
  sdk_packets              INTEGER NOT NULL,
  attempts                 BIGINT NOT NULL,
  successes                BIGINT NOT NULL,
  failures                 BIGINT NOT NULL,
  spend_atomic             NUMERIC(38,0) NOT NULL,
  payment_latency_buckets  BIGINT[] NOT NULL,
  low_balance_warnings     BIGINT NOT NULL,
  usdc_balance_atomic      NUMERIC(20,0),
  gateway_authorized_count BIGINT NOT NULL,
  gateway_authorized_atomic NUMERIC(38,0) NOT NULL,
  gateway_blocked_count    BIGINT NOT NULL,
  gateway_latency_buckets  BIGINT[] NOT NULL,
  rolled_at                TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (hour, agent_id)
);

CREATE INDEX telemetry_agent_hourly_agent ON telemetry_agent_hourly (agent_id, hour);

-- How far the rollup got: hours before rolled_through were rolled at least once after they ended
-- (a run after downtime starts there, so no hour is skipped); last_run_at bounds uptime figures.
CREATE TABLE telemetry_rollup_state (
  id             SMALLINT PRIMARY KEY CHECK (id = 1),
  rolled_through TIMESTAMPTZ NOT NULL,
  last_run_at    TIMESTAMPTZ NOT NULL
);

-- One row per alert that fired: the primary key is what makes an alert fire once per entity and
-- window, however many runs or replicas evaluate it (INSERT ... ON CONFLICT DO NOTHING, and the
-- notification only when the row was inserted, in the same transaction).
CREATE TABLE telemetry_alerts (
  kind         VARCHAR(32) NOT NULL CHECK (kind IN ('insolvency_risk', 'error_rate_high')),
  -- agent:<user id> or gateway:<vendor id>:<gateway id>
  entity       TEXT NOT NULL,
  window_start TIMESTAMPTZ NOT NULL,
  user_id      BIGINT NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, entity, window_start)
);

CREATE INDEX telemetry_alerts_window ON telemetry_alerts (window_start);
