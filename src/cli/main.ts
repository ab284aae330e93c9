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
import { depositAddressCommand, depositCommand } from "./commands/deposit";
import { payCommand, transactionsCommand } from "./commands/pay";
import { registerAgentCommand, registerVendorCommand } from "./commands/register";
import { servicesSearchCommand } from "./commands/services";
import { endpointsAddCommand, endpointsListCommand, payoutCommand, statsCommand } from "./commands/vendor";
import { walletLoginCommand } from "./commands/wallet-login";
import { readConfig } from "./config";
import type { CliContext } from "./context";
import { asCliError, usageError } from "./errors";
import { HELP, MAIN_HELP } from "./help";
import { createOutput, type Stream } from "./output";

// The `machpay` CLI: argument parsing and dispatch. The only file that reads the environment;
// everything else gets its settings through CliContext.

const DEFAULT_API_URL = "http://localhost:8081";
/** The local chain `npm run dev` starts (LOCALNET_PORT, 8899 by default). */
const DEFAULT_SOLANA_RPC = "http://127.0.0.1:8899";

const OPTIONS = {
  "api-url": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
  keypair: { type: "string" },
  open: { type: "boolean" },
  "no-browser": { type: "boolean" },
  wallet: { type: "boolean" },
  tx: { type: "string" },
  rpc: { type: "string" },
  limit: { type: "string" },
  reference: { type: "string" },
  "idempotency-key": { type: "string" },
  price: { type: "string" },
  url: { type: "string" },
  id: { type: "string" },
  description: { type: "string" },
  "service-type": { type: "string" },
  "withdrawal-address": { type: "string" },
  to: { type: "string" },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "string" ? string : boolean };
type OptionName = keyof typeof OPTIONS;

const GLOBAL_OPTIONS: OptionName[] = ["api-url", "json", "help", "version"];

/** `args`: how many positional arguments the command takes (none by default); `a` holds them. */
const COMMANDS: Record<string, { options: OptionName[]; args?: number; run(ctx: CliContext, v: Values, a: (string | undefined)[]): Promise<void> }> = {
  "agent init": { options: ["keypair"], run: (ctx, v) => initCommand(ctx, AGENT, { keypair: v.keypair }) },
  "agent link": { options: ["keypair", "open"], run: (ctx, v) => linkCommand(ctx, AGENT, { keypair: v.keypair, open: v.open ?? false }) },
  "agent balance": { options: ["keypair"], run: (ctx, v) => balanceCommand(ctx, { keypair: v.keypair }) },
  "gateway init": { options: ["keypair"], run: (ctx, v) => initCommand(ctx, GATEWAY, { keypair: v.keypair }) },
  "gateway link": { options: ["keypair", "open"], run: (ctx, v) => linkCommand(ctx, GATEWAY, { keypair: v.keypair, open: v.open ?? false }) },
  login: {
    options: ["no-browser", "wallet", "keypair"],
    run: (ctx, v) => (v.wallet ? walletLoginCommand(ctx, { keypair: v.keypair }) : loginCommand(ctx, { noBrowser: v["no-browser"] ?? false })),
  },
  "agent register": { options: [], args: 1, run: (ctx, _v, a) => registerAgentCommand(ctx, a[0]) },
  "agent deposit": { options: ["tx", "rpc", "keypair"], args: 1, run: (ctx, v, a) => depositCommand(ctx, a[0], { tx: v.tx, keypair: v.keypair }) },
  "agent deposit-address": { options: [], run: (ctx) => depositAddressCommand(ctx) },
  "agent transactions": { options: ["limit"], run: (ctx, v) => transactionsCommand(ctx, { limit: v.limit }) },
  pay: {
    options: ["reference", "idempotency-key"],
    args: 2,
    run: (ctx, v, a) => payCommand(ctx, a[0], a[1], { reference: v.reference, idempotencyKey: v["idempotency-key"] }),
  },
  "services search": { options: ["limit"], args: 1, run: (ctx, v, a) => servicesSearchCommand(ctx, a[0], { limit: v.limit }) },
  "vendor register": {
    options: ["price", "service-type", "withdrawal-address"],
    args: 1,
    run: (ctx, v, a) => registerVendorCommand(ctx, a[0], { price: v.price, serviceType: v["service-type"], withdrawalAddress: v["withdrawal-address"] }),
  },
  "vendor endpoints add": {
    options: ["price", "url", "id", "description", "service-type"],
    args: 1,
    run: (ctx, v, a) => endpointsAddCommand(ctx, a[0], { price: v.price, url: v.url, id: v.id, description: v.description, serviceType: v["service-type"] }),
  },
  "vendor endpoints list": { options: [], run: (ctx) => endpointsListCommand(ctx) },
  "vendor payout": { options: ["to", "reference"], args: 1, run: (ctx, v, a) => payoutCommand(ctx, a[0], { to: v.to, reference: v.reference }) },
  "vendor stats": { options: [], run: (ctx) => statsCommand(ctx) },
  mcp: { options: ["keypair"], run: (ctx, v) => mcpCommand(ctx, { keypair: v.keypair }) },
};

const GROUPS = new Set(["agent", "gateway", "vendor", "vendor endpoints", "services"]);

export interface Environment {
  MACHPAY_HOME?: string | undefined;
  MACHPAY_API_URL?: string | undefined;
  MACHPAY_API_KEY?: string | undefined;
  MACHPAY_SOLANA_RPC?: string | undefined;
  home: string;
  platform: string;
}

/** The longest known command (or group) the words start with: "vendor endpoints add", "agent", "pay". */
function commandName(positionals: string[]): string {
  for (let n = Math.min(3, positionals.length); n >= 1; n--) {
    const candidate = positionals.slice(0, n).join(" ");
    if (COMMANDS[candidate] || GROUPS.has(candidate)) return candidate;
  }
  return positionals[0] ?? "";
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
    const name = commandName(positionals);
    const extra = positionals.slice(name ? name.split(" ").length : 0);

    if (!name || (GROUPS.has(name) && !COMMANDS[name])) {
      if (extra.length > 0) throw usageError(`unknown command '${positionals.join(" ")}'. Run 'machpay ${name} --help'.`);
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
    if (extra.length > (command.args ?? 0)) {
      throw usageError(`unexpected argument '${extra[command.args ?? 0]}' for 'machpay ${name}'. Run 'machpay ${name} --help'.`);
    }
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
      solanaRpc: values.rpc ?? (env.MACHPAY_SOLANA_RPC || DEFAULT_SOLANA_RPC),
      out,
      nowSeconds: () => Math.floor(Date.now() / 1000),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      openUrl: (url) => openUrl(url, env.platform),
    };
    await command.run(ctx, values, extra);
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
    MACHPAY_SOLANA_RPC: process.env.MACHPAY_SOLANA_RPC,
    home: homedir(),
    platform: process.platform,
  };
  process.exitCode = await run(process.argv.slice(2), env, process.stdout, process.stderr);
}
