import { startLocalnet, type Localnet, type LocalnetOptions } from "../../packages/localnet";

// The local Solana chain for tests, in-process on a free port. The slot timer is off by default
// so that commitment is deterministic: a transaction lands "processed" in its own slot and only
// becomes confirmed / finalized when the test calls advance() (1 slot confirms, 2 finalize).
// Pass { slotMs: 50 } for a chain whose slots move on their own (e.g. a worker polling).

export type TestLocalnet = Localnet;

export function startTestLocalnet(options: LocalnetOptions = {}): Promise<TestLocalnet> {
  return startLocalnet({ port: 0, slotMs: 0, ...options });
}
