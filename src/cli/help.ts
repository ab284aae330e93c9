// Help texts: `machpay --help`, `machpay <group> --help`, `machpay <group> <command> --help`.

const GLOBAL = `Global options:
  --api-url URL   MachPay API (default: $MACHPAY_API_URL, then config.json's api_url, then http://localhost:8081)
  --json          print one JSON object on stdout instead of text (for scripts)
  -h, --help      show help
  -V, --version   show the version

Files live in $MACHPAY_HOME (default ~/.machpay): config.json, agent/secret_key.json, gateway/secret_key.json.`;

export const MAIN_HELP = `machpay: link agents and vendor gateways to MachPay, and check balances.

Usage: machpay <command> [options]

Commands:
  agent init        create this machine's agent key (if none) and show whether it is linked
  agent link        link the agent key to your Agent profile with a code you approve in the browser
  agent balance     show the linked agent's available, bonded and pending USDC
  gateway init      create the vendor gateway key (if none) and show whether it is linked
  gateway link      link the gateway key to your Vendor profile
  login             sign in through the browser and keep the access token in config.json
  mcp               run MachPay as an MCP server on stdio (for desktop MCP hosts)

Run 'machpay <command> --help' for a command's options.

${GLOBAL}`;

const KEYPAIR = "  --keypair PATH  the key file (Solana CLI format, a JSON array of 64 numbers)";

const deviceHelp = (group: "agent" | "gateway") => {
  const noun = group === "agent" ? "agent" : "vendor gateway";
  const profile = group === "agent" ? "Agent" : "Vendor";
  return {
    init: `Usage: machpay ${group} init [--keypair PATH] [--json]

Creates the ${noun} key at $MACHPAY_HOME/${group}/secret_key.json (mode 0600) unless a key file is
already there (it is never overwritten), prints its public key and whether it is linked.

Options:
${KEYPAIR} (default $MACHPAY_HOME/${group}/secret_key.json)

${GLOBAL}`,
    link: `Usage: machpay ${group} link [--keypair PATH] [--open] [--json]

Creates the key if needed, then asks the API for a pairing code. Open the printed page, sign in,
create your ${profile} profile if you have none, and approve the code. The command waits until
the code is approved (or expires, after 10 minutes).

Options:
${KEYPAIR} (default $MACHPAY_HOME/${group}/secret_key.json)
  --open          open the page in your browser

${GLOBAL}`,
  };
};

const AGENT = deviceHelp("agent");
const GATEWAY = deviceHelp("gateway");

const MCP_HELP = `Usage: machpay mcp [--keypair PATH]

Runs MachPay as a Model Context Protocol server on stdin/stdout, for an MCP host (Claude Desktop,
an IDE, an agent framework) to launch. Every message is relayed to <api-url>/mcp: the tools
(search_services, get_service, network_stats, get_balance, list_transactions, get_limits,
deposit_address, pay), resources and prompts are the API's. Nothing but the protocol is written to
stdout; notes go to stderr.

Credentials, the first found wins:
  MACHPAY_API_KEY         an agent API key (mp_sk_live_...); with write permission it can pay
  the agent key file      --keypair PATH, or $MACHPAY_HOME/agent/secret_key.json once linked:
                          every request signed by the key; read only (pay is refused)
  machpay login's token   from config.json; expires (an hour by default)
With none, only the discovery tools answer.

Options:
${KEYPAIR} (default $MACHPAY_HOME/agent/secret_key.json)

${GLOBAL}`;

export const HELP: Record<string, string> = {
  mcp: MCP_HELP,
  agent: `Usage: machpay agent <init|link|balance> [options]

  init      create the agent key (if none) and show whether it is linked
  link      link the agent key to your Agent profile
  balance   show available, bonded and pending USDC

Run 'machpay agent <command> --help' for details.`,
  "agent init": AGENT.init,
  "agent link": AGENT.link,
  "agent balance": `Usage: machpay agent balance [--keypair PATH] [--json]

Shows the linked agent's balances in USDC (6 decimals); with --json, the atomic amounts as strings.
Signed with the agent key: no login needed.

Options:
${KEYPAIR} (default $MACHPAY_HOME/agent/secret_key.json)

${GLOBAL}`,
  gateway: `Usage: machpay gateway <init|link> [options]

  init      create the vendor gateway key (if none) and show whether it is linked
  link      link the gateway key to your Vendor profile

Run 'machpay gateway <command> --help' for details.`,
  "gateway init": GATEWAY.init,
  "gateway link": GATEWAY.link,
  login: `Usage: machpay login [--no-browser] [--json]

Starts a callback server on 127.0.0.1 (a free port), opens <api-url>/console/auth/cli?port=<port>
in your browser, and waits up to 5 minutes for the console to hand over an access token. The
token is checked with the API and kept in $MACHPAY_HOME/config.json (mode 0600).

Options:
  --no-browser    only print the page's URL

${GLOBAL}`,
};
