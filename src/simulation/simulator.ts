import type { Ctx } from "@/db/context";
import type { Ingest } from "@/telemetry";
import { creditDeposit, getAgentBalance, payFromApi, type PaymentEngine } from "@/ledger";
import type { RegistryDeps } from "@/registry";
import type { Broker } from "@/realtime";
import { userTopic } from "@/realtime";
import { ensureActors, simActor, type SimAgent, type SimVendor } from "./actors";
import { registerCatalogue, type SimService } from "./marketplace";
import { createTelemetryFeed } from "./telemetry";

// The loops of lld-backend.md §6.1, over simulated agents and vendors stamped with data centers
// (§6.2) and the catalogue the vendors register (marketplace.ts). Money moves only through the
// ledger's own verbs, as for any user.

export interface SimulationOptions {
  /**
   * Real payments through the ledger, 1 to 3 each time. They are the ticker: the SSE topic and
   * GET /v1/ticker both show these committed payments (the simulator publishes no items of its own).
   */
  transactionMs: number;
  /** Balance check: top up low agents, publish their balances. */
  balanceMs: number;
  agents: number;
  vendors: number;
  /** The simulated gateways' and SDKs' telemetry period (their packets; events gathered over it). */
  telemetryMs: number;
}

export const DEFAULT_SIMULATION: SimulationOptions = { transactionMs: 1000, balanceMs: 2000, agents: 8, vendors: 5, telemetryMs: 10_000 };

export interface SimulatorDeps {
  ctx: Ctx;
  broker: Broker;
  payments: PaymentEngine;
  tokenMint: string;
  /** The receiver's ingest, in process: the simulated gateways and SDKs report through it (absent: no telemetry). */
  ingest?: Ingest | undefined;
  /** The registry the simulated vendors register their catalogue with (absent: they register none). */
  registry?: RegistryDeps | undefined;
}

const TOP_UP_BELOW = 2_000_000n; // 2 USDC
const TOP_UP = 25_000_000n; // 25 USDC

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const between = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));

/** Runs `fn` every `ms`, never two at once; stop() waits for a run in progress. */
function every(ms: number, fn: () => Promise<void>, onError: (err: unknown) => void) {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = fn()
      .catch(onError)
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, ms);
  tick();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

export async function runSimulator(deps: SimulatorDeps, options: SimulationOptions): Promise<() => Promise<void>> {
  const { ctx, broker } = deps;
  const log = ctx.log.child({ component: "simulation" });
  const { agents, vendors } = await ensureActors(ctx, options);
  // Without a catalogue the traffic still runs, paying vendors directly.
  const services = deps.registry
    ? await registerCatalogue(deps.registry, ctx, vendors).catch((err: unknown) => {
        log.warn("simulated catalogue not registered", { err });
        return [];
      })
    : [];
  log.info("simulation running", { agents: agents.length, vendors: vendors.length, services: services.length, transaction_ms: options.transactionMs });
  const lastBalance = new Map<bigint, string>();
  const telemetry = deps.ingest ? createTelemetryFeed({ ingest: deps.ingest, clock: ctx.clock, log, agents, vendors }) : undefined;

  // A payment for a few calls of a catalogue service at its price; to a vendor directly when
  // there is no catalogue.
  const pay = async (agent: SimAgent, service: SimService | undefined) => {
    const vendor: SimVendor = service?.vendor ?? pick(vendors);
    const amount = service ? service.price * BigInt(between(1, 5)) : BigInt(between(1_000, 100_000));
    const outcome = await payFromApi(
      { ...ctx, actor: simActor(agent.id, "architect"), tokenMint: deps.tokenMint, payments: deps.payments },
      { to: service?.id ?? vendor.id.toString(), amount, region: agent.region, source: "simulation", receivedAt: performance.now() },
    );
    if (outcome.kind === "refused") log.debug("simulated payment refused", { code: outcome.error.code });
    telemetry?.saw({ agent, vendor, amount, ok: outcome.kind === "paid" });
  };
  const transactions = async () => {
    const count = between(1, 3);
    await Promise.all(Array.from({ length: count }, () => pay(pick(agents), services.length > 0 ? pick(services) : undefined)));
  };

  const balances = async () => {
    for (const agent of agents) {
      let balance = await getAgentBalance({ ...ctx, tokenMint: deps.tokenMint }, agent.id);
      if (BigInt(balance.available_atomic) < TOP_UP_BELOW) {
        await creditDeposit(ctx, { userId: agent.id, amount: TOP_UP, mint: deps.tokenMint, txSignature: null, source: "internal" });
        balance = await getAgentBalance({ ...ctx, tokenMint: deps.tokenMint }, agent.id);
      }
      if (lastBalance.get(agent.id) !== balance.available_atomic) {
        lastBalance.set(agent.id, balance.available_atomic);
        broker.publish(userTopic(agent.id), "balance.updated", balance);
      }
    }
  };

  const onError = (loop: string) => (err: unknown) => log.warn("simulation step failed", { loop, err });
  // Balances first: agents are funded before their first payment.
  await balances().catch(onError("balances"));
  const stops = [
    every(options.balanceMs, balances, onError("balances")),
    every(options.transactionMs, transactions, onError("transactions")),
    ...(telemetry ? [every(options.telemetryMs, async () => telemetry.report(), onError("telemetry"))] : []),
  ];
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
