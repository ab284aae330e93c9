import { Faucet, FaucetError } from "../faucet";
import { commitment, config, positional, pubkey, u64 } from "../params";
import { RpcError, invalidParams, type Methods } from "../rpc";

// The faucet methods: requestAirdrop (SOL) and the local-only machpay_mintTo (USDC into the
// owner's associated token account). Both return the signature of a landed transaction.

async function faucetCall(run: () => Promise<{ signature: string }>, what: string): Promise<string> {
  try {
    return (await run()).signature;
  } catch (err) {
    // A node answers a failed airdrop with -32603 (internal error).
    if (err instanceof FaucetError) throw new RpcError(-32603, `${what} failed: ${err.message}`);
    throw err;
  }
}

export function faucetMethods(faucet: Faucet): Methods {
  return {
    requestAirdrop: (params) => {
      const [to, amount, cfg] = positional(params, 2);
      const key = pubkey(to);
      const lamports = u64(amount, "lamports");
      commitment(config(cfg));
      return faucetCall(() => faucet.airdrop(key, lamports), "airdrop");
    },
    machpay_mintTo: (params) => {
      let owner: unknown;
      let amount: unknown;
      if (Array.isArray(params)) {
        [owner, amount] = positional(params, 2);
      } else if (params && typeof params === "object") {
        ({ owner, amount_atomic: amount } = params as Record<string, unknown>);
      } else {
        throw invalidParams("Invalid params: expected {owner, amount_atomic} or [owner, amount_atomic]");
      }
      const key = pubkey(owner);
      if (amount === undefined) throw invalidParams("Invalid params: missing field `amount_atomic`");
      const atomic = u64(amount, "amount_atomic");
      if (atomic === 0n) throw invalidParams("Invalid params: amount_atomic must be positive");
      return faucetCall(() => faucet.mintTo(key, atomic), "mintTo");
    },
  };
}
