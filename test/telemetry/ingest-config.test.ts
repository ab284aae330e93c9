import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { json } from "../support/http";
import { createKey } from "../support/ledger";
import { linkedDevice } from "../support/pairing";
import { postSigned, startTestReceiver, type TestReceiver } from "../support/receiver";
import { newWallet, type TestWallet } from "../support/solana-keys";
import { deepPacket } from "../support/telemetry-shapes";

// A deep packet's config: the price of the vendor whose gateway credential sent it, and only that
// vendor's; never the withdrawal address (a leaked gateway key must not be able to send earnings
// elsewhere), a different one is recorded and the vendor told once per address.

const PROFILE_ADDRESS = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";

let t: TestApp;
let r: TestReceiver;
let a: TestUser;
let b: TestUser;
let aDevice: TestWallet;
let bKey: string;
let minute = 0;

beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_LINK_PER_MINUTE: "1000" });
  r = await startTestReceiver(t);
  a = await createUser(t, { profile: "vendor", name: "Vendor A" });
  b = await createUser(t, { profile: "vendor", name: "Vendor B" });
  aDevice = await linkedDevice(t, a.token, "vendor");
  bKey = await createKey(t, b.token, "gateway");
});
afterAll(async () => {
  await r.close();
  await t.close();
});

/** Each packet its own period (a packet is deduplicated on it). */
const packet = (o: Omit<Parameters<typeof deepPacket>[0], "end">) => deepPacket({ ...o, end: new Date(Date.now() - 3600_000 + ++minute * 60_000) });

async function profileOf(user: TestUser) {
  const res = await fetch(t.url + "/v1/profile", { headers: { authorization: `Bearer ${user.token}` } });
  expect(res.status).toBe(200);
  return json(res);
}

async function send(body: unknown, as: "a" | "b") {
  const res = as === "a" ? await postSigned(r, "/v1/ingest", body, aDevice) : await r.post("/v1/ingest", body, `Bearer ${bKey}`);
  expect(res.status).toBe(202);
  await r.flushed();
}

const mismatchNotices = (user: TestUser) =>
  t.sql<{ payload: Record<string, unknown> }[]>`SELECT payload FROM notifications WHERE user_id = ${user.id} AND type = 'gateway.withdrawal_address_mismatch' ORDER BY id`;

describe("the price", () => {
  test("becomes the sending vendor's base price, and no one else's", async () => {
    await send(packet({ price: 7777 }), "a");
    expect((await profileOf(a)).base_price_atomic).toBe("7777");
    expect((await profileOf(b)).base_price_atomic).toBe("5000");

    await send(packet({ price: "1234" }), "b");
    expect((await profileOf(b)).base_price_atomic).toBe("1234");
    expect((await profileOf(a)).base_price_atomic).toBe("7777");

    const [log] = await t.sql`SELECT level, msg, entity_id, labels FROM logs WHERE labels->>'vendor_id' = ${b.id.toString()} AND level = 'info'`;
    expect(log).toMatchObject({ level: "info", entity_id: "gateway-01", labels: { previous_price_atomic: "5000", price_atomic: "1234" } });
  });

  test("priced in another mint than the ledger's: not applied, recorded as a warning", async () => {
    const otherMint = (await newWallet()).address;
    await send(packet({ price: 1, mint: otherMint }), "a");
    expect((await profileOf(a)).base_price_atomic).toBe("7777");
    const logs = await t.sql`SELECT msg FROM logs WHERE level = 'warn' AND labels->>'accepted_mint' = ${otherMint}`;
    expect(logs).toHaveLength(1);
  });

  test("a replayed packet (the same signed request again) does not set its price again", async () => {
    const old = JSON.stringify(packet({ price: 100 }));
    expect((await postSigned(r, "/v1/ingest", old, aDevice)).status).toBe(202);
    await r.flushed();
    await send(packet({ price: 200 }), "a");
    expect((await profileOf(a)).base_price_atomic).toBe("200");
    // Captured and sent again within the signature's window: stored once, and the price stays the newer one.
    expect((await postSigned(r, "/v1/ingest", old, aDevice)).status).toBe(202);
    await r.flushed();
    expect((await profileOf(a)).base_price_atomic).toBe("200");
  });
});

describe("the withdrawal address", () => {
  test("is never changed from a gateway credential; the vendor is told once per address", async () => {
    const attacker = (await newWallet()).address;
    await send(packet({ price: 300, withdrawalAddress: attacker }), "a");
    await send(packet({ price: 300, withdrawalAddress: attacker }), "a");
    const profile = await profileOf(a);
    expect(profile.withdrawal_address).toBe(PROFILE_ADDRESS);
    // The price in the same packet still applies.
    expect(profile.base_price_atomic).toBe("300");

    const warnings = await t.sql`SELECT msg, labels FROM logs WHERE level = 'warn' AND labels->>'reported_address' = ${attacker}`;
    expect(warnings).toHaveLength(2);
    expect(warnings[0]!.labels).toMatchObject({ vendor_id: a.id.toString(), profile_address: PROFILE_ADDRESS });
    const notices = await mismatchNotices(a);
    expect(notices.map((n) => n.payload)).toEqual([{ gateway_id: "gateway-01", reported_address: attacker, profile_address: PROFILE_ADDRESS, applied: false }]);

    const another = (await newWallet()).address;
    await send(packet({ withdrawalAddress: another }), "a");
    expect((await mismatchNotices(a)).map((n) => n.payload.reported_address)).toEqual([attacker, another]);
    expect(await mismatchNotices(b)).toHaveLength(0);
  });

  test("the profile's own address, reported back: nothing to say", async () => {
    await send(packet({ withdrawalAddress: PROFILE_ADDRESS }), "b");
    expect(await mismatchNotices(b)).toHaveLength(0);
    expect((await profileOf(b)).withdrawal_address).toBe(PROFILE_ADDRESS);
  });
});
