import { isSome } from "@solana/kit";
import {
  AuthorityType,
  getApproveCheckedInstructionDataDecoder,
  getApproveInstructionDataDecoder,
  getBurnCheckedInstructionDataDecoder,
  getBurnInstructionDataDecoder,
  getInitializeAccount2InstructionDataDecoder,
  getInitializeAccount3InstructionDataDecoder,
  getInitializeMint2InstructionDataDecoder,
  getInitializeMintInstructionDataDecoder,
  getMintToCheckedInstructionDataDecoder,
  getMintToInstructionDataDecoder,
  getSetAuthorityInstructionDataDecoder,
  getTransferCheckedInstructionDataDecoder,
  getTransferInstructionDataDecoder,
  identifyTokenInstruction,
  TokenInstruction,
} from "@solana-program/token";
import type { Json } from "./json";
import { uiTokenAmount } from "./token";

// SPL Token instructions in jsonParsed form, after agave's transaction-status/src/parse_token.rs
// (same types, info keys and multisig handling). Returns null for "not parsable".

export type Info = Record<string, Json | undefined>;
export type Parsed = { type: string; info: Info };

/** agave's parse_signers: single authority, or a multisig followed by its signers. */
function signers(info: Info, accounts: string[], lastNonSigner: number, ownerKey: string, multisigKey: string): Parsed["info"] {
  const owner = accounts[lastNonSigner];
  if (accounts.length > lastNonSigner + 1) {
    if (owner !== undefined) info[multisigKey] = owner;
    info.signers = accounts.slice(lastNonSigner + 1);
  } else if (owner !== undefined) {
    info[ownerKey] = owner;
  }
  return info;
}

const AUTHORITY_NAMES: Record<number, string> = {
  [AuthorityType.MintTokens]: "mintTokens",
  [AuthorityType.FreezeAccount]: "freezeAccount",
  [AuthorityType.AccountOwner]: "accountOwner",
  [AuthorityType.CloseAccount]: "closeAccount",
};

// Token-2022 ExtensionType values, as agave's UiExtensionType names them.
const EXTENSION_TYPES = [
  "uninitialized", "transferFeeConfig", "transferFeeAmount", "mintCloseAuthority", "confidentialTransferMint",
  "confidentialTransferAccount", "defaultAccountState", "immutableOwner", "memoTransfer", "nonTransferable",
  "interestBearingConfig", "cpiGuard", "permanentDelegate", "nonTransferableAccount", "transferHook",
  "transferHookAccount", "confidentialTransferFeeConfig", "confidentialTransferFeeAmount", "metadataPointer",
  "tokenMetadata", "groupPointer", "tokenGroup", "groupMemberPointer", "tokenGroupMember",
];

export function parseToken(data: Uint8Array, a: string[]): Parsed | null {
  const need = (n: number) => a.length >= n;
  const kind = identifyTokenInstruction(data);
  switch (kind) {
    case TokenInstruction.InitializeMint: {
      if (!need(2)) return null;
      const d = getInitializeMintInstructionDataDecoder().decode(data);
      const info: Info = { mint: a[0], decimals: d.decimals, mintAuthority: d.mintAuthority, rentSysvar: a[1] };
      if (isSome(d.freezeAuthority)) info.freezeAuthority = d.freezeAuthority.value;
      return { type: "initializeMint", info };
    }
    case TokenInstruction.InitializeMint2: {
      if (!need(1)) return null;
      const d = getInitializeMint2InstructionDataDecoder().decode(data);
      const info: Info = { mint: a[0], decimals: d.decimals, mintAuthority: d.mintAuthority };
      if (isSome(d.freezeAuthority)) info.freezeAuthority = d.freezeAuthority.value;
      return { type: "initializeMint2", info };
    }
    case TokenInstruction.InitializeAccount:
      return need(4) ? { type: "initializeAccount", info: { account: a[0], mint: a[1], owner: a[2], rentSysvar: a[3] } } : null;
    case TokenInstruction.InitializeAccount2: {
      if (!need(3)) return null;
      const { owner } = getInitializeAccount2InstructionDataDecoder().decode(data);
      return { type: "initializeAccount2", info: { account: a[0], mint: a[1], owner, rentSysvar: a[2] } };
    }
    case TokenInstruction.InitializeAccount3: {
      if (!need(2)) return null;
      const { owner } = getInitializeAccount3InstructionDataDecoder().decode(data);
      return { type: "initializeAccount3", info: { account: a[0], mint: a[1], owner } };
    }
    case TokenInstruction.Transfer: {
      if (!need(3)) return null;
      const { amount } = getTransferInstructionDataDecoder().decode(data);
      return { type: "transfer", info: signers({ source: a[0], destination: a[1], amount: amount.toString() }, a, 2, "authority", "multisigAuthority") };
    }
    case TokenInstruction.TransferChecked: {
      if (!need(4)) return null;
      const { amount, decimals } = getTransferCheckedInstructionDataDecoder().decode(data);
      const info = { source: a[0], mint: a[1], destination: a[2], tokenAmount: uiTokenAmount(amount, decimals) };
      return { type: "transferChecked", info: signers(info, a, 3, "authority", "multisigAuthority") };
    }
    case TokenInstruction.Approve: {
      if (!need(3)) return null;
      const { amount } = getApproveInstructionDataDecoder().decode(data);
      return { type: "approve", info: signers({ source: a[0], delegate: a[1], amount: amount.toString() }, a, 2, "owner", "multisigOwner") };
    }
    case TokenInstruction.ApproveChecked: {
      if (!need(4)) return null;
      const { amount, decimals } = getApproveCheckedInstructionDataDecoder().decode(data);
      const info = { source: a[0], mint: a[1], delegate: a[2], tokenAmount: uiTokenAmount(amount, decimals) };
      return { type: "approveChecked", info: signers(info, a, 3, "owner", "multisigOwner") };
    }
    case TokenInstruction.Revoke:
      return need(2) ? { type: "revoke", info: signers({ source: a[0] }, a, 1, "owner", "multisigOwner") } : null;
    case TokenInstruction.SetAuthority: {
      if (!need(2)) return null;
      const d = getSetAuthorityInstructionDataDecoder().decode(data);
      const owned = d.authorityType === AuthorityType.MintTokens || d.authorityType === AuthorityType.FreezeAccount ? "mint" : "account";
      const info: Info = {
        [owned]: a[0],
        authorityType: AUTHORITY_NAMES[d.authorityType] ?? "accountOwner",
        newAuthority: isSome(d.newAuthority) ? d.newAuthority.value : null,
      };
      return { type: "setAuthority", info: signers(info, a, 1, "authority", "multisigAuthority") };
    }
    case TokenInstruction.MintTo: {
      if (!need(3)) return null;
      const { amount } = getMintToInstructionDataDecoder().decode(data);
      return { type: "mintTo", info: signers({ mint: a[0], account: a[1], amount: amount.toString() }, a, 2, "mintAuthority", "multisigMintAuthority") };
    }
    case TokenInstruction.MintToChecked: {
      if (!need(3)) return null;
      const { amount, decimals } = getMintToCheckedInstructionDataDecoder().decode(data);
      const info = { mint: a[0], account: a[1], tokenAmount: uiTokenAmount(amount, decimals) };
      return { type: "mintToChecked", info: signers(info, a, 2, "mintAuthority", "multisigMintAuthority") };
    }
    case TokenInstruction.Burn: {
      if (!need(3)) return null;
      const { amount } = getBurnInstructionDataDecoder().decode(data);
      return { type: "burn", info: signers({ account: a[0], mint: a[1], amount: amount.toString() }, a, 2, "authority", "multisigAuthority") };
    }
    case TokenInstruction.BurnChecked: {
      if (!need(3)) return null;
      const { amount, decimals } = getBurnCheckedInstructionDataDecoder().decode(data);
      const info = { account: a[0], mint: a[1], tokenAmount: uiTokenAmount(amount, decimals) };
      return { type: "burnChecked", info: signers(info, a, 2, "authority", "multisigAuthority") };
    }
    case TokenInstruction.CloseAccount:
      return need(3) ? { type: "closeAccount", info: signers({ account: a[0], destination: a[1] }, a, 2, "owner", "multisigOwner") } : null;
    case TokenInstruction.FreezeAccount:
      return need(3) ? { type: "freezeAccount", info: signers({ account: a[0], mint: a[1] }, a, 2, "freezeAuthority", "multisigFreezeAuthority") } : null;
    case TokenInstruction.ThawAccount:
      return need(3) ? { type: "thawAccount", info: signers({ account: a[0], mint: a[1] }, a, 2, "freezeAuthority", "multisigFreezeAuthority") } : null;
    case TokenInstruction.SyncNative:
      return need(1) ? { type: "syncNative", info: { account: a[0] } } : null;
    case TokenInstruction.InitializeImmutableOwner:
      return need(1) ? { type: "initializeImmutableOwner", info: { account: a[0] } } : null;
    case TokenInstruction.GetAccountDataSize: {
      if (!need(1) || data.length % 2 !== 1) return null;
      const info: Info = { mint: a[0] };
      const types: string[] = [];
      for (let i = 1; i < data.length; i += 2) {
        const name = EXTENSION_TYPES[data[i]! | (data[i + 1]! << 8)];
        if (name === undefined) return null;
        types.push(name);
      }
      if (types.length > 0) info.extensionTypes = types;
      return { type: "getAccountDataSize", info };
    }
    default:
      return null;
  }
}
