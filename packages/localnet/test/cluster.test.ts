import { afterAll, describe, expect, test } from "bun:test";
import { createSolanaRpc, lamports } from "@solana/kit";
import { startLocalnet } from "../src/index";
import { BASE58, openChain } from "./support";

// Cluster methods: slots and block height at each commitment, health, version, genesis, rent.

const { ln, rpc, raw } = await openChain();
afterAll(() => ln.close());

describe("cluster methods", () => {
  test("getSlot, getBlockHeight and getEpochInfo follow commitment; finalized trails by FINALITY_SLOTS", async () => {
    const processed = await rpc.getSlot({ commitment: "processed" }).send();
    const confirmed = await rpc.getSlot({ commitment: "confirmed" }).send();
    // kit sends commitment "confirmed" when none is given; a bare request gets the node's default.
    const finalized = await rpc.getSlot({ commitment: "finalized" }).send();
    expect(BigInt((await raw("getSlot")).result)).toBe(finalized);
    expect(processed - confirmed).toBe(1n);
    expect(processed - finalized).toBe(2n);
    expect(await rpc.getBlockHeight({ commitment: "processed" }).send()).toBe(processed);
    ln.advance(3);
    expect(await rpc.getSlot({ commitment: "processed" }).send()).toBe(processed + 3n);

    const info = (await raw("getEpochInfo", [{ commitment: "processed" }])).result;
    expect(Object.keys(info).sort()).toEqual(["absoluteSlot", "blockHeight", "epoch", "slotIndex", "slotsInEpoch", "transactionCount"]);
    expect(info.absoluteSlot).toBe(Number(processed) + 3);
    expect(info.slotsInEpoch).toBe(432000);
    expect(info.slotIndex).toBeLessThan(432000);
  });

  test("getHealth, getVersion, getGenesisHash and getMinimumBalanceForRentExemption", async () => {
    expect((await raw("getHealth")).result).toBe("ok");
    const version = (await raw("getVersion")).result;
    expect(Object.keys(version).sort()).toEqual(["feature-set", "solana-core"]);
    expect(typeof version["feature-set"]).toBe("number");
    expect((await raw("getGenesisHash")).result).toMatch(BASE58);
    // The mainnet figures quoted in the RPC docs: system account, mint, token account.
    expect(await rpc.getMinimumBalanceForRentExemption(0n).send()).toBe(lamports(890_880n));
    expect(await rpc.getMinimumBalanceForRentExemption(82n).send()).toBe(lamports(1_461_600n));
    expect((await raw("getMinimumBalanceForRentExemption", [165])).result).toBe(2_039_280);
  });
});

describe("the genesis hash", () => {
  test("is the chain's own first blockhash by default, and stays the same as slots go by", async () => {
    const mine = (await raw("getGenesisHash")).result;
    expect(mine).toBe(ln.genesisHash);
    ln.advance(2);
    expect(await rpc.getGenesisHash().send()).toBe(mine);
    expect((await rpc.getLatestBlockhash({ commitment: "processed" }).send()).value.blockhash as string).not.toBe(mine);
  });

  test("can be devnet's or testnet's (CAIP-2 ids solana:EtWTRABZ... and solana:4uhcVJyU...), or any 32-byte hash; never mainnet's", async () => {
    const devnet = await startLocalnet({ port: 0, slotMs: 0, genesisHash: "devnet" });
    try {
      const hash = await createSolanaRpc(devnet.url).getGenesisHash().send();
      expect(hash as string).toBe("EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG");
      expect(`solana:${hash.slice(0, 32)}`).toBe("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1");
      // Blockhashes stay the chain's own: only the reported identity changes.
      const { value } = await createSolanaRpc(devnet.url).getLatestBlockhash().send();
      expect(value.blockhash).not.toBe(hash);
    } finally {
      await devnet.close();
    }
    const testnet = await startLocalnet({ port: 0, slotMs: 0, genesisHash: "testnet" });
    expect(testnet.genesisHash).toBe("4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY");
    await testnet.close();
    const custom = await startLocalnet({ port: 0, slotMs: 0, genesisHash: ln.genesisHash });
    expect(custom.genesisHash).toBe(ln.genesisHash);
    await custom.close();
    await expect(startLocalnet({ port: 0, slotMs: 0, genesisHash: "mainnet" })).rejects.toThrow("never presents itself as mainnet");
    await expect(startLocalnet({ port: 0, slotMs: 0, genesisHash: "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d" })).rejects.toThrow("mainnet");
    await expect(startLocalnet({ port: 0, slotMs: 0, genesisHash: "abc" })).rejects.toThrow("32 bytes");
    await expect(startLocalnet({ port: 0, slotMs: 0, genesisHash: "not base58 0OIl" })).rejects.toThrow("expected devnet, testnet or a base58 hash");
  });
});
