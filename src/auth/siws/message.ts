import { AppError } from "@/core/errors";

// Sign-In-With-Solana message text: Phantom's SIWS format, which is EIP-4361 adapted to Solana
// (the same layout as @solana/wallet-standard-util's createSignInMessageText):
//
//   ${domain} wants you to sign in with your Solana account:
//   ${address}
//
//   ${statement}
//
//   URI: ${uri}
//   Version: ${version}
//   Chain ID: ${chainId}
//   Nonce: ${nonce}
//   Issued At: ${issuedAt}
//   Expiration Time: ${expirationTime}
//   Not Before: ${notBefore}
//   Request ID: ${requestId}
//   Resources:
//   - ${resources[0]}
//
// Every part after the address is optional, but the fields that appear keep this order.
// The signature covers the exact bytes, so the parser never normalises: it only reads.

export interface SiwsMessage {
  domain: string;
  address: string;
  statement?: string | undefined;
  uri?: string | undefined;
  version?: string | undefined;
  chainId?: string | undefined;
  nonce?: string | undefined;
  issuedAt?: string | undefined;
  expirationTime?: string | undefined;
  notBefore?: string | undefined;
  requestId?: string | undefined;
  resources?: string[] | undefined;
}

type LineField = "uri" | "version" | "chainId" | "nonce" | "issuedAt" | "expirationTime" | "notBefore" | "requestId";

/** The single-line fields in their mandatory order, with their tags. */
export const FIELDS: readonly (readonly [LineField, string])[] = [
  ["uri", "URI"],
  ["version", "Version"],
  ["chainId", "Chain ID"],
  ["nonce", "Nonce"],
  ["issuedAt", "Issued At"],
  ["expirationTime", "Expiration Time"],
  ["notBefore", "Not Before"],
  ["requestId", "Request ID"],
];
const TIME_FIELDS = new Set<LineField>(["issuedAt", "expirationTime", "notBefore"]);
const RESOURCES_TAG = "Resources:";
const HEADER_SUFFIX = " wants you to sign in with your Solana account:";

/** EIP-4361: the nonce is at least 8 alphanumeric characters. */
const NONCE_PATTERN = /^[A-Za-z0-9]{8,}$/;
/** RFC 3339 date-time (the profile of ISO 8601 that EIP-4361 uses). */
const DATE_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function buildSiwsMessage(m: SiwsMessage): string {
  let text = `${m.domain}${HEADER_SUFFIX}\n${m.address}`;
  if (m.statement) text += `\n\n${m.statement}`;
  const lines: string[] = [];
  for (const [key, tag] of FIELDS) {
    const value = m[key];
    if (value) lines.push(`${tag}: ${value}`);
  }
  if (m.resources) {
    lines.push(RESOURCES_TAG);
    for (const r of m.resources) lines.push(`- ${r}`);
  }
  if (lines.length) text += `\n\n${lines.join("\n")}`;
  return text;
}

const malformed = (reason: string) =>
  new AppError("siws_message_malformed", `message is not a Sign-In-With-Solana message: ${reason}`, { details: { reason } });

const isFieldLine = (line: string) => line === RESOURCES_TAG || FIELDS.some(([, tag]) => line.startsWith(`${tag}: `));

/** Reads a SIWS message; throws 400 siws_message_malformed naming what is wrong. */
export function parseSiwsMessage(text: string): SiwsMessage {
  if (text.includes("\r")) throw malformed("lines must end with LF alone");
  // Trailing newlines are tolerated (the reference parser accepts them); nothing else is.
  const lines = text.replace(/\n+$/, "").split("\n");
  const header = lines[0] ?? "";
  if (!header.endsWith(HEADER_SUFFIX)) throw malformed("the first line must end with 'wants you to sign in with your Solana account:'");
  const domain = header.slice(0, -HEADER_SUFFIX.length);
  if (!/^\S+$/.test(domain)) throw malformed("the domain must be one word before 'wants you to sign in'");
  const address = lines[1];
  if (address === undefined || !/^\S+$/.test(address)) throw malformed("the second line must be the account address");
  const message: SiwsMessage = { domain, address };

  let i = 2;
  if (i < lines.length) {
    if (lines[i] !== "") throw malformed("expected an empty line after the address");
    i++;
    if (lines[i] === "") {
      // EIP-4361 without a statement: a second empty line, then the fields.
      i++;
    } else if (i < lines.length && !isFieldLine(lines[i]!)) {
      // The statement: one line that is not a field.
      message.statement = lines[i];
      i++;
      if (i < lines.length) {
        if (lines[i] !== "") throw malformed("expected an empty line after the statement");
        i++;
      }
    }
  }
  readFields(lines, i, message);
  return message;
}

function readFields(lines: string[], start: number, message: SiwsMessage): void {
  let next = 0; // index in FIELDS of the first tag still allowed: enforces order and no repeats
  let i = start;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === RESOURCES_TAG) break;
    const at = FIELDS.findIndex(([, tag]) => line.startsWith(`${tag}: `));
    if (at < 0) throw malformed(`line ${i + 1} is not a known field`);
    const [key, tag] = FIELDS[at]!;
    if (at < next) throw malformed(`'${tag}' is repeated or out of order`);
    const value = line.slice(tag.length + 2);
    checkValue(key, tag, value);
    message[key] = value;
    next = at + 1;
  }
  if (i < lines.length) {
    const resources: string[] = [];
    for (i++; i < lines.length; i++) {
      const line = lines[i]!;
      if (!line.startsWith("- ") || line.length < 3) throw malformed(`line ${i + 1}: each resource must be a line '- <uri>'`);
      resources.push(line.slice(2));
    }
    message.resources = resources;
  }
}

function checkValue(key: LineField, tag: string, value: string): void {
  if (!value.trim()) throw malformed(`'${tag}' is empty`);
  if (key === "version" && value !== "1") throw malformed("'Version' must be 1");
  if (key === "nonce" && !NONCE_PATTERN.test(value)) throw malformed("'Nonce' must be at least 8 letters or digits");
  if (TIME_FIELDS.has(key) && !(DATE_TIME_PATTERN.test(value) && Number.isFinite(Date.parse(value)))) {
    throw malformed(`'${tag}' must be an ISO 8601 date-time such as 2025-01-01T00:00:00Z`);
  }
}
