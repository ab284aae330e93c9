import { afterAll, describe, expect, test } from "bun:test";
import { lamports } from "@solana/kit";
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
