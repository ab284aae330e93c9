import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pkg from "../../package.json";
import { openUrl } from "./browser";
import { balanceCommand } from "./commands/balance";
import { AGENT, GATEWAY, initCommand } from "./commands/device";
import { linkCommand } from "./commands/link";
import { loginCommand } from "./commands/login";
import { mcpCommand } from "./commands/mcp";
import { readConfig } from "./config";
import type { CliContext } from "./context";
import { asCliError, usageError } from "./errors";
import { HELP, MAIN_HELP } from "./help";
import { createOutput, type Stream } from "./output";

// The `machpay` CLI: argument parsing and dispatch. The only file that reads the environment;
// everything else gets its settings through CliContext.

const DEFAULT_API_URL = "http://localhost:8081";

const OPTIONS = {
  "api-url": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
  keypair: { type: "string" },
  open: { type: "boolean" },
  "no-browser": { type: "boolean" },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "string" ? string : boolean };
type OptionName = keyof typeof OPTIONS;

const GLOBAL_OPTIONS: OptionName[] = ["api-url", "json", "help", "version"];

const COMMANDS: Record<string, { options: OptionName[]; run(ctx: CliContext, v: Values): Promise<void> }> = {
  "agent init": { options: ["keypair"], run: (ctx, v) => initCommand(ctx, AGENT, { keypair: v.keypair }) },
  "agent link": { options: ["keypair", "open"], run: (ctx, v) => linkCommand(ctx, AGENT, { keypair: v.keypair, open: v.open ?? false }) },
  "agent balance": { options: ["keypair"], run: (ctx, v) => balanceCommand(ctx, { keypair: v.keypair }) },
  "gateway init": { options: ["keypair"], run: (ctx, v) => initCommand(ctx, GATEWAY, { keypair: v.keypair }) },
  "gateway link": { options: ["keypair", "open"], run: (ctx, v) => linkCommand(ctx, GATEWAY, { keypair: v.keypair, open: v.open ?? false }) },
  login: { options: ["no-browser"], run: (ctx, v) => loginCommand(ctx, { noBrowser: v["no-browser"] ?? false }) },
  mcp: { options: ["keypair"], run: (ctx, v) => mcpCommand(ctx, { keypair: v.keypair }) },
};

const GROUPS = new Set(["agent", "gateway"]);

export interface Environment {
  MACHPAY_HOME?: string | undefined;
  MACHPAY_API_URL?: string | undefined;
  MACHPAY_API_KEY?: string | undefined;
  home: string;
  platform: string;
}

function normaliseApiUrl(raw: string, source: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`${source} is not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw usageError(`${source} must be an http(s) URL: ${raw}`);
  return url.toString().replace(/\/+$/, "");
}

function resolveApiUrl(flag: string | undefined, env: Environment, home: string): string {
  if (flag !== undefined) return normaliseApiUrl(flag, "--api-url");
  if (env.MACHPAY_API_URL) return normaliseApiUrl(env.MACHPAY_API_URL, "MACHPAY_API_URL");
  const saved = readConfig(home).api_url;
  if (typeof saved === "string" && saved) return normaliseApiUrl(saved, "api_url in config.json");
  return DEFAULT_API_URL;
}

/** Runs one command line; returns the exit code. */
export async function run(argv: string[], env: Environment, stdout: Stream, stderr: Stream): Promise<number> {
  const out = createOutput(stdout, stderr, argv.includes("--json"));
  try {
    let parsed: { values: Values; positionals: string[] };
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (err) {
      throw usageError(`${err instanceof Error ? err.message : String(err)}. Run 'machpay --help'.`);
    }
    const { values } = parsed;
    let positionals = parsed.positionals;
    if (values.version) {
      stdout.write(`machpay ${pkg.version}\n`);
      return 0;
    }
    const askedHelp = positionals[0] === "help";
    if (askedHelp) positionals = positionals.slice(1);
    const name = GROUPS.has(positionals[0] ?? "") && positionals.length > 1 ? positionals.slice(0, 2).join(" ") : (positionals[0] ?? "");
    const extra = positionals.slice(name ? name.split(" ").length : 0);

    if (!name || (GROUPS.has(name) && !COMMANDS[name])) {
      const text = name ? HELP[name]! : MAIN_HELP;
      if (values.help || askedHelp) {
        stdout.write(text + "\n");
        return 0;
      }
      stderr.write(text + "\n");
      return 2;
    }
    const command = COMMANDS[name];
    if (!command) throw usageError(`unknown command '${positionals.join(" ")}'. Run 'machpay --help'.`);
    if (values.help || askedHelp) {
      stdout.write(HELP[name] + "\n");
      return 0;
    }
    if (extra.length > 0) throw usageError(`unexpected argument '${extra[0]}' for 'machpay ${name}'. Run 'machpay ${name} --help'.`);
    for (const option of Object.keys(values) as OptionName[]) {
      if (!GLOBAL_OPTIONS.includes(option) && !command.options.includes(option)) {
        throw usageError(`'machpay ${name}' has no option --${option}. Run 'machpay ${name} --help'.`);
      }
    }

    const home = env.MACHPAY_HOME || join(env.home, ".machpay");
    const ctx: CliContext = {
      apiUrl: resolveApiUrl(values["api-url"], env, home),
      home,
      apiKey: env.MACHPAY_API_KEY || undefined,
      out,
      nowSeconds: () => Math.floor(Date.now() / 1000),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      openUrl: (url) => openUrl(url, env.platform),
    };
    await command.run(ctx, values);
    return 0;
  } catch (err) {
    const error = asCliError(err);
    out.fail(error);
    return error.exitCode;
  }
}

if (import.meta.main) {
  const env: Environment = {
    MACHPAY_HOME: process.env.MACHPAY_HOME,
    MACHPAY_API_URL: process.env.MACHPAY_API_URL,
    MACHPAY_API_KEY: process.env.MACHPAY_API_KEY,
    home: homedir(),
    platform: process.platform,
  };
  process.exitCode = await run(process.argv.slice(2), env, process.stdout, process.stderr);
}
