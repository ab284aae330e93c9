import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { CliError } from "./errors";

// $MACHPAY_HOME (default ~/.machpay) holds config.json and one directory per device identity.
// config.json carries an access token, so it is written 0600 into a 0700 directory, atomically
// (a crash mid-write leaves the old file, never half a token).

export interface CliConfig {
  api_url?: string;
  auth?: { access_token: string; user_id: string; email: string | null };
  [other: string]: unknown;
}

export const configPath = (home: string) => join(home, "config.json");
export const defaultKeyPath = (home: string, identity: "agent" | "gateway") => join(home, identity, "secret_key.json");

/** The config, or an empty one when there is no file yet. */
export function readConfig(home: string): CliConfig {
  const path = configPath(home);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (typeof err === "object" && err !== null && "code" in err && err.code === "ENOENT") return {};
    throw new CliError(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, "config_unreadable");
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as CliConfig;
  } catch {
    // reported below
  }
  throw new CliError(`${path} is not a JSON object: fix or delete it`, "config_malformed");
}

export function writeConfig(home: string, config: CliConfig): string {
  const path = configPath(home);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const fd = openSync(temp, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(config, null, 2) + "\n");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new CliError(`cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`, "config_unwritable");
  }
  return path;
}
