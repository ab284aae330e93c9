import { describe, expect, test } from "bun:test";
import net from "node:net";
import { parseConfig } from "@/config";
import { createSql, splitDatabaseUrl, withDatabase } from "@/db/client";
import { chooseHost } from "@/db/hosts";
import { lagMs } from "@/db/replica";
import { formatDatabaseUrl, parseDatabaseUrl } from "@/db/url";

// DATABASE_URL host lists without a server: parsing, the libpq choice among the hosts' roles, the
// replica lag bound, and a server that takes connections and closes them (HAProxy with no primary).
// The same on real servers, failing over: failover.test.ts.

const LIST = "postgres://app:p%40ss@10.0.0.1:5432,10.0.0.2:6432/machpay?target_session_attrs=read-write&sslmode=require";

describe("host lists in DATABASE_URL", () => {
  test("are parsed and written back whole, every host and parameter kept", () => {
    const u = parseDatabaseUrl(LIST);
    expect(u.hosts).toEqual([
      { host: "10.0.0.1", port: 5432 },
      { host: "10.0.0.2", port: 6432 },
    ]);
    expect(u.database).toBe("machpay");
    expect(u.params.get("target_session_attrs")).toBe("read-write");
    expect(formatDatabaseUrl(u)).toBe(LIST);
    expect(parseDatabaseUrl("postgresql://[::1]:5433/db").hosts).toEqual([{ host: "::1", port: 5433 }]);
    expect(parseDatabaseUrl("postgres://localhost/db").hosts).toEqual([{ host: "localhost", port: 5432 }]);
  });

  test("the maintenance database and another database keep the host list", () => {
    expect(splitDatabaseUrl(LIST)).toEqual({ database: "machpay", adminUrl: LIST.replace("/machpay?", "/postgres?") });
    expect(withDatabase(LIST, "other")).toBe(LIST.replace("/machpay?", "/other?"));
  });

  test("configuration accepts them and names what is wrong", () => {
    expect(parseConfig({ DATABASE_URL: LIST, DATABASE_READ_URL: "postgres://app@10.0.0.2:5432/machpay" }).DATABASE_URL).toBe(LIST);
    expect(() => parseConfig({ DATABASE_URL: "postgres://a@h1:5432,/db" })).toThrow("host[:port][,host[:port]...]");
    expect(() => parseConfig({ DATABASE_URL: "postgres://a@h1,h2/db?target_session_attrs=master" })).toThrow("target_session_attrs");
  });
});

describe("which server a connection goes to", () => {
  const primary = { recovery: false, readOnly: false };
  const standby = { recovery: true, readOnly: false };
  const readOnlyPrimary = { recovery: false, readOnly: true };

  test("read-write skips a hot standby (postgres.js 3.4.9 takes it) and a read-only primary", () => {
    expect(chooseHost("read-write", [standby, primary])).toBe(1);
    expect(chooseHost("read-write", [readOnlyPrimary, standby])).toBeUndefined();
    expect(chooseHost("primary", [standby, readOnlyPrimary])).toBe(1);
  });

  test("unreachable hosts are skipped; none qualifying means none", () => {
    expect(chooseHost("read-write", [undefined, primary])).toBe(1);
    expect(chooseHost("read-write", [undefined, standby])).toBeUndefined();
    expect(chooseHost("any", [undefined, standby])).toBe(1);
  });

  test("standby, read-only and prefer-standby", () => {
    expect(chooseHost("standby", [primary, standby])).toBe(1);
    expect(chooseHost("read-only", [primary, readOnlyPrimary])).toBe(1);
    expect(chooseHost("prefer-standby", [primary, standby])).toBe(1);
    expect(chooseHost("prefer-standby", [primary, undefined])).toBe(0);
  });
});

describe("a server that accepts connections and closes them", () => {
  test("fails the query at once, with one connection, for one host or a list", async () => {
    let accepted = 0;
    const server = net.createServer((c) => {
      accepted++;
      c.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const one = createSql(`postgres://postgres@127.0.0.1:${port}/machpay`, { max: 2, connectTimeoutSeconds: 2 });
      const started = performance.now();
      const err = await one`SELECT 1`.then(
        () => undefined,
        (e: { code?: string }) => e,
      );
      expect(err?.code).toBe("ECONNRESET");
      expect(performance.now() - started).toBeLessThan(1000);
      expect(accepted).toBe(1);
      await one.end({ timeout: 1 });

      // A list: the probes find no server to use, and the query fails after its connect timeout.
      accepted = 0;
      const list = createSql(`postgres://postgres@127.0.0.1:${port},127.0.0.1:${port}/machpay?target_session_attrs=read-write`, { max: 2, connectTimeoutSeconds: 1 });
      const err2 = await list`SELECT 1`.then(
        () => undefined,
        (e: { code?: string }) => e,
      );
      expect(err2?.code).toBe("CONNECT_TIMEOUT");
      // One probe per host per round (200 ms apart), not a connection storm.
      expect(accepted).toBeLessThan(30);
      await list.end({ timeout: 1 });
    } finally {
      server.close();
    }
  });
});

describe("the replica lag bound", () => {
  const samples = [
    { at: 1000, lsn: 100n },
    { at: 2000, lsn: 200n },
    { at: 3000, lsn: 300n },
  ];
  test("is 0 when the replica has replayed all the primary has", () => {
    expect(lagMs(samples, { at: 4000, lsn: 300n }, 300n)).toBe(0);
  });
  test("is the age of the newest primary position the replica has replayed past", () => {
    expect(lagMs(samples, { at: 4000, lsn: 400n }, 250n)).toBe(2000);
    expect(lagMs(samples, { at: 4000, lsn: 400n }, 300n)).toBe(1000);
  });
  test("behind every sample: older than the oldest", () => {
    expect(lagMs(samples, { at: 4000, lsn: 400n }, 50n)).toBeGreaterThan(3000);
  });
});
