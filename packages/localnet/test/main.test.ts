import { expect, test } from "bun:test";
import { join } from "node:path";

// The command line as scripts/run starts it: one JSON line saying where the chain is and what it
// set up, a clean exit on SIGTERM, and a start that cannot listen is one line naming the variable.

const MAIN = join(import.meta.dir, "../src/main.ts");

function spawnMain(env: Record<string, string>) {
  // Only what a user's shell would have, so no setting leaks in from the test run.
  return Bun.spawn(["bun", MAIN], { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env }, stdout: "pipe", stderr: "pipe" });
}

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    if (text.includes("\n")) break;
  }
  return text.split("\n")[0]!;
}

test("prints the chain's settings as one JSON line, serves them, and exits 0 on SIGTERM", async () => {
  const proc = spawnMain({ LOCALNET_PORT: "0" });
  try {
    const info = JSON.parse(await firstLine(proc.stdout));
    expect(Object.keys(info).sort()).toEqual([
      "decimals", "genesisHash", "hotWallet", "hotWalletSecretKeyLocalOnly", "hotWalletTokenAccount", "mint", "mintAuthority", "url", "vaultOwner", "vaultTokenAccount", "warning",
    ]);
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect({ mint: info.mint, decimals: info.decimals }).toEqual({ mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", decimals: 6 });
    expect(info.hotWalletSecretKeyLocalOnly).toHaveLength(64);
    const res = await fetch(info.url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getTokenAccountBalance", params: [info.hotWalletTokenAccount] }) });
    expect(((await res.json()) as any).result.value.amount).toBe("1000000000000");
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  } finally {
    proc.kill("SIGKILL");
  }
});

test("a taken port: which port and which variable, and exit 1", async () => {
  const taken = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("taken") });
  try {
    const proc = spawnMain({ LOCALNET_PORT: String(taken.port) });
    const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    expect({ code, stderr: stderr.trim() }).toEqual({ code: 1, stderr: `localnet: port ${taken.port} is in use; set LOCALNET_PORT to another port` });
  } finally {
    taken.stop(true);
  }
});

test("LOCALNET_GENESIS_HASH=devnet: getGenesisHash answers devnet's, so devnet's CAIP-2 id names this chain", async () => {
  const proc = spawnMain({ LOCALNET_PORT: "0", LOCALNET_GENESIS_HASH: "devnet" });
  try {
    const info = JSON.parse(await firstLine(proc.stdout));
    expect(info.genesisHash).toBe("EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG");
    const res = await fetch(info.url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getGenesisHash" }) });
    expect(((await res.json()) as any).result).toBe(info.genesisHash);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  } finally {
    proc.kill("SIGKILL");
  }
});

test("LOCALNET_GENESIS_HASH never makes the local chain look like mainnet", async () => {
  const proc = spawnMain({ LOCALNET_PORT: "0", LOCALNET_GENESIS_HASH: "mainnet-beta" });
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  expect({ code, stderr }).toEqual({ code: 1, stderr: "localnet: LOCALNET_GENESIS_HASH: the local chain never presents itself as mainnet\n" });
});

test("a bad setting is one line naming it", async () => {
  const proc = spawnMain({ LOCALNET_PORT: "abc" });
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  expect({ code, stderr }).toEqual({ code: 1, stderr: "localnet: LOCALNET_PORT must be a non-negative integer, got abc\n" });
});
