import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect } from "node:net";
import { startTestApp, type TestApp } from "../support/app";

// What the server answers a request without a Host header: HTTP/1.0, as HAProxy's default health
// check (`option httpchk`) and other load balancers send it. It used to be routed as the path "h"
// (Bun hands such a request over with a relative URL): a 404 that marked every instance down.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

/** Sends raw bytes and resolves with the status line and body of the answer. */
function raw(request: string): Promise<{ status: number; body: string }> {
  const { port, hostname } = new URL(t.url);
  return new Promise((resolve, reject) => {
    let buf = "";
    const socket = connect(Number(port), hostname, () => socket.write(request));
    socket.on("data", (d) => (buf += d));
    socket.on("error", reject);
    socket.on("close", () => {
      const [head = "", body = ""] = buf.split("\r\n\r\n");
      resolve({ status: Number(head.split(" ")[1]), body });
    });
  });
}

test("an HTTP/1.0 health check without a Host header gets /health's answer", async () => {
  const r = await raw("GET /health HTTP/1.0\r\n\r\n");
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body)).toMatchObject({ status: "ok" });
});

test("without a Host header an unknown path is still a 404 naming that path, in the envelope", async () => {
  const r = await raw("GET /nowhere?x=1 HTTP/1.0\r\n\r\n");
  expect(r.status).toBe(404);
  expect(JSON.parse(r.body).error).toMatchObject({ code: "not_found" });
  expect(JSON.parse(r.body).error.message).toContain("/nowhere");
});
