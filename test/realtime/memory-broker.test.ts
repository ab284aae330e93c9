import { expect, test } from "bun:test";
import { createLogger } from "@/core/logger";
import { createMemoryBroker } from "@/realtime/memory-broker";

// BROKER=memory: ids keep increasing, history is bounded per topic, a listener's failure is its own.

const logger = createLogger("silent");

// Fan-out runs after the publisher's turn (setImmediate), so tests let it happen before looking.
const deliveries = () => new Promise<void>((resolve) => setImmediate(resolve));

test("ids increase across topics and stay above those of an earlier process", async () => {
  const earlier = createMemoryBroker({ historySize: 10, logger });
  earlier.publish("ticker", "ticker", {});
  const before = BigInt(earlier.lastId()!);
  const broker = createMemoryBroker({ historySize: 10, logger });
  const seen: string[] = [];
  broker.subscribe(["ticker", "user:1"], (e) => seen.push(e.id));
  for (let i = 0; i < 5; i++) broker.publish(i % 2 ? "ticker" : "user:1", "x", { i });
  await deliveries();
  expect(seen).toHaveLength(5);
  const ids = seen.map(BigInt);
  expect(ids[0]!).toBeGreaterThan(before);
  for (let i = 1; i < ids.length; i++) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!);
});

test("history keeps the newest SSE_HISTORY_SIZE events per topic, after the given id", async () => {
  const broker = createMemoryBroker({ historySize: 3, logger });
  for (let i = 0; i < 10; i++) broker.publish("ticker", "t", { i });
  broker.publish("stats", "s", { ephemeral: true }, { ephemeral: true });
  broker.publish("user:7", "u", { i: 100 });
  const all = await broker.history(["ticker", "user:7", "stats"], "0");
  expect(all.map((e) => (e.data as { i: number }).i)).toEqual([7, 8, 9, 100]);
  const after = await broker.history(["ticker"], all[1]!.id);
  expect(after.map((e) => (e.data as { i: number }).i)).toEqual([9]);
});

test("a throwing listener does not stop delivery to others", async () => {
  const broker = createMemoryBroker({ historySize: 3, logger });
  const got: number[] = [];
  broker.subscribe(["ticker"], () => {
    throw new Error("boom");
  });
  const unsubscribe = broker.subscribe(["ticker"], (e) => got.push((e.data as { i: number }).i));
  broker.publish("ticker", "t", { i: 1 });
  await deliveries();
  unsubscribe();
  broker.publish("ticker", "t", { i: 2 });
  await deliveries();
  expect(got).toEqual([1]);
});

test("histories of many topics are bounded in all: the least recently published go first", async () => {
  const broker = createMemoryBroker({ historySize: 5, logger, maxEvents: 10 });
  for (let u = 1; u <= 4; u++) for (let i = 0; i < 3; i++) broker.publish(`user:${u}`, "x", { u, i });
  // 12 events: user:1, the stalest, lost its history; its next event starts a new one.
  broker.publish("user:1", "x", { u: 1, i: 3 });
  const got = async (u: number) => (await broker.history([`user:${u}`], "0")).map((e) => (e.data as { i: number }).i);
  expect(await got(1)).toEqual([3]);
  expect(await got(2)).toEqual([0, 1, 2]);
  broker.publish("user:4", "x", { u: 4, i: 3 });
  expect(await got(2)).toEqual([]);
  expect(await got(4)).toEqual([0, 1, 2, 3]);
});
