-- Lets one SQL statement refuse to go on: a data-modifying statement that finds a rule broken
-- (a payment batch whose vendor credit reached fewer rows than it names) raises, so the whole
-- transaction rolls back even when its COMMIT was already sent behind it (pipelined).
CREATE FUNCTION machpay_raise(code TEXT, message TEXT) RETURNS INT LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
END $$;

-- Every payment batch adds to its agents' agent_daily_spend rows. An index holding spent_atomic
-- (0011's, for an index-only leaderboard) turned each of those updates into new index entries (no
-- HOT update), and every batch's read of today's spend into a scan of thousands of dead ones
-- (measured: a fifth of PostgreSQL's time under load). The leaderboard reads the few rows of its
-- days from the heap instead.
DROP INDEX agent_daily_spend_day;
CREATE INDEX agent_daily_spend_day ON agent_daily_spend (day) INCLUDE (user_id);

-- Payment batches now credit their vendors last, just before COMMIT, so that two batches in flight
-- overlap everything but that update. The rollup must then not lock vendor rows of its own:
-- network_participants is upserted only for participants not seen in the last 5 minutes (an
-- ON CONFLICT DO UPDATE locks the row even when its WHERE then skips it). Otherwise as in 0011.
CREATE OR REPLACE FUNCTION network_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
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
  SELECT a.role, a.user_id, a.at FROM (
    SELECT role, user_id, max(at) AS at FROM (
      SELECT 'a' AS role, from_agent_id AS user_id, created_at AS at FROM new_rows WHERE status = 'confirmed'
      UNION ALL
      SELECT 'v', to_vendor_id, created_at FROM new_rows WHERE status = 'confirmed'
    ) AS active
    GROUP BY role, user_id
  ) AS a
  WHERE NOT EXISTS (
    SELECT 1 FROM network_participants q
    WHERE q.role = a.role AND q.user_id = a.user_id AND q.last_active_at >= a.at - interval '5 minutes'
  )
  ORDER BY a.role, a.user_id
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
