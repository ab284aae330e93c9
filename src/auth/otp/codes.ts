import { randomInt } from "node:crypto";
import type { Secrets } from "../secrets";

// The rules of email one-time codes (contract.md "Identity", lld-backend.md §3.1.4).

export const OTP_TTL_SECONDS = 10 * 60;
/** Wrong tries that kill a code; after that even the right code fails. */
export const OTP_MAX_ATTEMPTS = 3;
/** Sends per email address per rolling hour, counted from email_otps itself. */
export const OTP_SENDS_PER_EMAIL = 5;
/** Sends per client IP per hour (fixed window in the shared limiter): one IP spraying addresses. */
export const OTP_SENDS_PER_IP = 20;
export const OTP_WINDOW_SECONDS = 3600;

/** Six digits, uniform over 000000-999999 (randomInt draws from the CSPRNG without modulo bias). */
export function generateCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, "0");
}

/**
 * HMAC with the server pepper, bound to the address: a leaked table yields no codes (a plain
 * hash of 10^6 codes falls at once), and a row cannot be replayed against another address.
 */
export function hashCode(secrets: Secrets, email: string, code: string): string {
  return secrets.hmac(`email-otp:${email}:${code}`);
}

export function otpMail(code: string, expiresAt: Date): { subject: string; text: string } {
  return {
    subject: "Your MachPay sign-in code",
    text: [
      `Your MachPay sign-in code is ${code}`,
      "",
      `It expires in ${OTP_TTL_SECONDS / 60} minutes (at ${expiresAt.toISOString()}) and works once.`,
      "If you did not ask to sign in, ignore this email: nobody can sign in without the code.",
      "",
    ].join("\n"),
  };
}
