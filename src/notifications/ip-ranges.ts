import { isIPv4, isIPv6 } from "node:net";

// Which addresses a webhook may reach (SSRF): only globally routable unicast. Parsed to bytes and
// matched by prefix, so every spelling of an address (::ffff:127.0.0.1, ::ffff:7f00:1,
// 0:0:0:0:0:0:0:1) meets the same rule.

type Range = readonly [prefix: number[], bits: number, label: string];

const V4_BLOCKED: readonly Range[] = [
  [[0], 8, "unspecified"],
  [[10], 8, "private"],
  [[100, 64], 10, "carrier-grade NAT"],
  [[127], 8, "loopback"],
  [[169, 254], 16, "link-local"],
  [[172, 16], 12, "private"],
  [[192, 0, 0], 24, "IETF protocol assignments"],
  [[192, 0, 2], 24, "documentation"],
  [[192, 88, 99], 24, "6to4 relay"],
  [[192, 168], 16, "private"],
  [[198, 18], 15, "benchmarking"],
  [[198, 51, 100], 24, "documentation"],
  [[203, 0, 113], 24, "documentation"],
  [[224], 4, "multicast"],
  [[240], 4, "reserved or broadcast"],
];

const V6_BLOCKED: readonly Range[] = [
  // ::/96 holds :: (unspecified), ::1 (loopback) and the deprecated IPv4-compatible addresses.
  [[], 96, "unspecified, loopback or IPv4-compatible"],
  [[0x01, 0x00], 64, "discard-only"],
  [[0x20, 0x01, 0x00, 0x00], 32, "Teredo"],
  [[0x20, 0x01, 0x0d, 0xb8], 32, "documentation"],
  [[0xfc], 7, "unique local"],
  [[0xfe, 0x80], 10, "link-local"],
  [[0xfe, 0xc0], 10, "site-local"],
  [[0xff], 8, "multicast"],
];

function matches(bytes: Uint8Array, prefix: number[], bits: number): boolean {
  for (let bit = 0; bit < bits; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if (((bytes[byte] ?? 0) & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
}

function v4Bytes(ip: string): Uint8Array {
  return Uint8Array.from(ip.split(".").map(Number));
}

/** 16 bytes of a valid IPv6 text (with `::` and a trailing dotted quad allowed). */
function v6Bytes(ip: string): Uint8Array {
  const text = ip.replace(/%.*$/, "");
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  const groups = (tail ? text.slice(0, -tail[1]!.length) + "0:0" : text).split("::");
  const head = groups[0] ? groups[0].split(":") : [];
  const rest = groups.length > 1 && groups[1] ? groups[1].split(":") : [];
  const words = [...head, ...Array<string>(8 - head.length - rest.length).fill("0"), ...rest].map((w) => parseInt(w, 16));
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  if (tail) out.set(v4Bytes(tail[1]!), 12);
  return out;
}

/** Why an address must not be reached, or null when it is public. Not an IP at all: refused too. */
export function blockedReason(ip: string): string | null {
  if (isIPv4(ip)) return v4Reason(v4Bytes(ip));
  if (!isIPv6(ip)) return "not an IP address";
  const bytes = v6Bytes(ip);
  // IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) reach an IPv4 address: judge that one.
  if (matches(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96) || matches(bytes, [0x00, 0x64, 0xff, 0x9b], 96)) {
    return v4Reason(bytes.slice(12));
  }
  // 6to4 (2002::/16) carries its IPv4 address in bytes 2..5.
  if (matches(bytes, [0x20, 0x02], 16)) return v4Reason(bytes.slice(2, 6));
  return V6_BLOCKED.find(([prefix, bits]) => matches(bytes, prefix, bits))?.[2] ?? null;
}

function v4Reason(bytes: Uint8Array): string | null {
  return V4_BLOCKED.find(([prefix, bits]) => matches(bytes, prefix, bits))?.[2] ?? null;
}
