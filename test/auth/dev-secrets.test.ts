import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTokenService, generateSigningJwk, withDevSecrets } from "@/auth";
import { parseConfig } from "@/config";
import { systemClock } from "@/core/clock";
import { createLogger } from "@/core/logger";

// Development secrets kept in a file: created once (0600), reused across restarts and by the
// simulator, announced by path and never by value.

const dir = mkdtempSync(join(tmpdir(), "machpay-dev-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const freshFile = () => join(dir, `run-${++files}`, ".data", "dev-secrets.json");

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger("debug", {}, (line) => lines.push(line)) };
}

const development = parseConfig({ NODE_ENV: "development" });

describe("development secrets", () => {
  test("are created once with mode 0600, reused on the next start, and only their path is logged", async () => {
    const file = freshFile();
    const first = capture();
    const a = await withDevSecrets(development, first.logger, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(a.JWT_PRIVATE_KEY).toBeString();
    expect(a.API_KEY_PEPPER!.length).toBeGreaterThanOrEqual(32);

    const second = capture();
    const b = await withDevSecrets(development, second.logger, file);
    expect(b.JWT_PRIVATE_KEY).toBe(a.JWT_PRIVATE_KEY);
    expect(b.API_KEY_PEPPER).toBe(a.API_KEY_PEPPER);

    for (const { lines } of [first, second]) {
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!).file).toBe(file);
      const jwk = JSON.parse(a.JWT_PRIVATE_KEY!);
      expect(lines[0]).not.toContain(jwk.d);
      expect(lines[0]).not.toContain(a.API_KEY_PEPPER!);
    }
  });

  test("a token signed before a restart verifies after it", async () => {
    const file = freshFile();
    const { logger } = capture();
    const before = await createTokenService(await withDevSecrets(development, logger, file), systemClock, logger);
    const { token } = await before.sign({ sub: "7", userID: "7", role: "observer" });
    const after = await createTokenService(await withDevSecrets(development, logger, file), systemClock, logger);
    expect((await after.verify(token))?.sub).toBe("7");
  });

  test("a server and a simulator starting together end up with the same secrets", async () => {
    const file = freshFile();
    const { logger } = capture();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => withDevSecrets(development, logger, file)));
    expect(new Set([a!.JWT_PRIVATE_KEY, b!.JWT_PRIVATE_KEY, c!.JWT_PRIVATE_KEY]).size).toBe(1);
    expect(new Set([a!.API_KEY_PEPPER, b!.API_KEY_PEPPER, c!.API_KEY_PEPPER]).size).toBe(1);
  });

  test("values given in the environment win; with both given, no file is made", async () => {
    const pepper = "p".repeat(40);
    const file = freshFile();
    const { logger, lines } = capture();
    const both = parseConfig({ NODE_ENV: "development", API_KEY_PEPPER: pepper, JWT_PRIVATE_KEY: JSON.stringify(await generateSigningJwk()) });
    expect(await withDevSecrets(both, logger, file)).toBe(both);
    expect(existsSync(file)).toBe(false);
    expect(lines).toHaveLength(0);

    const onlyPepper = await withDevSecrets(parseConfig({ NODE_ENV: "development", API_KEY_PEPPER: pepper }), logger, file);
    expect(onlyPepper.API_KEY_PEPPER).toBe(pepper);
    expect(onlyPepper.JWT_PRIVATE_KEY).toBeString();
    expect(JSON.parse(lines[0]!).msg).toStartWith("JWT_PRIVATE_KEY unset");
  });

  test("tests and production never touch the file", async () => {
    const file = freshFile();
    const { logger, lines } = capture();
    const testConfig = parseConfig({ NODE_ENV: "test" });
    expect(await withDevSecrets(testConfig, logger, file)).toBe(testConfig);
    expect(existsSync(file)).toBe(false);
    expect(lines).toHaveLength(0);
  });

  test("a file readable by others is made owner-only; a corrupt one stops the start with a clear message", async () => {
    const file = freshFile();
    const { logger } = capture();
    await withDevSecrets(development, logger, file);
    chmodSync(file, 0o644);
    await withDevSecrets(development, logger, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    writeFileSync(file, "{not json");
    await expect(withDevSecrets(development, logger, file)).rejects.toThrow("delete it to have new ones generated");
    expect(readFileSync(file, "utf8")).toBe("{not json");
  });
});
