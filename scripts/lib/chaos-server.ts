// The server of a fault run: `bun src/main.ts` on one port for the whole run (clients find a
// restarted server where the killed one was), its log appended to one file, and every exit it
// made by itself counted.
import { openSync } from "node:fs";
import { startServer, type StartedServer } from "./bench";

export interface ChaosServer {
  url: string;
  /** SIGKILL; an exit we caused, not a crash. */
  kill9(): Promise<void>;
  /** Starts it again on the same port; resolves once /health answers. */
  restart(): Promise<void>;
  /** Exits nobody asked for (a crash) so far. */
  unexpectedExits(): number;
  /** SIGTERM, then SIGKILL after `deadlineMs`: true when it exited on SIGTERM in time. */
  stop(deadlineMs: number): Promise<boolean>;
}

export async function startChaosServer(env: Record<string, string>, logFile: string): Promise<ChaosServer> {
  const log = openSync(logFile, "w");
  // Below Linux's ephemeral range (32768+), where the clients' own connections take ports.
  const port = 20000 + Math.floor(Math.random() * 12000);
  let current: StartedServer | undefined;
  let expectingExit = false;
  let unexpected = 0;
  const launch = async () => {
    const started = await startServer(env, { port, stdout: log });
    void started.exited.then(() => {
      if (!expectingExit && current === started) unexpected++;
    });
    current = started;
    expectingExit = false;
  };
  await launch();
  return {
    url: current!.url,
    async kill9() {
      expectingExit = true;
      await current?.kill9();
    },
    restart: launch,
    unexpectedExits: () => unexpected,
    async stop(deadlineMs) {
      expectingExit = true;
      return current ? current.stop(deadlineMs) : true;
    },
  };
}
