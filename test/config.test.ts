import { describe, expect, test } from "bun:test";
import { CONFIG_KEYS, ConfigError, parseConfig } from "@/config";

describe("configuration", () => {
  test("defaults give a runnable development config", () => {
    const c = parseConfig({});
    expect(c.PORT).toBe(8081);
    expect(c.DATABASE_URL).toBe("postgres://postgres@127.0.0.1:5432/machpay");
    expect(c.ENABLE_SIMULATION).toBe(false);
    expect(c.CONSOLE_ORIGINS).toEqual([]);
  });

  test("values are parsed into types", () => {
    const c = parseConfig({ PORT: "9000", ENABLE_SIMULATION: "true", CONSOLE_ORIGINS: "http://a.test, http://b.test" });
    expect(c.PORT).toBe(9000);
    expect(c.ENABLE_SIMULATION).toBe(true);
    expect(c.CONSOLE_ORIGINS).toEqual(["http://a.test", "http://b.test"]);
  });

  test("each bad variable gets one line naming it and what was expected", () => {
    let err: unknown;
    try {
      parseConfig({ PORT: "eighty", DATABASE_URL: "mysql://x", ENABLE_SIMULATION: "maybe", DB_POOL_MAX: "0" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems).toContain('PORT: expected an integer (got "eighty")');
    expect(problems.find((p) => p.startsWith("DATABASE_URL:"))).toContain("postgres://");
    expect(problems.find((p) => p.startsWith("ENABLE_SIMULATION:"))).toContain("true or false");
    expect(problems.find((p) => p.startsWith("DB_POOL_MAX:"))).toContain(">= 1");
  });

  test("the server refuses to start on bad configuration, naming the variable", async () => {
    const proc = Bun.spawn(["bun", "src/main.ts"], {
      env: { PATH: process.env.PATH ?? "", PORT: "99999" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const code = await proc.exited;
    const stderr = await new Response(proc.stderr).text();
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('config: PORT: expected an integer <= 65535 (got "99999")');
  });

  test("the README documents every variable", async () => {
    const readme = await Bun.file("README.md").text();
    for (const key of CONFIG_KEYS) expect(readme).toContain(`\`${key}\``);
  });
});
