import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect } from "node:net";
import { startRealtime } from "@/realtime";
import { startTestApp, type TestApp } from "../support/app";
import { openStream } from "./sse-client";

// Streams end when they must: a client that stops reading is cut (its queue never grows past
// its bound), and the server's shutdown ends every stream and resolves.

let t: TestApp;
let stopRealtime: () => Promise<void>;
beforeAll(async () => {
  t = await startTestApp({ SSE_HEARTBEAT_MS: "60000" });
  stopRealtime = startRealtime(t.deps);
});
afterAll(async () => {
  await stopRealtime();
  await t.close();
});

test("a client that stops reading is cut instead of buffering without bound", async () => {
  const { port } = new URL(t.url);
  const socket = connect(Number(port), "127.0.0.1");
  let text = "";
  socket.on("data", (chunk) => (text += chunk.toString("latin1")));
  await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
  socket.write(`GET /v1/events?topics=ticker HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
  while (!text.includes("event: connected")) await Bun.sleep(5);
  socket.pause();

  // Up to 80 MB of events, a tick apart so the server writes what the socket takes: far beyond
  // what socket buffers hold, so the stream's queue fills while its writes wait.
  const big = "x".repeat(8000);
  const cut = () => t.logs.some((l) => l.msg === "SSE client too slow; stream cut");
  let published = 0;
  while (!cut() && published < 10_000) {
    for (let i = 0; i < 100; i++) t.deps.broker.publish("ticker", "ticker", { n: published++, big });
    await Bun.sleep(1);
  }
  expect(cut()).toBe(true);
  socket.resume();
  // The response ends (chunked terminator) once the client reads what was already sent.
  while (!text.endsWith("\r\n0\r\n\r\n")) await Bun.sleep(5);
  const delivered = text.split("event: ticker").length - 1;
  expect(delivered).toBeGreaterThan(0);
  expect(delivered).toBeLessThan(published);
  socket.destroy();
});

test("shutdown ends open streams: the client sees the end, stop() resolves, new streams get 503", async () => {
  const c = openStream(t.url + "/v1/events?topics=ticker,stats");
  await c.waitFor((e) => e.type === "connected");
  await stopRealtime();
  // The stream ended: EventSource reports it and goes back to connecting.
  await c.waitForError();
  expect(c.es.readyState).toBe(c.es.CONNECTING);
  c.close();
  const res = await fetch(t.url + "/v1/events?topics=ticker");
  expect(res.status).toBe(503);
  expect(res.headers.get("retry-after")).toBe("1");
});
