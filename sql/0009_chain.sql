-- Chain bookkeeping (lld-backend.md §4.1, §4.2; contract.md "Chain").

-- Where a follower of an address stopped (the vault indexer's checkpoint): restart-safe because
-- credits are unique per signature, so re-reading past the checkpoint never credits twice.
CREATE TABLE chain_checkpoints (
  name       VARCHAR(64) PRIMARY KEY,
  signature  VARCHAR(88) NOT NULL,
  slot       BIGINT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A payout's transaction signature is recorded BEFORE it is sent, with the block height after
-- which its blockhash expires: a worker restarting after a crash asks the chain about that
-- signature instead of paying again, and may resend only once the blockhash has expired unseen.
ALTER TABLE payouts ADD COLUMN last_valid_block_height BIGINT;
CREATE INDEX payouts_processing ON payouts (updated_at) WHERE status = 'PROCESSING';
