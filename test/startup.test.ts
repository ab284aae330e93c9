import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "./support/db";

// Starting as a user would: a taken port or a bad setting is one line naming the cause and the
// variable to change, the exit status is 1, and nothing is left running. The local chain started
// alone is tested in its package (packages/localnet/test/main.test.ts).

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

/** A port something else listens on, as an earlier server or chain left running would. */
function holdPort() {
  return Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("taken") });
}

/** A port nothing listens on now. */
function freePort(): number {
  const probe = holdPort();
  const port = probe.port!;
  probe.stop(true);
  return port;
}

async function run(cmd: string[], env: Record<string, string>) {
  const proc = Bun.spawn(cmd, {
    // Only what a user's shell would have; NODE_ENV=test keeps development secrets out of .data/.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "test", DATABASE_URL: db.url, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code, stdout, stderr };
}

async function answers(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

describe("a taken port", () => {
  test("the server says which port and which variable, and exits 1", async () => {
    const taken = holdPort();
    try {
      const { code, stderr } = await run(["bun", "src/main.ts"], { PORT: String(taken.port), HOST: "127.0.0.1", ENABLE_WORKERS: "false" });
      expect({ code, stderr: stderr.trim() }).toEqual({ code: 1, stderr: `server: port ${taken.port} is in use; set PORT to another port` });
    } finally {
      taken.stop(true);
    }
  });

  test("npm run dev with the API's port taken: the server's line, and the local chain stopped", async () => {
    const taken = holdPort();
    const chainPort = freePort();
    try {
      const { code, stderr } = await run(["bash", "scripts/run", "dev"], { PORT: String(taken.port), LOCALNET_PORT: String(chainPort) });
      expect(code).toBe(1);
      expect(stderr).toContain(`server: port ${taken.port} is in use; set PORT to another port\n`);
      expect(stderr).not.toContain("    at ");
      expect(await answers(chainPort)).toBe(false);
    } finally {
      taken.stop(true);
    }
  }, 30_000);

  test("npm run dev with the chain's port taken: the chain's line alone, and no server", async () => {
    const taken = holdPort();
    const apiPort = freePort();
    try {
      const { code, stdout, stderr } = await run(["bash", "scripts/run", "dev"], { PORT: String(apiPort), LOCALNET_PORT: String(taken.port) });
      expect({ code, stderr: stderr.trim() }).toEqual({ code: 1, stderr: `localnet: port ${taken.port} is in use; set LOCALNET_PORT to another port` });
      expect(stdout).not.toContain("listening");
      expect(await answers(apiPort)).toBe(false);
    } finally {
      taken.stop(true);
    }
  }, 30_000);
});

test("npm run dev with a bad setting says only that, before any other step", async () => {
  const { code, stdout, stderr } = await run(["bash", "scripts/run", "dev"], { PORT: "abc" });
  expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: "", stderr: 'config: PORT: expected an integer (got "abc")\n' });
}, 30_000);
