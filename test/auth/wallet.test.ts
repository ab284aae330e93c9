import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { buildSiwsMessage, parseSiwsMessage, type SiwsMessage } from "@/auth/siws/message";
import { startTestApp, type TestApp } from "../support/app";
import { json } from "../support/http";
import { newWallet, toBase58, type TestWallet } from "../support/solana-keys";

// Sign-In-With-Solana end to end, with real Ed25519 keys (contract.md "Identity").

const DOMAIN = "machpay.test";
const PUBLIC_URL = "https://api.machpay.test";
const clock = manualClock(new Date("2025-06-01T12:00:00Z"));

let t: TestApp;
beforeAll(async () => {
  // A high per-IP limit: every request of this file comes from 127.0.0.1.
  t = await startTestApp({ SIWS_DOMAIN: DOMAIN, PUBLIC_URL, RATE_LIMIT_AUTH_PER_MINUTE: "100000" }, { clock });
});
afterAll(() => t.close());

interface Challenge {
  nonce: string;
  expires_at: number;
  expiresAt: number;
  message: string;
}

const post = (path: string, body: unknown) =>
  fetch(t.url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function challenge(address: string): Promise<Challenge> {
  const res = await post("/v1/auth/challenge", { address });
  expect(res.status).toBe(200);
  return json(res);
}

const login = (body: Record<string, unknown>) => post("/v1/auth/login/wallet", body);

/** Challenge, sign the issued message as is, log in. */
async function signIn(wallet: TestWallet): Promise<Response> {
  const ch = await challenge(wallet.address);
  return login({ address: wallet.address, signature: await wallet.signBase58(ch.message), message: ch.message });
}

async function expectError(res: Response, status: number, code: string): Promise<any> {
  const body = await json(res);
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  return body;
}

/** The issued message with some parts replaced, as a wallet or an attacker would build it. */
const rewrite = (message: string, changes: Partial<SiwsMessage>) => buildSiwsMessage({ ...parseSiwsMessage(message), ...changes });

const iso = (ms: number) => new Date(ms).toISOString();

describe("POST /v1/auth/challenge", () => {
  test("issues a fresh nonce bound to the address with a ready SIWS message", async () => {
    const wallet = await newWallet();
    const now = clock.now();
    const a = await challenge(wallet.address);
    const b = await challenge(wallet.address);

    expect(a.nonce).toMatch(/^[A-Za-z0-9]{22}$/);
    expect(b.nonce).not.toBe(a.nonce);
    const issuedAt = Math.floor(now.getTime() / 1000);
    expect(a.expires_at).toBe(issuedAt + 300);
    expect(a.expiresAt).toBe(a.expires_at);
    const isoAt = (s: number) => new Date(s * 1000).toISOString().replace(".000Z", "Z");
    expect(a.message).toBe(
      [
        `${DOMAIN} wants you to sign in with your Solana account:`,
        wallet.address,
        "",
        "Sign in to MachPay",
        "",
        `URI: ${t.config.PUBLIC_URL}`,
        "Version: 1",
        "Chain ID: mainnet",
        `Nonce: ${a.nonce}`,
        `Issued At: ${isoAt(issuedAt)}`,
        `Expiration Time: ${isoAt(issuedAt + 300)}`,
      ].join("\n"),
    );

    const [row] = await t.sql<{ address: string; failed_attempts: number; consumed_at: Date | null }[]>`
      SELECT address, failed_attempts, consumed_at FROM auth_nonces WHERE nonce = ${a.nonce}`;
    expect(row).toEqual({ address: wallet.address, failed_attempts: 0, consumed_at: null });
  });

  test("a malformed address is a 400 naming the field", async () => {
    for (const address of ["not-an-address!", "0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl", toBase58(new Uint8Array(31).fill(7))]) {
      const body = await expectError(await post("/v1/auth/challenge", { address }), 400, "invalid_request");
      expect(body.error.details.issues.map((i: { field: string }) => i.field)).toEqual(["address"]);
    }
  });

  test("challenges per address are capped at 20 per 10 minutes (429 with Retry-After), other addresses unaffected", async () => {
    const wallet = await newWallet();
    for (let i = 0; i < 20; i++) await challenge(wallet.address);
    const res = await post("/v1/auth/challenge", { address: wallet.address });
    const body = await expectError(res, 429, "rate_limited");
    expect(body.error.details.limit).toBe(20);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(res.headers.get("x-ratelimit-limit")).not.toBeNull();
    await challenge((await newWallet()).address);
  });

  test("nonces expired for over an hour are pruned by later challenges", async () => {
    const wallet = await newWallet();
    const old = await challenge(wallet.address);
    clock.advance(5 * 60_000 + 3600_000 + 1000);
    await challenge((await newWallet()).address);
    const rows = await t.sql`SELECT 1 FROM auth_nonces WHERE nonce = ${old.nonce}`;
    expect(rows.length).toBe(0);
    const res = await login({ address: wallet.address, signature: await wallet.signBase58(old.message), message: old.message });
    await expectError(res, 401, "nonce_invalid");
  });
});

describe("POST /v1/auth/login/wallet: success", () => {
  test("a signed challenge message opens a session for a new observer whose token works", async () => {
    const wallet = await newWallet();
    const res = await signIn(wallet);
    expect(res.status).toBe(200);
    const session = await json(res);
    expect(session.token_type).toBe("Bearer");
    expect(session.expires_in).toBe(t.config.ACCESS_TOKEN_TTL_SECONDS);
    expect(session.refresh_token).toMatch(/^mp_rt_/);
    expect(session.user).toMatchObject({ wallet_address: wallet.address, role: "observer", status: "ACTIVE", email: null });

    // 404 profile_not_found (not 401) proves the token authenticated the caller.
    const profile = await fetch(t.url + "/v1/profile", { headers: { authorization: `Bearer ${session.token}` } });
    await expectError(profile, 404, "profile_not_found");
    await expectError(await fetch(t.url + "/v1/profile"), 401, "unauthorized");
  });

  test("the first login creates the user, the second finds the same one", async () => {
    const wallet = await newWallet();
    const first = await json(await signIn(wallet));
    const second = await json(await signIn(wallet));
    expect(second.user.id).toBe(first.user.id);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const rows = await t.sql`SELECT id FROM users WHERE wallet_address = ${wallet.address}`;
    expect(rows.length).toBe(1);
  });

  test("the nonce is consumed by the login", async () => {
    const wallet = await newWallet();
    const ch = await challenge(wallet.address);
    const res = await login({ address: wallet.address, signature: await wallet.signBase58(ch.message), message: ch.message });
    expect(res.status).toBe(200);
    const [row] = await t.sql<{ consumed_at: Date | null }[]>`SELECT consumed_at FROM auth_nonces WHERE nonce = ${ch.nonce}`;
    expect(row!.consumed_at).toEqual(clock.now());
  });

  test("the challenge's fields rebuilt by a wallet, with Not Before, Request ID and Resources added, are accepted", async () => {
    // What wallet-standard's signIn gives back when a dApp passes the challenge's fields: the
    // same text, plus any field the dApp asked for that the challenge left out.
    const wallet = await newWallet();
    const ch = await challenge(wallet.address);
    const now = clock.now().getTime();
    const message = rewrite(ch.message, {
      notBefore: iso(now - 10_000),
      requestId: "req-42",
      resources: ["https://machpay.test/terms", "ipfs://bafybeigdyrzt"],
    });
    expect(message.startsWith(ch.message + "\n")).toBe(true);
    const res = await login({ address: wallet.address, signature: await wallet.signBase58(message), message });
    expect(res.status).toBe(200);
    expect((await json(res)).user.wallet_address).toBe(wallet.address);
  });

  test("an upper-case domain is the same domain (host names have no case)", async () => {
    const wallet = await newWallet();
    const ch = await challenge(wallet.address);
    const message = rewrite(ch.message, { domain: DOMAIN.toUpperCase() });
    const res = await login({ address: wallet.address, signature: await wallet.signBase58(message), message });
    expect(res.status).toBe(200);
  });

  test("the chain id names the configured chain: localnet when SOLANA_RPC is a loopback URL", async () => {
    const local = await startTestApp({ SOLANA_RPC: "http://127.0.0.1:1", ENABLE_WORKERS: "false" }, { db: t.db, clock });
    try {
      const wallet = await newWallet();
      const res = await fetch(local.url + "/v1/auth/challenge", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ address: wallet.address }),
      });
      const ch: Challenge = await json(res);
      expect(parseSiwsMessage(ch.message).chainId).toBe("localnet");
      const login = await fetch(local.url + "/v1/auth/login/wallet", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ address: wallet.address, signature: await wallet.signBase58(ch.message), message: ch.message }),
      });
      expect(login.status).toBe(200);
    } finally {
      await local.close();
    }
  });

  test("the nonce stays valid until just before its 5 minutes are up", async () => {
    const wallet = await newWallet();
    const ch = await challenge(wallet.address);
    clock.advance(299_000);
    const res = await login({ address: wallet.address, signature: await wallet.signBase58(ch.message), message: ch.message });
    expect(res.status).toBe(200);
  });

  test("raw-nonce form: a signature over the nonce string works once", async () => {
    const wallet = await newWallet();
    const ch = await challenge(wallet.address);
    const body = { address: wallet.address, signature: await wallet.signBase58(ch.nonce), nonce: ch.nonce };
    const res = await login(body);
    expect(res.status).toBe(200);
    expect((await json(res)).user.role).toBe("observer");
    await expectError(await login(body), 401, "nonce_used");
  });
});

describe("POST /v1/auth/login/wallet: refusals", () => {
  test("replaying a used nonce is refused", async () => {
    const wallet = await newWallet();
    const ch = await challenge(wallet.address);
    const body = { address: wallet.address, signature: await wallet.signBase58(ch.message), message: ch.message };
    expect((await login(body)).status).toBe(200);
    await expectError(await login(body), 401, "nonce_used");
  });

  test("a nonce issued for another address is refused, and still works for its owner", async () => {
    const owner = await newWallet();
    const thief = await newWallet();
    const ch = await challenge(owner.address);
    const message = rewrite(ch.message, { address: thief.address });
    await expectError(await login({ address: thief.address, signature: await thief.signBase58(message), message }), 401, "nonce_invalid");
    // Raw form too: the nonce is bound to the owner's address.
    await expectError(
      await login({ address: thief.address, signature: await thief.signBase58(ch.nonce), nonce: ch.nonce }),
      401,
      "nonce_invalid",
    );
    const res = await login({ address: owner.address, signature: await owner.signBase58(ch.message), message: ch.message });
    expect(res.status).toBe(200);
  });

  test("an unknown nonce is refused", async () => {
    const wallet = await newWallet();
    const ch = await challenge(wallet.address);
    const message = rewrite(ch.message, { nonce: "NeverIssued12345" });
    await expectError(await login({ address: wallet.address, signature: await wallet.signBase58(message), message }), 401, "nonce_invalid");
  });

  test("an expired nonce (5 minutes and 1 second later) is refused", async () => {
    const wallet = await newWallet();
    const ch = await challenge(wallet.address);
    clock.advance(5 * 60_000 + 1000);
    const res = await login({ address: wallet.address, signature: await wallet.signBase58(ch.message), message: ch.message });
    await expectError(res, 401, "nonce_expired");
  });

  test("a message for another domain is refused", async () => {
    const wallet = await newWallet();
    const ch = await challenge(wallet.address);
    const message = rewrite(ch.message, { domain: "evil.example" });
    await expectError(
      await login({ address: wallet.address, signature: await wallet.signBase58(message), message }),
      401,
      "siws_domain_mismatch",
    );
  });

  test("a message naming another address than the request is refused", async () => {
    const wallet = await newWallet();
    const other = await newWallet();
    const ch = await challenge(wallet.address);
    const message = rewrite(ch.message, { address: other.address });
    await expectError(
      await login({ address: wallet.address, signature: await wallet.signBase58(message), message }),
      401,
      "siws_address_mismatch",
    );
  });

  test("a message changed after signing is refused", async () => {
    const wallet = await newWallet();
    const ch = await challenge(wallet.address);
    const signature = await wallet.signBase58(ch.message);
    // A field the challenge leaves out, so that only the signature can tell.
    const tampered = rewrite(ch.message, { requestId: "added-after-signing" });
    expect(tampered).not.toBe(ch.message);
    await expectError(await login({ address: wallet.address, signature, message: tampered }), 401, "invalid_signature");
    // A changed field of the challenge is refused before the signature is even checked.
    const changed = ch.message.replace("Sign in to MachPay", "Sign in to MachPaz");
    await expectError(await login({ address: wallet.address, signature, message: changed }), 401, "siws_message_mismatch");
  });

  test("a signature by another key is refused", async () => {
    const wallet = await newWallet();
    const other = await newWallet();
    const ch = await challenge(wallet.address);
    await expectError(
      await login({ address: wallet.address, signature: await other.signBase58(ch.message), message: ch.message }),
      401,
      "invalid_signature",
    );
    await expectError(
      await login({ address: wallet.address, signature: await other.signBase58(ch.nonce), nonce: ch.nonce }),
      401,
      "invalid_signature",
    );
  });

  test("malformed base58 signature and address are 400s naming the field", async () => {
    const wallet = await newWallet();
    const ch = await challenge(wallet.address);
    const good = await wallet.signBase58(ch.message);
    const fields = async (body: Record<string, unknown>) => {
      const res = await login({ message: ch.message, ...body });
      const err = await expectError(res, 400, "invalid_request");
      return err.error.details.issues.map((i: { field: string }) => i.field).sort();
    };
    expect(await fields({ address: wallet.address, signature: "0OIl" + good.slice(4) })).toEqual(["signature"]);
    expect(await fields({ address: wallet.address, signature: toBase58(new Uint8Array(32).fill(9)) })).toEqual(["signature"]);
    expect(await fields({ address: "0OIl" + wallet.address.slice(4), signature: good })).toEqual(["address"]);
    expect(await fields({ address: "short", signature: "also bad" })).toEqual(["address", "signature"]);
    // Neither message nor nonce: nothing says what was signed.
    const res = await login({ address: wallet.address, signature: good });
    const err = await expectError(res, 400, "invalid_request");
    expect(err.error.details.issues.map((i: { field: string }) => i.field)).toEqual(["nonce"]);
    // None of these touched the nonce: it still works.
    expect((await login({ address: wallet.address, signature: good, message: ch.message })).status).toBe(200);
  });

  test("a message without a Nonce line, or not SIWS at all, is a 400", async () => {
    const wallet = await newWallet();
    const ch = await challenge(wallet.address);
    const noNonce = rewrite(ch.message, { nonce: undefined });
    expect(noNonce).not.toContain("Nonce:");
    await expectError(
      await login({ address: wallet.address, signature: await wallet.signBase58(noNonce), message: noNonce }),
      400,
      "siws_message_malformed",
    );
    const garbage = `please log me in, nonce ${ch.nonce}`;
    await expectError(
      await login({ address: wallet.address, signature: await wallet.signBase58(garbage), message: garbage }),
      400,
      "siws_message_malformed",
    );
  });

  test("a body nonce that differs from the message's is a 400", async () => {
    const wallet = await newWallet();
    const ch = await challenge(wallet.address);
    const other = await challenge(wallet.address);
    const res = await login({ address: wallet.address, signature: await wallet.signBase58(ch.message), message: ch.message, nonce: other.nonce });
    await expectError(res, 400, "invalid_request");
  });

  test("a message whose Expiration Time has passed, or whose Not Before is ahead, is refused", async () => {
    const wallet = await newWallet();
    const now = clock.now().getTime();
    const expired = rewrite((await challenge(wallet.address)).message, { expirationTime: iso(now - 1000) });
    await expectError(
      await login({ address: wallet.address, signature: await wallet.signBase58(expired), message: expired }),
      401,
      "siws_message_expired",
    );
    const early = rewrite((await challenge(wallet.address)).message, { notBefore: iso(now + 60_000) });
    await expectError(
      await login({ address: wallet.address, signature: await wallet.signBase58(early), message: early }),
      401,
      "siws_message_not_yet_valid",
    );
  });

  test("a message Issued At a day ahead is refused as siws_issued_in_future; a few seconds of skew are not", async () => {
    const wallet = await newWallet();
    const now = clock.now().getTime();
    const ahead = rewrite((await challenge(wallet.address)).message, { issuedAt: iso(now + 86_400_000) });
    await expectError(
      await login({ address: wallet.address, signature: await wallet.signBase58(ahead), message: ahead }),
      401,
      "siws_issued_in_future",
    );
    // Another instance, its clock 5 s ahead of this one's, issued the challenge.
    clock.advance(5000);
    const ch = await challenge(wallet.address);
    clock.advance(-5000);
    const res = await login({ address: wallet.address, signature: await wallet.signBase58(ch.message), message: ch.message });
    expect(res.status).toBe(200);
  });

  test("a message that changes any field of the challenge is refused, naming the field", async () => {
    const wallet = await newWallet();
    const now = clock.now().getTime();
    const cases: [Partial<SiwsMessage>, string][] = [
      [{ chainId: "devnet" }, "Chain ID"],
      [{ chainId: "solana:mainnet" }, "Chain ID"],
      [{ statement: "Sign in to MachPay and transfer everything" }, "statement"],
      [{ uri: "https://evil.example/login" }, "URI"],
      [{ issuedAt: iso(now - 60_000) }, "Issued At"],
      [{ expirationTime: iso(now + 86_400_000) }, "Expiration Time"],
    ];
    for (const [change, field] of cases) {
      const message = rewrite((await challenge(wallet.address)).message, change);
      const body = await expectError(
        await login({ address: wallet.address, signature: await wallet.signBase58(message), message }),
        401,
        "siws_message_mismatch",
      );
      expect({ change, field: body.error.details.field }).toEqual({ change, field });
    }
  });

  test("a message that leaves out any field of the challenge is refused, naming the field", async () => {
    const wallet = await newWallet();
    const cases: [keyof SiwsMessage, string][] = [
      ["statement", "statement"],
      ["uri", "URI"],
      ["version", "Version"],
      ["chainId", "Chain ID"],
      ["issuedAt", "Issued At"],
      ["expirationTime", "Expiration Time"],
    ];
    for (const [key, field] of cases) {
      const message = rewrite((await challenge(wallet.address)).message, { [key]: undefined });
      const body = await expectError(
        await login({ address: wallet.address, signature: await wallet.signBase58(message), message }),
        401,
        "siws_message_mismatch",
      );
      expect({ key, field: body.error.details.field, got: body.error.details.got }).toEqual({ key, field, got: null });
    }
    // The bare minimum a wallet could sign (domain, address, nonce) says none of it.
    const ch = await challenge(wallet.address);
    const minimal = `${DOMAIN} wants you to sign in with your Solana account:\n${wallet.address}\n\nNonce: ${ch.nonce}`;
    await expectError(
      await login({ address: wallet.address, signature: await wallet.signBase58(minimal), message: minimal }),
      401,
      "siws_message_mismatch",
    );
  });

  test("five failed tries kill the nonce; four do not", async () => {
    const wallet = await newWallet();
    const other = await newWallet();

    const killed = await challenge(wallet.address);
    const forged = await other.signBase58(killed.message);
    for (let i = 0; i < 5; i++) {
      await expectError(await login({ address: wallet.address, signature: forged, message: killed.message }), 401, "invalid_signature");
    }
    const right = await wallet.signBase58(killed.message);
    await expectError(await login({ address: wallet.address, signature: right, message: killed.message }), 401, "nonce_invalid");
    const [row] = await t.sql<{ consumed_at: Date | null }[]>`SELECT consumed_at FROM auth_nonces WHERE nonce = ${killed.nonce}`;
    expect(row!.consumed_at).toBeNull();

    const survivor = await challenge(wallet.address);
    const wrongDomain = rewrite(survivor.message, { domain: "evil.example" });
    for (let i = 0; i < 4; i++) {
      const res = await login({ address: wallet.address, signature: await wallet.signBase58(wrongDomain), message: wrongDomain });
      await expectError(res, 401, "siws_domain_mismatch");
    }
    const res = await login({ address: wallet.address, signature: await wallet.signBase58(survivor.message), message: survivor.message });
    expect(res.status).toBe(200);
  });

  test("concurrent logins with one nonce: exactly one succeeds", async () => {
    const wallet = await newWallet();
    const ch = await challenge(wallet.address);
    const body = { address: wallet.address, signature: await wallet.signBase58(ch.message), message: ch.message };
    const results = await Promise.all(Array.from({ length: 5 }, () => login(body)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401, 401, 401, 401]);
    for (const r of results.filter((r) => r.status === 401)) expect((await json(r)).error.code).toBe("nonce_used");
    const sessions = await t.sql`
      SELECT rt.id FROM refresh_tokens rt JOIN users u ON u.id = rt.user_id WHERE u.wallet_address = ${wallet.address}`;
    expect(sessions.length).toBe(1);
  });
});

describe("SIWS message text", () => {
  const address = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";
  const full: SiwsMessage = {
    domain: "machpay.test:8081",
    address,
    statement: "Sign in to MachPay",
    uri: "https://machpay.test",
    version: "1",
    chainId: "mainnet",
    nonce: "abcDEF123456",
    issuedAt: "2025-06-01T12:00:00Z",
    expirationTime: "2025-06-01T12:05:00.123+02:00",
    notBefore: "2025-06-01T11:59:00Z",
    requestId: "r-1",
    resources: ["https://machpay.test/a", "https://machpay.test/b"],
  };

  test("build and parse round-trip, with every field and with few", () => {
    for (const m of [full, { domain: "d.test", address }, { domain: "d.test", address, statement: "Hi" }, { domain: "d.test", address, nonce: "12345678" }]) {
      expect(parseSiwsMessage(buildSiwsMessage(m))).toEqual(m);
    }
  });

  test("the built text follows the standard layout", () => {
    expect(buildSiwsMessage(full)).toBe(
      "machpay.test:8081 wants you to sign in with your Solana account:\n" +
        `${address}\n\nSign in to MachPay\n\n` +
        "URI: https://machpay.test\nVersion: 1\nChain ID: mainnet\nNonce: abcDEF123456\n" +
        "Issued At: 2025-06-01T12:00:00Z\nExpiration Time: 2025-06-01T12:05:00.123+02:00\nNot Before: 2025-06-01T11:59:00Z\n" +
        "Request ID: r-1\nResources:\n- https://machpay.test/a\n- https://machpay.test/b",
    );
  });

  test("accepts EIP-4361's empty statement line and trailing newlines", () => {
    const eip = `d.test wants you to sign in with your Solana account:\n${address}\n\n\nURI: https://d.test\nNonce: 12345678\n`;
    expect(parseSiwsMessage(eip)).toEqual({ domain: "d.test", address, uri: "https://d.test", nonce: "12345678" });
  });

  test("rejects what is not SIWS, naming the reason", () => {
    const base = buildSiwsMessage(full);
    const bad = [
      base.replace(/\n/g, "\r\n"),
      base.replace("wants you to sign in with your Solana account:", "wants you to sign in with your Ethereum account:"),
      base.replace("Version: 1\nChain ID: mainnet", "Chain ID: mainnet\nVersion: 1"),
      base.replace("Chain ID: mainnet", "Chain ID: mainnet\nChain ID: devnet"),
      base.replace("Version: 1", "Version: 2"),
      base.replace("Nonce: abcDEF123456", "Nonce: abc-12"),
      base.replace("Issued At: 2025-06-01T12:00:00Z", "Issued At: yesterday"),
      base.replace("Request ID: r-1", "Request ID: r-1\nFavourite Colour: blue"),
      base.replace("- https://machpay.test/b", "https://machpay.test/b"),
      base.replace("URI: https://machpay.test", "URI: "),
      `d.test wants you to sign in with your Solana account:\n${address}\nNonce: 12345678`,
      `d.test wants you to sign in with your Solana account:`,
      "",
    ];
    for (const text of bad) {
      let error: any;
      try {
        parseSiwsMessage(text);
      } catch (e) {
        error = e;
      }
      expect({ text, code: error?.code, status: error?.status }).toEqual({ text, code: "siws_message_malformed", status: 400 });
      expect(error.details.reason).toBeString();
    }
  });
});
