import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// Runs the real CLI (`bun run src/cli/main.ts ...`) as a subprocess with its own $MACHPAY_HOME and
// only the environment it is given, as a person would run it in a terminal.

export const CLI_MAIN = resolve(import.meta.dir, "../../src/cli/main.ts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  home: string;
  apiUrl?: string;
  /** Prepended to PATH (e.g. a directory with a stand-in xdg-open). */
  binDir?: string;
  /** More variables (MACHPAY_API_KEY, MACHPAY_SOLANA_RPC...). */
  extra?: Record<string, string>;
}

const tempDirs: string[] = [];

/** A fresh directory for $MACHPAY_HOME; removed by removeTempDirs(). */
export function tempHome(): string {
  const dir = mkdtempSync(join(tmpdir(), "machpay-cli-"));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs() {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function environment(env: CliEnv): Record<string, string> {
  const path = process.env.PATH ?? "/usr/bin:/bin";
  return {
    PATH: env.binDir ? `${env.binDir}:${path}` : path,
    HOME: env.home,
    MACHPAY_HOME: env.home,
    ...(env.apiUrl ? { MACHPAY_API_URL: env.apiUrl } : {}),
    ...env.extra,
  };
}

type StreamName = "stdout" | "stderr";

export interface RunningCli {
  /** Resolves with the match once the stream matches `pattern`; rejects if the CLI exits first. */
  waitFor(pattern: RegExp, stream?: StreamName): Promise<RegExpMatchArray>;
  done: Promise<CliResult>;
  kill(): void;
}

interface Waiter {
  pattern: RegExp;
  stream: StreamName;
  resolve(m: RegExpMatchArray): void;
  reject(e: Error): void;
}

export function startCli(args: string[], env: CliEnv, command: string[] = [process.execPath, "run", CLI_MAIN]): RunningCli {
  const proc = Bun.spawn([...command, ...args], { env: environment(env), stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const text: Record<StreamName, string> = { stdout: "", stderr: "" };
  let finished: CliResult | undefined;
  const waiters: Waiter[] = [];
  const exitedWithout = (w: Pick<Waiter, "pattern">, r: CliResult) =>
    new Error(`the CLI exited (${r.code}) without printing ${w.pattern}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const check = () => {
    for (const w of [...waiters]) {
      const m = text[w.stream].match(w.pattern);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  const read = async (name: StreamName, stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text[name] += decoder.decode(chunk, { stream: true });
      check();
    }
  };
  const reading = Promise.all([read("stdout", proc.stdout), read("stderr", proc.stderr)]);
  const done = (async (): Promise<CliResult> => {
    const code = await proc.exited;
    await reading;
    const result = { code, stdout: text.stdout, stderr: text.stderr };
    finished = result;
    for (const w of waiters.splice(0)) w.reject(exitedWithout(w, result));
    return result;
  })();
  return {
    waitFor: (pattern, stream = "stdout") =>
      new Promise((resolve, reject) => {
        const m = text[stream].match(pattern);
        if (m) resolve(m);
        else if (finished) reject(exitedWithout({ pattern }, finished));
        else waiters.push({ pattern, stream, resolve, reject });
      }),
    done,
    kill: () => proc.kill(),
  };
}

export function runCli(args: string[], env: CliEnv, command?: string[]): Promise<CliResult> {
  return startCli(args, env, command).done;
}
