import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { createLogger } from "@/core/logger";
import { createMailer, deliverDue, deliveryCtxOf, recordNotification, startNotificationWorker } from "@/notifications";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { json } from "../support/http";
import { onchainSetup, postRecon } from "../support/ledger";
import { startSmtpServer, type SmtpStandIn } from "../support/smtp";
import { startReceiver, verifySignature, type Receiver } from "./receiver";

// Email notifications over real SMTP (the stand-in), from the same outbox as webhooks: the
// vendor's settlement-failed notice of lld-backend.md §4.4 through the real recon path, payouts
// and deposits; at most one email per notification, retried while the relay refuses.

const MIN = 60_000;
const clock = manualClock(new Date("2026-03-02T10:00:00Z"));
let smtp: SmtpStandIn;
let receiver: Receiver;
let t: TestApp;
beforeAll(async () => {
  smtp = await startSmtpServer();
  receiver = startReceiver();
  t = await startTestApp({ SMTP_URL: smtp.url, WEBHOOK_ALLOW_PRIVATE_TARGETS: "true", RATE_LIMIT_LINK_PER_MINUTE: "10000", NOTIFICATION_WORKER_INTERVAL_MS: "50" }, { clock });
});
afterAll(async () => {
  await t.close();
  await receiver.close();
  await smtp.close();
});

const pass = () => deliverDue(deliveryCtxOf(t.deps));
const notify = (userId: bigint, type: string, payload: Record<string, unknown>) =>
  t.sql.begin((tx) => recordNotification(tx, userId, type, payload)) as Promise<bigint>;
const mailsTo = (user: { email: string }) => smtp.messages.filter((m) => m.to.includes(user.email));

async function emailDelivery(notificationId: bigint) {
  const [row] = await t.sql<{ status: string; attempts: number; last_error: string | null }[]>`
    SELECT status, attempts, last_error FROM notification_deliveries WHERE notification_id = ${notificationId} AND channel = 'email'`;
  return row;
}

async function hookFor(user: TestUser, events: string[]) {
  const res = await fetch(t.url + "/v1/webhooks", {
    method: "POST",
    headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
    body: JSON.stringify({ url: `${receiver.url}/vendor-${user.id}`, events }),
  });
  const body = await json(res);
  expect(res.status).toBe(201);
  return body.secret as string;
}

describe("settlement failed (lld-backend.md §4.4)", () => {
  test("the vendor is told by email and by webhook, through recon's real path and the running worker", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    const secret = await hookFor(vendor, ["settlement.failed"]);
    const cast = await onchainSetup(t, { vendor, bond: 50_000_000n });
    const paid = await cast.submit(3_000_000n, 1n);
    expect(paid.status).toBe(201);
    const intentId: string = paid.body.transaction.intent_id;

    const stop = startNotificationWorker(t.deps);
    try {
      const recon = await postRecon(t, { type: "settlement.failed", intent_id: intentId, vendor_id: vendor.id.toString(), amount: "3000000", reason: "agent insolvent (0x102)" });
      expect(recon.status).toBe(200);

      const mail = await smtp.waitForMail(vendor.email);
      expect(mail.subject).toBe(`Settlement failed for Agent Test Agent (#${cast.agent.id})`);
      expect(mail.text).toContain(`Settlement Failed for Agent Test Agent (#${cast.agent.id}). Your pending balance has been adjusted.`);
      expect(mail.text).toContain("Payment reversed: 3.000000 USDC");
      expect(mail.text).toContain("Reason: agent insolvent (0x102)");

      const hooks = await receiver.waitFor(1);
      const got = hooks.find((h) => h.path === `/vendor-${vendor.id}`)!;
      expect(verifySignature(secret, got)).toBe(true);
      expect(got.body).toMatchObject({ type: "settlement.failed", data: { intent_id: intentId, agent_id: cast.agent.id.toString(), amount_atomic: "3000000" } });
    } finally {
      await stop();
    }
    // Once each: nothing is left to send, and the worker sent no second email.
    expect(await pass()).toMatchObject({ claimed: 0 });
    expect(mailsTo(vendor)).toHaveLength(1);
  });
});

describe("emails", () => {
  test("payouts and deposits are emailed with exact amounts; payout requests and link approvals are not", async () => {
    const user = await createUser(t);
    await notify(user.id, "payout.requested", { payout_id: "po_1", amount_atomic: "2500000" });
    await notify(user.id, "link.approved", { kind: "agent", pubkey: "x", profile_name: "n" });
    await notify(user.id, "payout.confirmed", { payout_id: "po_1", tx_signature: "5Ksig" });
    await notify(user.id, "payout.failed", { payout_id: "po_2", reason: "rpc down", amount_atomic: "2500001" });
    await notify(user.id, "deposit.confirmed", { tx_signature: "3Dsig", amount_atomic: "10000000" });
    expect(await pass()).toMatchObject({ claimed: 3, delivered: 3 });

    const mails = [await smtp.waitForMail(user.email), await smtp.waitForMail(user.email), await smtp.waitForMail(user.email)];
    const [deposit, payoutFailed, payoutSent] = mails.sort((a, b) => a.subject.localeCompare(b.subject));
    expect(deposit!.subject).toBe("Deposit confirmed");
    expect(deposit!.text).toContain("Your deposit of 10.000000 USDC is confirmed");
    expect(payoutFailed!.subject).toBe("Your payout failed");
    expect(payoutFailed!.text).toContain("2.500001 USDC has been returned");
    expect(payoutSent!.subject).toBe("Your payout was sent");
    expect(payoutSent!.text).toContain("Transaction: 5Ksig");
    expect(mailsTo(user)).toHaveLength(3);
  });

  test("while the relay refuses, the email is retried on the backoff, and goes out once", async () => {
    const user = await createUser(t);
    smtp.setUnavailable(true);
    let id: bigint;
    try {
      id = await notify(user.id, "payout.confirmed", { payout_id: "po_r", tx_signature: "sig" });
      await pass();
      expect(await emailDelivery(id)).toMatchObject({ status: "pending", attempts: 1 });
      expect((await emailDelivery(id))!.last_error).toStartWith("SMTP:");
    } finally {
      smtp.setUnavailable(false);
    }
    expect(await pass()).toMatchObject({ claimed: 0 });
    clock.advance(MIN);
    await pass();
    await smtp.waitForMail(user.email);
    expect(await emailDelivery(id)).toMatchObject({ status: "delivered", attempts: 2 });
    clock.advance(24 * 60 * MIN);
    await pass();
    expect(mailsTo(user)).toHaveLength(1);
  });

  test("an email whose attempt's outcome is unknown (worker died mid-send) is not sent again: at most once", async () => {
    const user = await createUser(t);
    const id = await notify(user.id, "payout.confirmed", { payout_id: "po_c", tx_signature: "sig" });
    await t.sql`
      UPDATE notification_deliveries SET attempts = 1, in_flight = true, next_attempt_at = ${clock.now()}
      WHERE notification_id = ${id} AND channel = 'email'`;
    await pass();
    const row = await emailDelivery(id);
    expect(row).toMatchObject({ status: "failed", attempts: 2 });
    expect(row!.last_error).toContain("not resent");
    expect(mailsTo(user)).toHaveLength(0);
  });

  test("a user without an email address is skipped", async () => {
    const [row] = await t.sql<{ id: bigint }[]>`INSERT INTO users DEFAULT VALUES RETURNING id`;
    const id = await notify(row!.id, "deposit.confirmed", { tx_signature: "s", amount_atomic: "1" });
    await pass();
    expect(await emailDelivery(id)).toMatchObject({ status: "skipped", attempts: 1 });
  });
});

describe("without SMTP_URL", () => {
  const logged = async (logText: boolean) => {
    const lines: Record<string, unknown>[] = [];
    const mailer = createMailer({ smtpUrl: undefined, from: "MachPay <no-reply@machpay.local>", logger: createLogger("info", {}, (l) => lines.push(JSON.parse(l))), logText });
    await mailer.send({ to: "someone@example.test", subject: "Your MachPay sign-in code", text: "Your code is 482913." });
    return JSON.stringify(lines);
  };

  test("the mail is written to the log, its text (a sign-in code) only outside production", async () => {
    expect(await logged(true)).toContain("482913");
    const production = await logged(false);
    expect(production).toContain("someone@example.test");
    expect(production).not.toContain("482913");
  });
});
