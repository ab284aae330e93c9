// Why the chain could not listen, in one line naming the variable to change. A taken port is the
// usual cause (a chain still running from an earlier start); a stack trace would hide it. The
// backend has the same wording for its own server; this copy keeps the package free of it.

export interface ListenTarget {
  port: number;
  host: string;
}

/** The line for a listen error, or undefined when `err` is something else. */
export function describeListenError(err: unknown, { port, host }: ListenTarget): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case "EADDRINUSE":
      return `localnet: port ${port} is in use; set LOCALNET_PORT to another port`;
    case "EADDRNOTAVAIL":
      return `localnet: ${host} is not an address of this machine; set LOCALNET_HOST to one that is (0.0.0.0 for all)`;
    case "EACCES":
      return `localnet: not allowed to listen on port ${port}; set LOCALNET_PORT to a port above 1023`;
    default:
      return undefined;
  }
}
