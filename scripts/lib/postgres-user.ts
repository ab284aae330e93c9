// Running PostgreSQL's own processes from scripts started as root: initdb, postgres and Patroni
// refuse root, so they run as the `postgres` OS user (Debian's postgresql-common creates it)
// through setpriv, which execs in place: the pid we hold is the program's, so a kill -9 of it
// reaches it (runuser would stay in between as the parent). Used by the private clusters of the
// tests and fault runs (private-postgres.ts) and by `bun run cluster` (cluster/local.ts).
import { readFileSync } from "node:fs";

export const isRoot = () => process.getuid?.() === 0;

/** The postgres OS user's ids, for chown of the directories it must own. */
export function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("the postgres OS user is missing (it comes with postgresql-common: bash scripts/setup); PostgreSQL refuses to run as root");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** The command line, run as postgres when we are root. */
export const asPostgres = (argv: string[]) => (isRoot() ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", ...argv] : argv);

/** Whether nothing listens on 127.0.0.1:port (a listen that succeeds, then closed). */
export function portFree(port: number): boolean {
  try {
    Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } }).stop(true);
    return true;
  } catch {
    return false;
  }
}
