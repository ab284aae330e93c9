import { randomBytes } from "node:crypto";
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import * as v from "valibot";
import { ConfigSchema, type Config } from "@/config";
import type { Logger } from "@/core/logger";
import { generateSigningJwk } from "./tokens";

// Development secrets that survive a restart. With NODE_ENV=development and JWT_PRIVATE_KEY or
// API_KEY_PEPPER unset, the server and `bun run simulate` use the ones kept in one file (created
// once, mode 0600), so dev tokens and API keys outlive a restart and the two processes agree.
// Only the file's path is ever logged: the key mints tokens for any user. Tests (NODE_ENV=test)
// never come here and keep generating in memory; production must be given both.

/**
 * Relative to the working directory, like `.data/env` and `.data/localnet.log`: the repository
 * root under `npm run dev` and `bun run simulate` (npm and bun run scripts from there).
 */
export const DEV_SECRETS_FILE = ".data/dev-secrets.json";

const DevSecretsSchema = v.object({
  JWT_PRIVATE_KEY: v.pipe(v.string(), v.check((s) => v.is(ConfigSchema.entries.JWT_PRIVATE_KEY, s))),
  API_KEY_PEPPER: v.pipe(v.string(), v.check((s) => v.is(ConfigSchema.entries.API_KEY_PEPPER, s))),
});
type DevSecrets = v.InferOutput<typeof DevSecretsSchema>;

const SECRET_KEYS = ["JWT_PRIVATE_KEY", "API_KEY_PEPPER"] as const;

/** The config with its unset development secrets filled from the file (created when absent). */
export async function withDevSecrets(config: Config, logger: Logger, file: string = DEV_SECRETS_FILE): Promise<Config> {
  if (config.NODE_ENV !== "development") return config;
  const unset = SECRET_KEYS.filter((key) => config[key] === undefined);
  if (unset.length === 0) return config;
  const path = resolve(file);
  const secrets = (await readDevSecrets(path)) ?? (await createDevSecrets(path));
  logger.info(`${unset.join(" and ")} unset: using the development ${unset.length > 1 ? "secrets" : "secret"} kept in a file`, {
    file: path,
  });
  return { ...config, JWT_PRIVATE_KEY: config.JWT_PRIVATE_KEY ?? secrets.JWT_PRIVATE_KEY, API_KEY_PEPPER: config.API_KEY_PEPPER ?? secrets.API_KEY_PEPPER };
}

async function readDevSecrets(path: string): Promise<DevSecrets | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const parsed = v.safeParse(DevSecretsSchema, parseJson(text));
  if (!parsed.success) throw new Error(`${path} does not hold valid development secrets; delete it to have new ones generated`);
  // A copy made readable to others (cp, an editor) is put back to owner-only.
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  return parsed.output;
}

/**
 * Writes a complete file under a temporary name, then links it into place: link() fails when the
 * file exists, so a server and a simulator starting together never overwrite each other's key,
 * and neither can read a half-written file. The loser reads the winner's.
 */
async function createDevSecrets(path: string): Promise<DevSecrets> {
  const secrets: DevSecrets = {
    JWT_PRIVATE_KEY: JSON.stringify(await generateSigningJwk()),
    API_KEY_PEPPER: randomBytes(32).toString("base64url"),
  };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temporary, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  try {
    await link(temporary, path);
    return secrets;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    const existing = await readDevSecrets(path);
    if (!existing) throw new Error(`${path} appeared and vanished while it was being created; start again`);
    return existing;
  } finally {
    await unlink(temporary);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
