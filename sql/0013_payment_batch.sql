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
