import type { Finding } from "./checker";

// The app side (app-check.ts) checks every JSON answer as it leaves the test app; the test that
// made the request must fail, not the file at its end. Both run in the one `bun test` process:
// a violating answer goes out with a header naming its finding here, and the fetch every test
// uses (installed by the preload) throws it in that test's own await. Findings no client took
// (a browser's requests) are failed by the app's close().

export const VIOLATION_HEADER = "x-machpay-test-violation";

export class ResponseSchemaError extends Error {
  constructor(finding: Finding) {
    super(`the answer breaks the OpenAPI document: ${finding.what}: ${finding.detail}`);
    this.name = "ResponseSchemaError";
  }
}

const pending = new Map<string, Finding>();
let counter = 0;

export function recordViolation(finding: Finding): string {
  const id = String(++counter);
  pending.set(id, finding);
  return id;
}

/** The finding of that id, if no client took it yet; taking it is reporting it. */
export function takeViolation(id: string): Finding | undefined {
  const finding = pending.get(id);
  pending.delete(id);
  return finding;
}

/** Wraps the global fetch once: an answer carrying a violation throws it to the caller. */
export function installFetchCheck(): void {
  const original = globalThis.fetch;
  if ((original as { checksAnswers?: true }).checksAnswers) return;
  const checked = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const res = await original(input, init);
    const id = res.headers.get(VIOLATION_HEADER);
    const finding = id ? takeViolation(id) : undefined;
    if (finding) throw new ResponseSchemaError(finding);
    return res;
  };
  // SAFETY: the same function type as Bun's fetch, plus its preconnect.
  globalThis.fetch = Object.assign(checked, { preconnect: original.preconnect, checksAnswers: true as const }) as unknown as typeof fetch;
}
