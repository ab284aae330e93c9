-- Fixed-window request counters shared by every instance (contract.md "Conventions": 429 with
-- Retry-After and X-RateLimit-*). UNLOGGED: counters are worth losing on a crash, not a WAL write.
CREATE UNLOGGED TABLE rate_limit_counters (
  bucket       VARCHAR(40) NOT NULL,
  key          VARCHAR(300) NOT NULL,
  window_start TIMESTAMPTZ NOT NULL,
  count        INT NOT NULL CHECK (count > 0),
  PRIMARY KEY (bucket, key, window_start)
);

CREATE INDEX rate_limit_counters_window ON rate_limit_counters (window_start);
