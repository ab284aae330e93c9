import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from "smtp-server";

// A real SMTP server on 127.0.0.1 for tests: the app's mailer talks SMTP to it exactly as it
// would to a relay, and tests read what arrived (a one-time code, say) from the message.

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  /** The text/plain body, transfer-decoded. */
  text: string;
  raw: string;
}

export interface SmtpStandIn {
  /** SMTP_URL for the app. */
  url: string;
  port: number;
  messages: ReceivedMail[];
  /**
   * The oldest message to `to` not yet returned by an earlier call, waiting for it if needed:
   * two sends to one address are read back in order, one call each.
   */
  waitForMail(to: string, timeoutMs?: number): Promise<ReceivedMail>;
  /** While on, every MAIL FROM gets 421 (the relay is out of service for everyone). */
  setUnavailable(on: boolean): void;
  close(): Promise<void>;
}

export async function startSmtpServer(options: { rejectRecipients?: string[] } = {}): Promise<SmtpStandIn> {
  const messages: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters = new Set<() => void>();
  const rejected = new Set((options.rejectRecipients ?? []).map((a) => a.toLowerCase()));
  let unavailable = false;

  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP: with STARTTLS on offer nodemailer would upgrade and then reject the built-in
    // self-signed certificate.
    disabledCommands: ["STARTTLS"],
    logger: false,
    onMailFrom(_address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) {
      if (!unavailable) return callback();
      callback(Object.assign(new Error("service not available, try again later"), { responseCode: 421 }));
    },
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) {
      if (!rejected.has(address.address.toLowerCase())) return callback();
      callback(Object.assign(new Error("no such mailbox"), { responseCode: 550 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          ...parseMessage(raw),
          raw,
        });
        for (const wake of [...waiters]) wake();
        callback();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.server.address();
  if (!address || typeof address === "string") throw new Error("smtp stand-in: no TCP address");
  const port = address.port;

  const nextFor = (to: string) => {
    const found = messages.find((m) => !taken.has(m) && m.to.includes(to.toLowerCase()));
    if (found) taken.add(found);
    return found;
  };

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitForMail(to, timeoutMs = 5000) {
      const ready = nextFor(to);
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const wake = () => {
          const found = nextFor(to);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no mail to ${to} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(wake);
      });
    },
    setUnavailable(on) {
      unavailable = on;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Just enough MIME for what our mailer sends: one text/plain part, 7bit, quoted-printable or base64. */
function parseMessage(raw: string): { subject: string; text: string } {
  const split = raw.indexOf("\r\n\r\n");
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? "" : raw.slice(split + 4);
  const headers = new Map<string, string>();
  // Folded header lines continue with whitespace.
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  return { subject: decodeWords(headers.get("subject") ?? ""), text: decodeBody(body, encoding).replace(/\r\n/g, "\n") };
}

function decodeBody(body: string, encoding: string): string {
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") return decodeQuotedPrintable(body);
  return body;
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const unfolded = text.replace(/=\r?\n/g, "");
  for (let i = 0; i < unfolded.length; i++) {
    const hex = unfolded.slice(i + 1, i + 3);
    if (unfolded[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(unfolded[i]!, "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** RFC 2047 encoded words (=?UTF-8?Q?...?= / =?UTF-8?B?...?=), as nodemailer writes non-ASCII subjects. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === "B"
        ? Buffer.from(data, "base64").toString("utf8")
        : decodeQuotedPrintable(data.replace(/_/g, " ")),
    );
}
