import { createKeyPairSignerFromBytes } from "@solana/kit";
import type { ChainDeps } from "./deps";
import { indexVaultOnce } from "./indexer";
import { settleOnce } from "./settlement-worker";
import { chainSettings } from "./settings";

/** A loop that never overlaps itself and logs (never throws) a failed pass. */
function every(ms: number, run: () => Promise<unknown>, onError: (err: unknown) => void): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = run()
      .catch(onError)
      .finally(() => (running = undefined));
  }, ms);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

/** The vault indexer and, when a hot wallet is configured, the settlement worker. */
export function startChainWorkers(deps: ChainDeps): () => Promise<void> {
  const settings = chainSettings(deps.config);
  const chain = deps.chain;
  if (!settings || !chain) return async () => {};
  const log = deps.logger.child({ worker: "chain" });
  const base = { sql: deps.sql, actor: { kind: "system" as const, job: "chain" }, clock: deps.clock, log };
  const stops = [
    every(deps.config.INDEXER_INTERVAL_MS, () => indexVaultOnce({ ...base, chain, settings }), (err) => log.warn("vault indexer pass failed", { err })),
  ];
  const secret = deps.config.HOT_WALLET_SECRET_KEY;
  if (secret) {
    const hot = createKeyPairSignerFromBytes(new Uint8Array(JSON.parse(secret) as number[]));
    stops.push(
      every(
        deps.config.SETTLEMENT_INTERVAL_MS,
        async () => settleOnce({ ...base, chain, hot: await hot, mint: settings.mint, decimals: deps.config.USDC_DECIMALS }, { batch: 20 }),
        (err) => log.warn("settlement pass failed", { err }),
      ),
    );
  }
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
