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

  test("PUBLIC_URL, SIWS_DOMAIN and CONSOLE_URL follow PORT unless given", () => {
    const byDefault = parseConfig({});
    expect([byDefault.PUBLIC_URL, byDefault.SIWS_DOMAIN, byDefault.CONSOLE_URL]).toEqual([
      "http://localhost:8081",
      "localhost:8081",
      "http://localhost:8081/console",
    ]);
    const moved = parseConfig({ PORT: "8090" });
    expect([moved.PUBLIC_URL, moved.SIWS_DOMAIN, moved.CONSOLE_URL]).toEqual([
      "http://localhost:8090",
      "localhost:8090",
      "http://localhost:8090/console",
    ]);
    // Behind a proxy: the public URL decides, and a default port is not part of the domain.
    const proxied = parseConfig({ PORT: "8090", PUBLIC_URL: "https://api.machpay.example/" });
    expect([proxied.SIWS_DOMAIN, proxied.CONSOLE_URL]).toEqual(["api.machpay.example", "https://api.machpay.example/console"]);
    expect(parseConfig({ PUBLIC_URL: "http://10.0.0.5:9000" }).SIWS_DOMAIN).toBe("10.0.0.5:9000");
    const explicit = parseConfig({ PORT: "8090", SIWS_DOMAIN: "machpay.example", CONSOLE_URL: "https://console.machpay.example" });
    expect([explicit.PUBLIC_URL, explicit.SIWS_DOMAIN, explicit.CONSOLE_URL]).toEqual([
      "http://localhost:8090",
      "machpay.example",
      "https://console.machpay.example",
    ]);
  });

  test("SOLANA_CLUSTER follows SOLANA_RPC's host unless given", () => {
    const cluster = (env: Record<string, string>) => parseConfig(env).SOLANA_CLUSTER;
    expect(cluster({})).toBe("mainnet");
    expect(cluster({ SOLANA_RPC: "http://127.0.0.1:8899" })).toBe("localnet");
    expect(cluster({ SOLANA_RPC: "http://localhost:8899" })).toBe("localnet");
    expect(cluster({ SOLANA_RPC: "http://[::1]:8899" })).toBe("localnet");
    expect(cluster({ SOLANA_RPC: "https://api.devnet.solana.com" })).toBe("devnet");
    expect(cluster({ SOLANA_RPC: "https://devnet.helius-rpc.com/?api-key=x" })).toBe("devnet");
    expect(cluster({ SOLANA_RPC: "https://api.testnet.solana.com" })).toBe("testnet");
    expect(cluster({ SOLANA_RPC: "https://api.mainnet-beta.solana.com" })).toBe("mainnet");
    expect(cluster({ SOLANA_RPC: "https://rpc.example.com", SOLANA_CLUSTER: "devnet" })).toBe("devnet");
    expect(() => parseConfig({ SOLANA_CLUSTER: "mainnet-beta" })).toThrow(ConfigError);
  });

  test("JWT_AUDIENCE defaults to machpay-api", () => {
    expect(parseConfig({}).JWT_AUDIENCE).toBe("machpay-api");
    expect(parseConfig({ JWT_AUDIENCE: "gw" }).JWT_AUDIENCE).toBe("gw");
  });

  test("the README documents every variable", async () => {
    const readme = await Bun.file("README.md").text();
    for (const key of CONFIG_KEYS) expect(readme).toContain(`\`${key}\``);
  });
});
