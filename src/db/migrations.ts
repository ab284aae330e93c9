// The migrations, embedded as text so `bun build --compile` carries them inside the binary.
// test/db/migrations.test.ts fails when this list and sql/ disagree.
import m0001 from "../../sql/0001_extensions.sql" with { type: "text" };
import m0002 from "../../sql/0002_identity.sql" with { type: "text" };
import m0003 from "../../sql/0003_profiles_registry.sql" with { type: "text" };
import m0004 from "../../sql/0004_ledger.sql" with { type: "text" };
import m0005 from "../../sql/0005_auth.sql" with { type: "text" };
import m0006 from "../../sql/0006_rate_limits.sql" with { type: "text" };
import m0007 from "../../sql/0007_pairing.sql" with { type: "text" };
import m0008 from "../../sql/0008_ledger_rules.sql" with { type: "text" };
import m0009 from "../../sql/0009_chain.sql" with { type: "text" };
import m0010 from "../../sql/0010_registry.sql" with { type: "text" };
import m0011 from "../../sql/0011_realtime.sql" with { type: "text" };
import m0012 from "../../sql/0012_webhooks.sql" with { type: "text" };
import m0013 from "../../sql/0013_payment_batch.sql" with { type: "text" };
import m0014 from "../../sql/0014_payment_events.sql" with { type: "text" };
import m0015 from "../../sql/0015_ledger_accounts.sql" with { type: "text" };
import m0016 from "../../sql/0016_telemetry.sql" with { type: "text" };
import m0017 from "../../sql/0017_telemetry_rollups.sql" with { type: "text" };
import m0018 from "../../sql/0018_x402.sql" with { type: "text" };

export interface Migration {
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { name: "0001_extensions.sql", sql: m0001 },
  { name: "0002_identity.sql", sql: m0002 },
  { name: "0003_profiles_registry.sql", sql: m0003 },
  { name: "0004_ledger.sql", sql: m0004 },
  { name: "0005_auth.sql", sql: m0005 },
  { name: "0006_rate_limits.sql", sql: m0006 },
  { name: "0007_pairing.sql", sql: m0007 },
  { name: "0008_ledger_rules.sql", sql: m0008 },
  { name: "0009_chain.sql", sql: m0009 },
  { name: "0010_registry.sql", sql: m0010 },
  { name: "0011_realtime.sql", sql: m0011 },
  { name: "0012_webhooks.sql", sql: m0012 },
  { name: "0013_payment_batch.sql", sql: m0013 },
  { name: "0014_payment_events.sql", sql: m0014 },
  { name: "0015_ledger_accounts.sql", sql: m0015 },
  { name: "0016_telemetry.sql", sql: m0016 },
  { name: "0017_telemetry_rollups.sql", sql: m0017 },
  { name: "0018_x402.sql", sql: m0018 },
];
