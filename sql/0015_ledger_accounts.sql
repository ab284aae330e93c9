-- Ledger accounts (issue 13: one owner per table). Money and the ledger's per-agent settings leave
-- the identity tables, which the auth and profiles modules write, for two tables only the ledger
-- writes: the audit's invariant ("the ledger is the only writer of money") becomes a property of
-- the schema instead of a convention across three modules.
-- Deviation: lld-backend.md §4.1 credits deposits to users.balance and §4.4 debits
-- profiles.unsettled_balance; here both live in agent_accounts / vendor_accounts. §4.4's
-- suspension stays on users.status (identity standing, shown with the user), which only the auth
-- module writes: the ledger suspends through auth's suspendUser, holding the agent's account lock.

-- The copy below must see the final values and nobody may write them before the columns go: an
-- instance still running the previous build would otherwise move money into a column this
-- transaction then drops. Taken first, in the order every writer locks them (users, then profiles).
LOCK TABLE users, profiles IN ACCESS EXCLUSIVE MODE;

-- A payer's money and settings. Every agent has one from the moment its profile exists (the trigger
-- below); any other user gets one on its first deposit (an upsert). No row reads as zero balances.
CREATE TABLE agent_accounts (
  user_id                      BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  -- Spendable, in atomic units of the configured mint (was users.balance_atomic).
  balance_atomic               NUMERIC(20,0) NOT NULL DEFAULT 0 CHECK (balance_atomic >= 0),
  -- Staked as a bond (lld-backend.md §7.3; was users.bonded_atomic).
  bonded_atomic                NUMERIC(20,0) NOT NULL DEFAULT 0 CHECK (bonded_atomic >= 0),
  -- 'ledger': payments debit balance_atomic (custodial). 'onchain': signed intents credit vendors
  -- optimistically and are settled by recon, secured by the bond (was profiles.settlement_mode).
  settlement_mode              VARCHAR(10) NOT NULL DEFAULT 'ledger' CHECK (settlement_mode IN ('ledger', 'onchain')),
  low_balance_threshold_atomic NUMERIC(20,0) NOT NULL DEFAULT 5000000 CHECK (low_balance_threshold_atomic >= 0),
  -- The last change outside payment batches (deposits, bond moves, settings); payments are dated by
  -- their transactions rows, and a batch writes no more bytes than its debit.
  updated_at                   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A payee's money. Exists exactly for vendor profiles (the trigger below), so a payment batch's
-- vendor credit is an UPDATE that raises when it reaches fewer rows than it names.
CREATE TABLE vendor_accounts (
  user_id                  BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  -- Earned, not yet paid out (was profiles.unsettled_balance_atomic).
  unsettled_balance_atomic NUMERIC(20,0) NOT NULL DEFAULT 0 CHECK (unsettled_balance_atomic >= 0),
  -- Owed after a settlement failure reversed more than the unsettled balance held; later earnings
  -- pay it down first (was profiles.debt_atomic).
  debt_atomic              NUMERIC(20,0) NOT NULL DEFAULT 0 CHECK (debt_atomic >= 0),
  -- As agent_accounts.updated_at: payouts and reversals, not each batch's credit.
  updated_at               TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO agent_accounts (user_id, balance_atomic, bonded_atomic, settlement_mode, low_balance_threshold_atomic)
SELECT u.id, u.balance_atomic, u.bonded_atomic, COALESCE(p.settlement_mode, 'ledger'), COALESCE(p.low_balance_threshold_atomic, 5000000)
FROM users u
LEFT JOIN profiles p ON p.user_id = u.id AND p.type = 'agent'
WHERE u.balance_atomic > 0 OR u.bonded_atomic > 0 OR p.user_id IS NOT NULL;

INSERT INTO vendor_accounts (user_id, unsettled_balance_atomic, debt_atomic)
SELECT user_id, unsettled_balance_atomic, debt_atomic FROM profiles WHERE type = 'vendor';

-- Not one atomic unit may stay behind in a column about to be dropped (an agent profile holding
-- vendor money, say): the migration fails instead, and nothing of it is applied.
DO $$
BEGIN
  IF (SELECT COALESCE(sum(balance_atomic), 0) FROM users) <> (SELECT COALESCE(sum(balance_atomic), 0) FROM agent_accounts)
     OR (SELECT COALESCE(sum(bonded_atomic), 0) FROM users) <> (SELECT COALESCE(sum(bonded_atomic), 0) FROM agent_accounts)
     OR (SELECT COALESCE(sum(unsettled_balance_atomic), 0) FROM profiles) <> (SELECT COALESCE(sum(unsettled_balance_atomic), 0) FROM vendor_accounts)
     OR (SELECT COALESCE(sum(debt_atomic), 0) FROM profiles) <> (SELECT COALESCE(sum(debt_atomic), 0) FROM vendor_accounts)
  THEN
    RAISE EXCEPTION 'ledger accounts: the copied balances do not add up to the columns they replace';
  END IF;
END $$;

-- Their CHECK constraints go with them; no index, view, function or trigger reads them.
ALTER TABLE users DROP COLUMN balance_atomic, DROP COLUMN bonded_atomic;
ALTER TABLE profiles
  DROP COLUMN unsettled_balance_atomic,
  DROP COLUMN debt_atomic,
  DROP COLUMN settlement_mode,
  DROP COLUMN low_balance_threshold_atomic;

-- The ledger opens a profile's account in the profile's own transaction: the database guarantees
-- that every vendor can be credited and every agent has the row its payments lock. An agent that
-- deposited before it had a profile keeps the account it has. A profile never changes type.
CREATE FUNCTION ledger_open_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.type = 'agent' THEN
    INSERT INTO agent_accounts (user_id) VALUES (NEW.user_id) ON CONFLICT (user_id) DO NOTHING;
  ELSE
    INSERT INTO vendor_accounts (user_id) VALUES (NEW.user_id) ON CONFLICT (user_id) DO NOTHING;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER profiles_ledger_account AFTER INSERT ON profiles
  FOR EACH ROW EXECUTE FUNCTION ledger_open_account();
