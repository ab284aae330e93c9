import net from "node:net";

// A TCP proxy in front of PostgreSQL that can fail the way networks do, for tests of what the app
// does when its database connection dies at a chosen moment.

// CommandComplete ('C', length 11) with the tag COMMIT: PostgreSQL has committed.
const COMMIT_COMPLETE = Buffer.from([0x43, 0, 0, 0, 11, ...Buffer.from("COMMIT\0")]);

export interface PgProxy {
  /** postgres:// URL of `database` through the proxy. */
  url(database: string): string;
  /**
   * The next COMMIT's answer is dropped and its connection cut: committed, but the app cannot know.
   * With `downForMs`, the proxy then refuses every connection that long, from the same instant.
   * With `on`, only a COMMIT on a connection that has sent that text (a payment's Idempotency-Key):
   * background jobs committing meanwhile keep their answers.
   */
  loseNextCommitAnswer(options?: { downForMs?: number; on?: string }): void;
  /** While down, new connections are refused and open ones cut. */
  setDown(down: boolean): void;
  cuts(): number;
  close(): Promise<void>;
}

export async function startPgProxy(target: URL): Promise<PgProxy> {
  let loseCommit: { downForMs?: number; on?: string } | undefined;
  let down = false;
  let cuts = 0;
  const open = new Set<() => void>();
  const server = net.createServer((client) => {
    if (down) return client.destroy();
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    const cut = () => {
      client.destroy();
      upstream.destroy();
      open.delete(cut);
    };
    open.add(cut);
    let marked = false;
    client.on("data", (d: Buffer) => {
      if (loseCommit?.on !== undefined && d.includes(loseCommit.on)) marked = true;
      upstream.write(d);
    });
    upstream.on("data", (d: Buffer) => {
      if (loseCommit && (loseCommit.on === undefined || marked) && d.indexOf(COMMIT_COMPLETE) >= 0) {
        const { downForMs } = loseCommit;
        loseCommit = undefined;
        cuts++;
        if (downForMs) {
          setDown(true);
          setTimeout(() => setDown(false), downForMs);
        }
        return cut();
      }
      client.write(d);
    });
    for (const s of [client, upstream]) {
      s.on("error", cut);
      s.on("close", cut);
    }
  });
  const setDown = (value: boolean) => {
    down = value;
    if (value) for (const c of [...open]) c();
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url(database) {
      const u = new URL(target.toString());
      u.hostname = "127.0.0.1";
      u.port = String(port);
      u.pathname = `/${database}`;
      return u.toString();
    },
    loseNextCommitAnswer: (options = {}) => (loseCommit = options),
    setDown,
    cuts: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const cut of [...open]) cut();
        server.close(() => resolve());
      }),
  };
}
