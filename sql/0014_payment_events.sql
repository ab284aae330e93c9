-- Payment events as durable as the payments (issue 13). Until now a batch's events (ticker,
-- payment.sent, payment.received, balance.low) were published from memory after COMMIT: a crash
-- in between lost them. Now each batch writes one row here in its own transaction, so a row exists
-- exactly when its payments do; a relay claims rows (DELETE ... SKIP LOCKED), publishes their
-- events and commits. A crash before that commit leaves the row for the next relay: delivered at
-- least once; subscribers drop a duplicate by its transaction id (every payment event names one).
--
-- One row per batch, not per event: the events are rebuilt from the transactions rows, so a row
-- holds only what those rows do not: each payment's balance after it, and which payments took the
-- agent below its low-balance threshold. A few bytes per payment of write-ahead log, one insert per
-- batch (a row per event would have written the transactions a second time).
CREATE TABLE payment_event_batches (
  id              BIGSERIAL PRIMARY KEY,
  -- The batch's paid transactions, in order.
  transaction_ids VARCHAR(64)[] NOT NULL,
  -- Per transaction, the paying agent's balances after it: [available, bonded, pending] atomic units.
  balances        JSONB NOT NULL,
  -- The transactions after which the agent's available balance fell below its threshold.
  low_balance     VARCHAR(64)[] NOT NULL DEFAULT '{}',
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK (cardinality(transaction_ids) > 0)
);
