// Why a server could not listen, in one line naming the variable to change. A taken port is the
// usual cause (a server or local chain still running from an earlier start); a stack trace would
// hide it.

export interface ListenTarget {
  /** Prefix of the line: "server", "localnet". */
  who: string;
  port: number;
  host: string;
  portVariable: string;
  hostVariable: string;
}

/** The line for a listen error, or undefined when `err` is something else. */
export function describeListenError(err: unknown, target: ListenTarget): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const { who, port, host, portVariable, hostVariable } = target;
  switch (code) {
    case "EADDRINUSE":
      return `${who}: port ${port} is in use; set ${portVariable} to another port`;
    case "EADDRNOTAVAIL":
      return `${who}: ${host} is not an address of this machine; set ${hostVariable} to one that is (0.0.0.0 for all)`;
    case "EACCES":
      return `${who}: not allowed to listen on port ${port}; set ${portVariable} to a port above 1023`;
    default:
      return undefined;
  }
}
