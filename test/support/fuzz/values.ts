// The hostile values, by kind. Strings for URL positions are sent verbatim (already
// percent-encoded, or deliberately broken encodings); the rest are JSON values or, for numbers
// JSON.stringify cannot write, JSON literals.

const enc = encodeURIComponent;

/** NUL in a string, alone and around the base value. */
export const withNul = (v: string) => [`${v}\u0000`, "\u0000", `a\u0000b`];

/** Lone UTF-16 surrogates (JSON.stringify writes them as \ud800 escapes). */
export const withSurrogate = (v: string) => [`${v}\ud800`, "\udfff", "\udc00\ud800x"];

/** Byte sequences that are not UTF-8, or not valid percent-encoding, for URL positions. */
export const BROKEN_ENCODINGS = ["%ED%A0%80", "%FF", "%C0%80", "%E2%82", "%", "%zz", "a%0"];

/** Object keys no database should see. */
export const HOSTILE_KEYS = ["\u0000", "k\u0000", "\ud800", "", "__proto__", "constructor", "k".repeat(100_000)];

/** Integer literals past every bound, for JSON numbers. */
export function numberLiterals(min: number | undefined, max: number | undefined): string[] {
  const out = ["9007199254740993", "9223372036854775807", "9223372036854775808", "18446744073709551616", "-9223372036854775809", "-1", "0", "1e308", "-0", "1.5", "1e400", "-1e400"];
  if (max !== undefined) out.unshift(String(max + 1), String(max));
  if (min !== undefined) out.unshift(String(min - 1));
  return [...new Set(out)];
}

/** Strings that look like integers to someone (and only some of them to a pattern). */
export const DIGIT_STRINGS = [
  "0",
  "9223372036854775807",
  "9223372036854775808",
  "99999999999999999999",
  "18446744073709551616",
  "-1",
  "1e3",
  " 1",
  "1 ",
  "007",
  "1.5",
  "0x10",
  "１２３",
  "+1",
  "",
  "-0",
  "Infinity",
  "NaN",
  "0.000001",
  "1.0000001",
  "9223372036854.775808",
  "99999999999999999999.5",
];

/** Path segments, sent verbatim. */
export const HOSTILE_SEGMENTS = [
  "%00",
  "a%00b",
  "%2F",
  "a%2Fb",
  "..",
  "%2E%2E",
  ".",
  "..%2F..%2Fetc%2Fpasswd",
  "",
  "x".repeat(5000),
  enc("ünïcødé-名前-🚀"),
  enc("1' OR '1'='1"),
  enc("1; DROP TABLE users;--"),
  "99999999999999999999",
  "9223372036854775808",
  "9223372036854775807",
  "-1",
  "0",
  ...BROKEN_ENCODINGS,
  "%20",
  "+",
  enc("\u202e"),
  "%0A",
  "%0D%0A",
  ";",
  enc("a?b=c"),
  enc("#frag"),
  "%25",
  enc("{id}"),
  "null",
  "__proto__",
  "constructor",
];

/** Query values, sent verbatim. */
export const HOSTILE_QUERY_VALUES = [
  "%00",
  "a%00b",
  "",
  "x".repeat(5000),
  enc("ünïcødé-名前-🚀"),
  enc("1' OR '1'='1"),
  enc("'; SELECT pg_sleep(10);--"),
  "99999999999999999999",
  "9223372036854775808",
  "-1",
  "1e3",
  "-0",
  ...BROKEN_ENCODINGS,
  "%2F..%2F",
  enc("\u202e"),
  "%0D%0A",
  enc("[]"),
  enc("{}"),
  "null",
  // Structured values some parameters carry (SSE topics: user:<id>).
  enc("user:99999999999999999999"),
  enc("user:9223372036854775808"),
  enc("user:-1"),
  enc("user:"),
  "user%3A%00",
  enc(Array.from({ length: 200 }, () => "ticker").join(",")),
];

/** Whole query strings added to any operation's (unknown, repeated or nameless parameters). */
export const HOSTILE_QUERY_STRINGS = ["__proto__=1", "constructor=1", "=x", "%00=1", "&&&", "a=%", `${"k".repeat(3000)}=1`, "a[b]=1", "a.b=1"];

export const IDEMPOTENCY_KEYS = ["", " ", "x".repeat(300), "x".repeat(10_000), "é", "\u0001", "%00", "a b", "ключ", "a\u0000b", "\ud800"];
export const REQUEST_IDS = ["\u0001", "é", "x".repeat(10_000), "req_<script>", "a\nb"];
export const FORWARDED_FORS = ["", "garbage", "1.1.1.1, 2.2.2.2", "::1", "999.999.999.999", "x".repeat(10_000), "é", "\u0001", ",,,", "1.1.1.1,"];
export const LAST_EVENT_IDS = ["99999999999999999999", "9223372036854775808", "-1", "abc", "1:2", "\u0001", "é", "", "1e3", "0"];

const UNLINKED_PUBKEY = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";
const SIGNATURE_SHAPE = "5".repeat(88);

export const AUTHORIZATIONS = [
  "Bearer",
  "Bearer ",
  "Bearer garbage",
  "Bearer a.b.c",
  "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
  `Bearer eyJhbGciOiJFZERTQSJ9.${Buffer.from(JSON.stringify({ sub: "99999999999999999999" })).toString("base64url")}.AAAA`,
  `Bearer ${"x".repeat(10_000)}`,
  `Bearer mp_sk_live_${"A".repeat(32)}`,
  `Bearer mp_gk_live_${"9".repeat(200)}`,
  "Bearer mp_sk_live_é",
  "Bearer a b",
  "Device garbage",
  "Device a:b:c",
  "Device ::",
  "Device a:b:c:d",
  `Device ${UNLINKED_PUBKEY}:99999999999999999999:${SIGNATURE_SHAPE}`,
  `Device ${UNLINKED_PUBKEY}:999999999999:${SIGNATURE_SHAPE}`,
  `Device ${UNLINKED_PUBKEY}:${Math.floor(Date.now() / 1000)}:${SIGNATURE_SHAPE}`,
  "Basic dXNlcjpwYXNz",
  "bearer\tgarbage",
  "\u0001",
  "é",
  "Bearer a\u0000b",
];

export const CONTENT_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=utf-16",
  "application/json; charset=latin1",
  "APPLICATION/JSON",
  "application/jsonx",
  "application/json\u0001",
  "",
];

const b64 = (text: string) => Buffer.from(text).toString("base64url");
const AT = "2030-01-01T00:00:00.000Z";

/**
 * Cursors are opaque, but a client can decode one it was given and forge another: every format
 * this API writes (base64url JSON of {t, id}, "k<id>", a bare service id) with hostile contents.
 */
export const FORGED_CURSORS = [
  ...[
    { t: "garbage", id: "1" },
    { t: AT, id: "\u0000" },
    { t: "\u0000", id: "1" },
    { t: AT, id: "99999999999999999999" },
    { t: AT, id: "x".repeat(100) },
    { t: "+275760-09-13T00:00:00.001Z", id: "1" },
    { t: "-271821-04-20T00:00:00.000Z", id: "1" },
    { t: "0000-01-01T00:00:00.000Z", id: "1" },
    { t: "10000-01-01T00:00:00.000Z", id: "1" },
    { t: "1", id: "1" },
    { t: AT, id: 1 },
    { id: "9223372036854775808" },
    { id: "-1" },
    { id: "\u0000" },
  ].map((v) => b64(JSON.stringify(v))),
  b64("k99999999999999999999"),
  b64("k9223372036854775808"),
  b64("k1\u0000"),
  b64("\u0000"),
  b64("a".repeat(65)),
  b64("[]"),
  b64("null"),
];

/** For fields holding a URL (webhook targets, gateway URLs): what SSRF checks and URL parsers trip on. */
export const HOSTILE_URLS = [
  "https://[::1]/",
  "https://[::ffff:127.0.0.1]/",
  "https://[fe80::1%25eth0]/",
  "https://0x7f000001/",
  "https://127.1/",
  "http://169.254.169.254/latest/meta-data",
  "https://user:pass@93.184.216.34/",
  "https://93.184.216.34:0/",
  "https://93.184.216.34:99999/",
  "https://xn--zz/",
  "https://ünï.example/",
  `https://${"a".repeat(300)}.example/`,
  "javascript:alert(1)",
  "file:///etc/passwd",
  "HTTPS://93.184.216.34/",
  "https://%00/",
  "https:///path",
  "https://93.184.216.34/\u202e",
  "https://256.256.256.256/",
];

/** For email fields: what validators disagree on, and what a mail header must never carry. */
export const HOSTILE_EMAILS = [
  "a@b",
  "ünï@exämple.test",
  '"quoted local"@example.com',
  "a@[127.0.0.1]",
  `${"a".repeat(65)}@example.com`,
  `a@${"b".repeat(250)}.com`,
  "a@example.com\r\nBcc: victim@example.com",
  "a@example.com,b@example.com",
  "a@example.com>",
  "<a@example.com>",
  "A@EXAMPLE.COM",
  " a@example.com ",
];

/** For base58 keys and signatures: right length, wrong content. */
export const HOSTILE_BASE58 = [
  "1".repeat(32),
  "1".repeat(44),
  "z".repeat(44),
  "1".repeat(64),
  "z".repeat(88),
  "0OIl".repeat(11),
  "11111111111111111111111111111111",
];

export const HOSTILE_UUIDS = ["00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "0b6f8a5e3c1d4e2f9a7b1c2d3e4f5a6b", "{0b6f8a5e-3c1d-4e2f-9a7b-1c2d3e4f5a6b}"];
