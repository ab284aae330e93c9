import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { manualClock } from "@/core/clock";
import { randomBase62 } from "@/core/ids";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { json } from "../support/http";
import { startSmtpServer, type SmtpStandIn } from "../support/smtp";

// Email one-time codes over real SMTP: the app mails through nodemailer to a local SMTP server,
// and the tests read each code from the mail that arrived.

const REFUSED = "refused-by-relay@example.test";
const clock = manualClock();
let t: TestApp;
let smtp: SmtpStandIn;

beforeAll(async () => {
  smtp = await startSmtpServer({ rejectRecipients: [REFUSED] });
  // TRUST_PROXY lets each test speak from its own client IP (X-Forwarded-For), so the per-IP
  // limits of one test do not leak into another.
  t = await startTestApp({ SMTP_URL: smtp.url, TRUST_PROXY: "true" }, { clock });
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

let ipCounter = 0;
const freshIp = () => `198.51.${Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`;
const freshEmail = () => `otp-${randomBase62(10).toLowerCase()}@example.test`;

const post = (path: string, body: unknown, ip = freshIp()) =>
  fetch(t.url + path, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", "x-forwarded-for": ip },
  });
const sendOtp = (email: string, ip?: string) => post("/v1/auth/email/send-otp", { email }, ip);
const verifyOtp = (email: string, code: string, ip?: string) => post("/v1/auth/email/verify-otp", { email, code }, ip);

/** Asks for a code and reads it from the mail it arrived in. */
async function requestCode(email: string, ip?: string): Promise<string> {
  const res = await sendOtp(email, ip);
  expect(res.status).toBe(202);
  const mail = await smtp.waitForMail(email.trim().toLowerCase());
  const match = mail.text.match(/\b(\d{6})\b/);
  expect(match).not.toBeNull();
  return match![1]!;
}

const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = await json(res);
  expect(body.error.code).toBe(code);
  return body;
}

describe("signing in with a mailed code", () => {
  test("a good code signs in, creating an observer; a second login is the same user", async () => {
    const email = freshEmail();
    const sendRes = await sendOtp(`  ${email.toUpperCase()} `);
    expect(sendRes.status).toBe(202);
    expect(await json(sendRes)).toEqual({ status: "sent", expires_in: 600 });
    const mail = await smtp.waitForMail(email);
    expect(mail.to).toEqual([email]);
    expect(mail.subject).toBe("Your MachPay sign-in code");
    expect(mail.text).toContain("10 minutes");
    const code = mail.text.match(/\b(\d{6})\b/)![1]!;

    const res = await verifyOtp(email.toUpperCase(), code);
    expect(res.status).toBe(200);
    const session = await json(res);
    expect(session).toMatchObject({ token_type: "Bearer", expires_in: 3600, user: { email, role: "observer", status: "ACTIVE" } });
    expect(session.refresh_token).toStartWith("mp_rt_");
    const [row] = await t.sql<{ id: bigint; role: string }[]>`SELECT id, role FROM users WHERE email = ${email}`;
    expect(row!.id.toString()).toBe(session.user.id);

    // The token authenticates: no profile yet is a 404, not a 401.
    const profile = await fetch(t.url + "/v1/profile", { headers: { authorization: `Bearer ${session.token}` } });
    await expectError(profile, 404, "profile_not_found");

    const again = await verifyOtp(email, await requestCode(email));
    expect(again.status).toBe(200);
    expect((await json(again)).user.id).toBe(session.user.id);
  });

  test("a code signs in once only: replaying it fails", async () => {
    const email = freshEmail();
    const code = await requestCode(email);
    expect((await verifyOtp(email, code)).status).toBe(200);
    await expectError(await verifyOtp(email, code), 401, "otp_invalid");
  });

  test("concurrent verifies of one code: exactly one signs in", async () => {
    const email = freshEmail();
    const code = await requestCode(email);
    const results = await Promise.all(Array.from({ length: 5 }, () => verifyOtp(email, code)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401, 401, 401, 401]);
    for (const r of results.filter((r) => r.status === 401)) expect((await json(r)).error.code).toBe("otp_invalid");
    const [{ count }] = (await t.sql`SELECT count(*)::int AS count FROM users WHERE email = ${email}`) as unknown as [{ count: number }];
    expect(count).toBe(1);
  });

  test("three wrong tries kill the code: the right code then fails", async () => {
    const email = freshEmail();
    const code = await requestCode(email);
    const wrong = otherCode(code);
    for (const remaining of [2, 1, 0]) {
      const body = await expectError(await verifyOtp(email, wrong), 401, "otp_invalid");
      expect(body.error.details).toEqual({ attempts_remaining: remaining });
    }
    await expectError(await verifyOtp(email, code), 401, "otp_exhausted");
  });

  test("two wrong tries leave the code alive", async () => {
    const email = freshEmail();
    const code = await requestCode(email);
    await expectError(await verifyOtp(email, otherCode(code)), 401, "otp_invalid");
    await expectError(await verifyOtp(email, otherCode(otherCode(code))), 401, "otp_invalid");
    expect((await verifyOtp(email, code)).status).toBe(200);
  });

  test("a code expires after 10 minutes", async () => {
    const email = freshEmail();
    const code = await requestCode(email);
    clock.advance(10 * 60_000 + 1000);
    await expectError(await verifyOtp(email, code), 401, "otp_expired");
  });

  test("a code still works just before it expires", async () => {
    const email = freshEmail();
    const code = await requestCode(email);
    clock.advance(10 * 60_000 - 1000);
    expect((await verifyOtp(email, code)).status).toBe(200);
  });

  test("a newer code replaces the older one", async () => {
    const email = freshEmail();
    const older = await requestCode(email);
    const newer = await requestCode(email);
    // Codes are random: in the one-in-a-million case of a repeat, the older code "works" as the newer.
    if (older === newer) return;
    await expectError(await verifyOtp(email, older), 401, "otp_invalid");
    expect((await verifyOtp(email, newer)).status).toBe(200);
  });

  test("verifying an address that never asked for a code is a 401", async () => {
    await expectError(await verifyOtp(freshEmail(), "123456"), 401, "otp_invalid");
  });
});

describe("sending codes", () => {
  test("known and unknown addresses get the same 202 and body, and both get a mail", async () => {
    const known = await createUser(t);
    const unknown = freshEmail();
    const a = await sendOtp(known.email);
    const b = await sendOtp(unknown);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(await a.text()).toBe(await b.text());
    await smtp.waitForMail(known.email);
    await smtp.waitForMail(unknown);
    // An address the relay refuses is answered alike: the answer never depends on the address.
    const refused = await sendOtp(REFUSED);
    expect(refused.status).toBe(202);
    expect(await refused.text()).toBe(await (await sendOtp(freshEmail())).text());
  });

  test("the stored row holds an address-bound HMAC, not the code", async () => {
    const email = freshEmail();
    const code = await requestCode(email);
    const rows = await t.sql<{ code_hash: string }[]>`SELECT code_hash FROM email_otps WHERE email = ${email}`;
    expect(rows).toHaveLength(1);
    const hash = rows[0]!.code_hash;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(code);
    expect(hash).not.toBe(createHash("sha256").update(code).digest("hex"));
    expect(hash).not.toBe(createHash("sha256").update(`${email}:${code}`).digest("hex"));
    // Nor is the code written to the log.
    expect(t.logs.some((line) => JSON.stringify(line).includes(code))).toBe(false);
  });

  test("a malformed address is a 400 naming email", async () => {
    for (const email of ["not-an-address", "", "a@b@example.test", `${"x".repeat(250)}@example.test`]) {
      const body = await expectError(await sendOtp(email), 400, "invalid_request");
      expect(body.error.details.issues.map((i: { field: string }) => i.field)).toEqual(["email"]);
    }
    const body = await expectError(await verifyOtp(freshEmail(), "12345"), 400, "invalid_request");
    expect(body.error.details.issues.map((i: { field: string }) => i.field)).toEqual(["code"]);
  });

  test("the 6th send to one address within the hour is 429 until the oldest send is an hour old", async () => {
    const email = freshEmail();
    const firstSentAt = clock.now();
    await requestCode(email);
    clock.advance(50 * 60_000);
    for (let i = 0; i < 4; i++) await requestCode(email);

    const res = await sendOtp(email);
    await expectError(res, 429, "rate_limited");
    // 50 minutes after the first send, 10 remain until it leaves the window.
    expect(res.headers.get("retry-after")).toBe("600");
    expect(res.headers.get("x-ratelimit-limit")).toBe("5");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(res.headers.get("x-ratelimit-reset")).toBe(String(Math.ceil(firstSentAt.getTime() / 1000) + 3600));
    // A refused send mails nothing.
    expect(smtp.messages.filter((m) => m.to.includes(email))).toHaveLength(5);

    clock.advance(599_000);
    await expectError(await sendOtp(email), 429, "rate_limited");
    clock.advance(1000);
    const code = await requestCode(email);
    expect((await verifyOtp(email, code)).status).toBe(200);
  });

  test("one client IP is limited to 20 sends an hour, whatever the addresses", async () => {
    const ip = freshIp();
    for (let i = 0; i < 20; i++) expect((await sendOtp(freshEmail(), ip)).status).toBe(202);
    const res = await sendOtp(freshEmail(), ip);
    await expectError(res, 429, "rate_limited");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(res.headers.get("x-ratelimit-limit")).toBe("20");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
    expect((await sendOtp(freshEmail())).status).toBe(202);
  });

  test("concurrent sends to one address are counted exactly, and leave one live code", async () => {
    const email = freshEmail();
    const results = await Promise.all(Array.from({ length: 7 }, () => sendOtp(email)));
    expect(results.map((r) => r.status).sort()).toEqual([202, 202, 202, 202, 202, 429, 429]);
    const [{ live }] = (await t.sql`
      SELECT count(*)::int AS live FROM email_otps
      WHERE email = ${email} AND consumed_at IS NULL AND invalidated_at IS NULL`) as unknown as [{ live: number }];
    expect(live).toBe(1);
  });

  test("a relay outage is a 503, logged with the request id, and leaves no live code", async () => {
    const email = freshEmail();
    smtp.setUnavailable(true);
    let res: Response;
    try {
      res = await sendOtp(email);
    } finally {
      smtp.setUnavailable(false);
    }
    const body = await expectError(res, 503, "mail_unavailable");
    expect(res.headers.get("retry-after")).toBe("30");
    const logged = t.logs.find((l) => l.msg === "sign-in code mail failed" && l.request_id === body.error.request_id);
    expect(logged).toBeDefined();
    const [row] = await t.sql<{ invalidated_at: Date | null }[]>`SELECT invalidated_at FROM email_otps WHERE email = ${email}`;
    expect(row!.invalidated_at).not.toBeNull();

    // Once the relay is back, a new code works.
    const code = await requestCode(email);
    expect((await verifyOtp(email, code)).status).toBe(200);
  });
});
