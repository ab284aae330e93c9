import type { AccessRule } from "@/http/guards";
import type { FuzzApp } from "../fuzz/harness";
import type { Operation } from "../fuzz/spec";
import type { SecurityCast } from "./cast";
import { controls, refusalCases } from "./cases";
import { ownedResource } from "./resources";
import { send, type Reply } from "./send";
import { changedTables, readState } from "./state";
import { suspendedCases } from "./suspension";

// Sends everything the suite asks of one operation and keeps the answers for its tests: the
// refusals all at once (they must change nothing, so they cannot disturb each other), then the
// suspended account's requests one by one (each toggles a user's status), then the positive
// controls, which may change things and so come last.

export interface SuspendedRun {
  reply: Reply;
  changed: string[];
}

export interface OperationRun {
  refusals: Map<string, Reply>;
  /** Tables the refusals changed: must be none. */
  changed: string[];
  /** For an owned resource: whether its owner still finds it after the attacks. */
  ownerStillThere?: boolean;
  suspended: Map<string, SuspendedRun>;
  controls: Map<string, Reply>;
}

async function withSuspended<T>(app: FuzzApp, ids: bigint[], fn: () => Promise<T>): Promise<T> {
  await app.t.sql`UPDATE users SET status = 'SUSPENDED' WHERE id = ANY(${app.t.sql.array(ids.map(String))}::bigint[])`;
  try {
    return await fn();
  } finally {
    await app.t.sql`UPDATE users SET status = 'ACTIVE' WHERE id = ANY(${app.t.sql.array(ids.map(String))}::bigint[])`;
  }
}

export async function runOperation(app: FuzzApp, cast: SecurityCast, op: Operation, rule: AccessRule): Promise<OperationRun> {
  const before = await readState(app.t.sql);
  const cases = refusalCases(op, rule);
  const replies = await Promise.all(cases.map((c) => send(app, op, c.caller(cast), c.pathParams?.(cast))));
  const changed = changedTables(before, await readState(app.t.sql));
  const owned = ownedResource(op);
  const ownerStillThere = owned ? await owned.stillThere(app.t.url, cast) : undefined;

  const suspended = new Map<string, SuspendedRun>();
  for (const s of suspendedCases(op, rule)) {
    const run = await withSuspended(app, s.suspend(cast), async () => {
      const start = await readState(app.t.sql);
      const reply = await send(app, op, s.caller(cast));
      return { reply, changed: changedTables(start, await readState(app.t.sql)) };
    });
    suspended.set(s.name, run);
  }

  const controlReplies = new Map<string, Reply>();
  for (const control of controls(op, rule)) controlReplies.set(control.name, await send(app, op, await control.caller(cast)));

  return {
    refusals: new Map(cases.map((c, i) => [c.name, replies[i]!])),
    changed,
    ...(ownerStillThere === undefined ? {} : { ownerStillThere }),
    suspended,
    controls: controlReplies,
  };
}
