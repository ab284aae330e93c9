import { ApiError, type CliError } from "./errors";

// Text for people on stdout; with --json, exactly one JSON object on stdout and everything meant
// for a person (the pairing code, progress, warnings) on stderr, so scripts can parse stdout whole.

export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Output {
  json: boolean;
  /** A line for the person at the terminal. */
  say(text: string): void;
  warn(text: string): void;
  /** A line for the person on stderr, always: for commands whose stdout carries a protocol (`machpay mcp`). */
  info(text: string): void;
  /** The command's result: `data` as JSON with --json, else the text lines. */
  result(data: Record<string, unknown>, lines: string[]): void;
  fail(err: CliError): void;
  /** An activity indicator on a terminal (stderr); nothing when stderr is not a TTY. A function label is redrawn (a countdown). */
  spinner(label: string | (() => string)): { stop(): void };
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function createOutput(stdout: Stream, stderr: Stream, json: boolean): Output {
  const human = json ? stderr : stdout;
  return {
    json,
    say: (text) => human.write(text + "\n"),
    warn: (text) => stderr.write(`warning: ${text}\n`),
    info: (text) => stderr.write(text + "\n"),
    result(data, lines) {
      if (json) stdout.write(JSON.stringify(data) + "\n");
      else for (const line of lines) stdout.write(line + "\n");
    },
    fail(err) {
      // An API error names its code too: it is what to search for, or to quote when asking for help.
      stderr.write(`error: ${err.message}${err instanceof ApiError ? ` (${err.code})` : ""}\n`);
      const requestId = err instanceof ApiError && err.requestId ? { request_id: err.requestId } : {};
      if (json) stdout.write(JSON.stringify({ error: { code: err.code, message: err.message, ...requestId } }) + "\n");
    },
    spinner(label) {
      if (!stderr.isTTY) return { stop() {} };
      let i = 0;
      const draw = () => stderr.write(`\r\x1b[K${FRAMES[i++ % FRAMES.length]} ${typeof label === "function" ? label() : label}`);
      draw();
      const timer = setInterval(draw, 100);
      return {
        stop() {
          clearInterval(timer);
          stderr.write("\r\x1b[K");
        },
      };
    },
  };
}
