import { isJsonContentType, ResponseChecker, type Finding, type ResponseDocument } from "./checker";
import { recordViolation, takeViolation, VIOLATION_HEADER } from "./findings";

// Every JSON answer of a test app, checked against the document as it leaves the app (checker.ts).
// Streams (SSE), text and HTML are not checked; nor is the document itself.

type FetchHandler = (request: Request, ...rest: never[]) => Response | Promise<Response>;

export interface AnswerChecks {
  /** Violations no client took (so no test failed for them yet), as lines. */
  untaken(): string[];
  /** Answers the document does not declare (an undeclared status, an error outside the document's routes). */
  undeclared: Finding[];
}

// One checker per distinct document: every test app serves the same one, compiled once.
const checkers = new Map<string, ResponseChecker>();

function checkerFor(doc: ResponseDocument): ResponseChecker {
  const key = JSON.stringify(doc);
  let checker = checkers.get(key);
  if (!checker) checkers.set(key, (checker = new ResponseChecker(doc)));
  return checker;
}

const NO_BODY = new Set([204, 205, 304]);
const UNCHECKED_PATHS = new Set(["/openapi.json"]);

/** Replaces `app.fetch` with one that checks each JSON answer; `documentOf` is called on first use. */
export function checkAnswers<A extends { fetch: FetchHandler }>(app: A, documentOf: () => ResponseDocument): AnswerChecks {
  const inner = app.fetch;
  let checker: ResponseChecker | undefined;
  const violations: string[] = [];
  const undeclared: Finding[] = [];
  const checked = async (request: Request, ...rest: never[]) => {
    const res = await inner(request, ...rest);
    const contentType = res.headers.get("content-type") ?? "";
    if (request.method === "HEAD" || NO_BODY.has(res.status) || !isJsonContentType(contentType)) return res;
    if (UNCHECKED_PATHS.has(new URL(request.url).pathname)) return res;
    const text = await res.text();
    checker ??= checkerFor(documentOf());
    const finding = checker.check({ method: request.method, url: request.url, status: res.status, contentType, text });
    const headers = new Headers(res.headers);
    if (finding?.kind === "undeclared") undeclared.push(finding);
    if (finding?.kind === "violation") {
      const id = recordViolation(finding);
      violations.push(id);
      headers.set(VIOLATION_HEADER, id);
    }
    return new Response(text, { status: res.status, statusText: res.statusText, headers });
  };
  // SAFETY: the same parameters, passed through unchanged; the answer is a Response either way.
  app.fetch = checked as A["fetch"];
  return {
    untaken: () => violations.flatMap((id) => {
      const f = takeViolation(id);
      return f ? [`${f.what}: ${f.detail}`] : [];
    }),
    undeclared,
  };
}
