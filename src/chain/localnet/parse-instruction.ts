import { getBase58Decoder, isSome } from "@solana/kit";
import {
  AssociatedTokenInstruction,
  ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
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
import {
  getAllocateInstructionDataDecoder,
  getAssignInstructionDataDecoder,
  getCreateAccountInstructionDataDecoder,
  getTransferSolInstructionDataDecoder,
  identifySystemInstruction,
  SYSTEM_PROGRAM_ADDRESS,
  SystemInstruction,
} from "@solana-program/system";
import type { Json } from "./json";
import { isTokenProgram, uiTokenAmount } from "./token";

// jsonParsed instructions as agave's transaction-status crate renders them (parse_token.rs,
// parse_associated_token.rs, parse_system.rs, the memo branch of parse_instruction.rs): parsable
// programs give {program, programId, parsed, stackHeight}; anything else, or data a parser
// rejects, falls back to {programId, accounts, data (base58), stackHeight}.

export const MEMO_V1 = "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo";
export const MEMO_V3 = "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr";
const ATA_PROGRAM = ASSOCIATED_TOKEN_PROGRAM_ADDRESS as string;
const SYSTEM_PROGRAM = SYSTEM_PROGRAM_ADDRESS as string;

const b58 = getBase58Decoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });

type Info = Record<string, Json | undefined>;
type Parsed = { type: string; info: Info };

/** A parser reports "not parsable" by returning null. */
type Parser = (data: Uint8Array, accounts: string[]) => Parsed | string | null;

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

function parseToken(data: Uint8Array, a: string[]): Parsed | null {
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
    case TokenInstruction.GetAccountDataSize:
      // Token-2022 extension types (bytes after the discriminator) are not rendered here.
      return need(1) && data.length === 1 ? { type: "getAccountDataSize", info: { mint: a[0] } } : null;
    default:
      return null;
  }
}

function parseAssociatedToken(data: Uint8Array, a: string[]): Parsed | null {
  if (data.length > 1) return null;
  const kind = data.length === 0 ? AssociatedTokenInstruction.CreateAssociatedToken : data[0];
  if (kind === AssociatedTokenInstruction.CreateAssociatedToken || kind === AssociatedTokenInstruction.CreateAssociatedTokenIdempotent) {
    if (a.length < 6) return null;
    const info = { source: a[0], account: a[1], wallet: a[2], mint: a[3], systemProgram: a[4], tokenProgram: a[5] };
    return { type: kind === AssociatedTokenInstruction.CreateAssociatedToken ? "create" : "createIdempotent", info };
  }
  if (kind === AssociatedTokenInstruction.RecoverNestedAssociatedToken && a.length >= 7) {
    const info = { nestedSource: a[0], nestedMint: a[1], destination: a[2], nestedOwner: a[3], ownerMint: a[4], wallet: a[5], tokenProgram: a[6] };
    return { type: "recoverNested", info };
  }
  return null;
}

function parseSystem(data: Uint8Array, a: string[]): Parsed | null {
  switch (identifySystemInstruction(data)) {
    case SystemInstruction.CreateAccount: {
      if (a.length < 2) return null;
      const d = getCreateAccountInstructionDataDecoder().decode(data);
      return { type: "createAccount", info: { source: a[0], newAccount: a[1], lamports: d.lamports, space: d.space, owner: d.programAddress } };
    }
    case SystemInstruction.Assign: {
      if (a.length < 1) return null;
      return { type: "assign", info: { account: a[0], owner: getAssignInstructionDataDecoder().decode(data).programAddress } };
    }
    case SystemInstruction.TransferSol: {
      if (a.length < 2) return null;
      return { type: "transfer", info: { source: a[0], destination: a[1], lamports: getTransferSolInstructionDataDecoder().decode(data).amount } };
    }
    case SystemInstruction.Allocate: {
      if (a.length < 1) return null;
      return { type: "allocate", info: { account: a[0], space: getAllocateInstructionDataDecoder().decode(data).space } };
    }
    default:
      return null;
  }
}

function parseMemo(data: Uint8Array): string | null {
  return utf8.decode(data);
}

const PARSERS: Record<string, { program: string; parse: Parser }> = {
  [SYSTEM_PROGRAM]: { program: "system", parse: parseSystem },
  [ATA_PROGRAM]: { program: "spl-associated-token-account", parse: parseAssociatedToken },
  [MEMO_V1]: { program: "spl-memo", parse: parseMemo },
  [MEMO_V3]: { program: "spl-memo", parse: parseMemo },
};

function parserFor(programId: string) {
  if (isTokenProgram(programId)) return { program: "spl-token", parse: parseToken };
  return PARSERS[programId];
}

export interface IxView {
  programId: string;
  accounts: Uint8Array;
  data: Uint8Array;
  stackHeight: number | null;
}

/** One instruction in jsonParsed form; `keys` is the transaction's full account key list. */
export function parsedInstruction(ix: IxView, keys: string[]): Json {
  const accounts = Array.from(ix.accounts, (i) => keys[i] ?? "");
  const parser = parserFor(ix.programId);
  if (parser) {
    let parsed: Parsed | string | null = null;
    try {
      parsed = parser.parse(ix.data, accounts);
    } catch {
      // Data the program's decoder rejects is "not parsable": fall through to the raw form.
    }
    if (parsed !== null) return { program: parser.program, programId: ix.programId, parsed, stackHeight: ix.stackHeight };
  }
  return { programId: ix.programId, accounts, data: b58.decode(ix.data), stackHeight: ix.stackHeight };
}

/** getSignaturesForAddress's memo: "[len] text" per top-level memo instruction, joined by "; ". */
export function extractMemo(instructions: { programId: string; data: Uint8Array }[]): string | null {
  const memos: string[] = [];
  for (const ix of instructions) {
    if (ix.programId !== MEMO_V1 && ix.programId !== MEMO_V3) continue;
    let text: string;
    try {
      text = utf8.decode(ix.data);
    } catch {
      text = "(unparsable)";
    }
    memos.push(`[${ix.data.length}] ${text}`);
  }
  return memos.length === 0 ? null : memos.join("; ");
}
