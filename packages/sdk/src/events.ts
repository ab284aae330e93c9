import { MachPayError } from "./errors.js";

// GET /v1/events is a Server-Sent Events stream. subscribe() reads it with fetch (so it can send
// Authorization, which EventSource cannot), parses the frames, and when the connection drops it
// reconnects with Last-Event-ID so the server replays what was missed from its bounded history.

export interface MachPayEvent {
  /** The frame's id: monotonic; what Last-Event-ID resumes from. */
  id: string | undefined;
  /** The event type (`connected`, `ticker`, `stats`, `payment`...). */
  event: string;
  /** The JSON `data:` parsed; the raw text when it is not JSON. */
  data: unknown;
}

export interface SubscribeOptions {
  /** ticker, stats, user:<id> (default: the server's, ticker and stats). */
  topics?: string[];
  /** Resume after this event id (e.g. one kept from a previous run). */
  lastEventId?: string;
  /** Stops the subscription: the loop ends without an error. */
  signal?: AbortSignal;
  /** Reconnect after a dropped connection (default true), waiting retryMs (default 1000, or the server's `retry:`). */
  reconnect?: boolean;
  retryMs?: number;
}

export interface EventSourceSettings {
  baseUrl: string;
  headers: () => Record<string, string>;
  fetch: typeof fetch;
}

export async function* subscribe(settings: EventSourceSettings, options: SubscribeOptions = {}): AsyncGenerator<MachPayEvent, void, undefined> {
  let lastEventId = options.lastEventId;
  let retryMs = options.retryMs ?? 1000;
  const url = new URL(`${settings.baseUrl.replace(/\/+$/, "")}/v1/events`);
  if (options.topics?.length) url.searchParams.set("topics", options.topics.join(","));
  for (;;) {
    if (options.signal?.aborted) return;
    const headers: Record<string, string> = { accept: "text/event-stream", ...settings.headers() };
    if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
    let response: Response;
    try {
      response = await settings.fetch(url, { headers, ...(options.signal ? { signal: options.signal } : {}) });
    } catch (err) {
      if (options.signal?.aborted) return;
      if (options.reconnect === false) throw err;
      await sleep(retryMs, options.signal);
      continue;
    }
    if (!response.ok || !response.body) {
      const body: unknown = await response.json().catch(() => undefined);
      throw MachPayError.fromResponse(response, body);
    }
    try {
      for await (const frame of frames(response.body)) {
        if (frame.retry !== undefined) retryMs = frame.retry;
        if (frame.id !== undefined) lastEventId = frame.id;
        if (frame.data === undefined) continue; // a comment (heartbeat) or a bare id/retry
        yield { id: frame.id ?? lastEventId, event: frame.event ?? "message", data: parseData(frame.data) };
      }
    } catch (err) {
      if (options.signal?.aborted) return;
      if (options.reconnect === false) throw err;
    }
    if (options.signal?.aborted || options.reconnect === false) return;
    await sleep(retryMs, options.signal);
  }
}

function parseData(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

interface Frame {
  id?: string;
  event?: string;
  data?: string;
  retry?: number;
}

/** The SSE wire format (HTML Living Standard §9.2.6), frame by frame. */
async function* frames(body: ReadableStream<Uint8Array>): AsyncGenerator<Frame> {
  const decoder = new TextDecoder();
  let buffer = "";
  let frame: Frame = {};
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
        if (line === "") {
          if (frame.data !== undefined || frame.id !== undefined || frame.retry !== undefined) yield frame;
          frame = {};
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "data") frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
        else if (field === "event") frame.event = value;
        else if (field === "id" && !value.includes("\0")) frame.id = value;
        else if (field === "retry" && /^\d+$/.test(value)) frame.retry = Number(value);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
