// Help texts: `machpay --help`, `machpay <group> --help`, `machpay <group> <command> --help`.

const GLOBAL = `Global options:
  --api-url URL   MachPay API (default: $MACHPAY_API_URL, then config.json's api_url, then http://localhost:8081)
  --json          print one JSON object on stdout instead of text (for scripts)
  -h, --help      show help
  -V, --version   show the version

Files live in $MACHPAY_HOME (default ~/.machpay): config.json, agent/secret_key.json, gateway/secret_key.json.`;

export const MAIN_HELP = `machpay: link agents and vendor gateways to MachPay, move USDC, pay for services.

Usage: machpay <command> [options]

Commands:
  agent init        create this machine's agent key (if none) and show whether it is linked
  agent link        link the agent key to your Agent profile with a code you approve in the browser
  agent balance     show the linked agent's available, bonded and pending USDC
  agent register    create the signed-in user's Agent profile
  agent deposit     deposit USDC (the local chain's faucet and a real transfer, or --tx SIGNATURE)
  agent deposit-address  where to send USDC from your own wallet
  agent transactions  list the agent's payments
  pay               pay a service or vendor in USDC
  services search   search the marketplace
  vendor register   create the signed-in user's Vendor profile
  vendor endpoints add|list  list a paid endpoint in the marketplace, or show yours
  vendor payout     pay out earned USDC to your wallet
  vendor stats      revenue, payments, settlement and latency
  gateway init      create the vendor gateway key (if none) and show whether it is linked
  gateway link      link the gateway key to your Vendor profile
  login             sign in through the browser (or --wallet with a key file) and keep the token
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

const ACCOUNT = `Signs in with MACHPAY_API_KEY (an API key; moving money needs write permission) or else the
token of \`machpay login\` / \`machpay login --wallet\` (it expires: an hour by default).`;

const ACCOUNT_HELP: Record<string, string> = {
  "agent register": `Usage: machpay agent register <name> [--json]

Creates the signed-in user's Agent profile (the user becomes an architect: can deposit and pay).

${ACCOUNT}

${GLOBAL}`,
  "agent deposit": `Usage: machpay agent deposit <usdc> [--keypair PATH] [--rpc URL] [--json]
       machpay agent deposit --tx SIGNATURE [--json]

On the local chain of \`npm run dev\`: the faucet (machpay_mintTo) mints <usdc> to your wallet key
($MACHPAY_HOME/wallet/secret_key.json, created if missing; the one of \`login --wallet\`), a real SPL
transferChecked sends it to the vault with your account's memo, the command shows its
confirmations until it is finalized, then claims it (POST /v1/agent/deposit) and shows the balance.
On another chain, send USDC to \`machpay agent deposit-address\` yourself and claim it with --tx.

Options:
  --tx SIGNATURE  claim a transfer already sent (no faucet, no transfer)
  --rpc URL       the Solana RPC (default $MACHPAY_SOLANA_RPC, then http://127.0.0.1:8899)
${KEYPAIR} (default $MACHPAY_HOME/wallet/secret_key.json)

${ACCOUNT}

${GLOBAL}`,
  "agent deposit-address": `Usage: machpay agent deposit-address [--json]

Shows the vault token account to send USDC to, the mint, and the memo to add from a wallet that is
not your sign-in wallet.

${ACCOUNT}

${GLOBAL}`,
  "agent transactions": `Usage: machpay agent transactions [--limit N] [--json]

The agent's payments, newest first (--limit, default 20, at most 200).

${ACCOUNT}

${GLOBAL}`,
  pay: `Usage: machpay pay <service-id or vendor id> <usdc> [--reference REF] [--idempotency-key KEY] [--json]

Pays <usdc> (e.g. 0.01) from the agent's balance. The payment carries an Idempotency-Key, printed on
stderr: if the outcome is unknown (a dropped connection), run the same command with
--idempotency-key KEY; it never pays twice.

${ACCOUNT}

${GLOBAL}`,
  services: `Usage: machpay services search <text> [--limit N]

Run 'machpay services search --help' for details.`,
  "services search": `Usage: machpay services search <text> [--limit N] [--json]

Searches the marketplace by meaning and words; price words work ("cheap", "under 0.01 USDC").
No sign-in needed. --limit: default 10, at most 50.

${GLOBAL}`,
  vendor: `Usage: machpay vendor <register|endpoints add|endpoints list|payout|stats> [options]

  register         create the signed-in user's Vendor profile
  endpoints add    list a paid endpoint in the marketplace
  endpoints list   your endpoints
  payout           pay out earned USDC
  stats            revenue, payments, settlement and latency

Run 'machpay vendor <command> --help' for details.`,
  "vendor register": `Usage: machpay vendor register <name> [--price USDC] [--service-type TYPE] [--withdrawal-address WALLET] [--json]

Creates the signed-in user's Vendor profile (the user becomes an operator). Payouts go to
--withdrawal-address, by default the wallet key of \`machpay login --wallet\`. --price is the base
price per call (default 0.01), --service-type defaults to "api".

${ACCOUNT}

${GLOBAL}`,
  "vendor endpoints": `Usage: machpay vendor endpoints <add|list> [options]

Run 'machpay vendor endpoints add --help' for details.`,
  "vendor endpoints add": `Usage: machpay vendor endpoints add <name> --price USDC --url URL [--id ID] [--description TEXT] [--service-type TYPE] [--json]

Lists a paid endpoint: agents find it with \`machpay services search\` and pay it by its id (from
--id, else made from the name). Adding an id you already have updates it.

${ACCOUNT}

${GLOBAL}`,
  "vendor endpoints list": `Usage: machpay vendor endpoints list [--json]

${ACCOUNT}

${GLOBAL}`,
  "vendor payout": `Usage: machpay vendor payout <usdc> [--to WALLET] [--reference REF] [--json]

Requests a payout of earned, unsettled USDC to the profile's withdrawal address (or --to). The
reference (printed on stderr; --reference to choose it) identifies the payout: the same reference
never pays out twice.

${ACCOUNT}

${GLOBAL}`,
  "vendor stats": `Usage: machpay vendor stats [--json]

${ACCOUNT}

${GLOBAL}`,
};

export const HELP: Record<string, string> = {
  ...ACCOUNT_HELP,
  mcp: MCP_HELP,
  agent: `Usage: machpay agent <command> [options]

  init            create the agent key (if none) and show whether it is linked
  link            link the agent key to your Agent profile
  balance         show available, bonded and pending USDC
  register        create the signed-in user's Agent profile
  deposit         deposit USDC (local chain faucet, or --tx SIGNATURE)
  deposit-address where to send USDC yourself
  transactions    the agent's payments

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
       machpay login --wallet [--keypair PATH] [--json]

With --wallet: signs in with a Solana key file (Sign-In-With-Solana, no browser), by default
$MACHPAY_HOME/wallet/secret_key.json (created if missing), and keeps the token the same way.

Starts a callback server on 127.0.0.1 (a free port), opens <api-url>/console/auth/cli?port=<port>
in your browser, and waits up to 5 minutes for the console to hand over an access token. The
token is checked with the API and kept in $MACHPAY_HOME/config.json (mode 0600).

Options:
  --no-browser    only print the page's URL
  --wallet        sign in with a key file instead of the browser
${KEYPAIR} (with --wallet)

${GLOBAL}`,
};
