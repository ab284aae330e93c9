import nodemailer from "nodemailer";
import type { Logger } from "@/core/logger";
import type { Mailer } from "@/core/mailer";

/**
 * SMTP through nodemailer when SMTP_URL is set; otherwise the mail is written to the log. Its text
 * only outside production: a mail may carry a one-time sign-in code, and no secret goes to a
 * production log (a developer reads their code there; an operator must not read anyone's).
 */
export function createMailer(options: { smtpUrl: string | undefined; from: string; logger: Logger; logText: boolean }): Mailer {
  if (!options.smtpUrl) {
    return {
      async send(message) {
        const text = options.logText ? { text: message.text } : { text: "(withheld in production: set SMTP_URL to send mail)" };
        options.logger.info("mail (SMTP_URL unset, not sent)", { to: message.to, subject: message.subject, ...text });
      },
      close() {},
    };
  }
  // Short timeouts: a login waits for the relay, and nodemailer's defaults run to minutes.
  const transport = nodemailer.createTransport({ url: options.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 });
  return {
    async send(message) {
      await transport.sendMail({ from: options.from, ...message });
    },
    close: () => transport.close(),
  };
}
