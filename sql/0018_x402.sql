-- x402 (issue 16): MachPay as an x402 v2 facilitator. Two kinds of payment reach the ledger's
-- transactions table from it, so that they show where every payment shows (vendor stats, ticker,
-- dashboards, the users' SSE topics):
--   'x402'       batch-settlement: a signed MachPay intent committed by the payment engine, exactly
--                as a gateway payment (the agent debited, the vendor credited; the audit sees it).
--   'x402_exact' exact on Solana: an SPL transfer from the payer's wallet straight to the vendor's,
--                co-signed by the hot wallet as fee payer. It is recorded as settled on chain and
--                moves no ledger balance: no agent account pays (the payer is a wallet, not
--                necessarily anyone's on MachPay), no vendor account is credited, no fee is taken,
--                so the audit's identity is untouched (it reports these apart).
-- Deviation from lld-backend.md §3.4: from_agent_id becomes nullable, for 'x402_exact' rows only.

ALTER TABLE transactions DROP CONSTRAINT transactions_source_check;
ALTER TABLE transactions ADD CONSTRAINT transactions_source_check
  CHECK (source IN ('api', 'gateway', 'simulation', 'x402', 'x402_exact'));

ALTER TABLE transactions ALTER COLUMN from_agent_id DROP NOT NULL;
ALTER TABLE transactions
  -- The paying wallet of an on-chain payment (the token transfer's authority).
  ADD COLUMN payer_address VARCHAR(44),
  -- Its Solana transaction signature: an on-chain payment is recorded once.
  ADD COLUMN tx_signature VARCHAR(88) UNIQUE;

-- An on-chain row is exactly one with a signature, and it touches no ledger account: no agent, no
-- fee, settled when recorded. Every other row has its paying agent.
ALTER TABLE transactions ADD CONSTRAINT transactions_onchain_shape CHECK (
  CASE WHEN source = 'x402_exact'
       THEN tx_signature IS NOT NULL AND payer_address IS NOT NULL AND from_agent_id IS NULL AND fee_atomic = 0 AND settled_at IS NOT NULL
       ELSE tx_signature IS NULL AND payer_address IS NULL AND from_agent_id IS NOT NULL
  END
);

-- exact's duplicate-settlement guard (scheme_exact_svm.md "Duplicate Settlement Mitigation"),
-- shared by every instance and surviving restarts, where the library's is one process's memory:
-- a transaction's message (what the payer signed) is claimed before it is co-signed and sent, so
-- the same payment header settled twice, concurrently or later, is sent once. A claim is removed
-- when its settlement failed for good (nothing landed), and kept, with the signature, otherwise.
CREATE TABLE x402_exact_settlements (
  -- sha256 hex of the transaction's message bytes.
  message_hash CHAR(64) PRIMARY KEY,
  vendor_id    BIGINT NOT NULL REFERENCES users(id),
  network      VARCHAR(64) NOT NULL,
  status       VARCHAR(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'settled')),
  tx_signature VARCHAR(88),
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK (status = 'pending' OR tx_signature IS NOT NULL)
);

-- The rollups count every confirmed payment's volume; only rows with a paying agent make it an
-- active participant (an on-chain payer is a wallet, not a MachPay user). As 0013 otherwise.
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
      SELECT 'a' AS role, from_agent_id AS user_id, created_at AS at FROM new_rows WHERE status = 'confirmed' AND from_agent_id IS NOT NULL
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
