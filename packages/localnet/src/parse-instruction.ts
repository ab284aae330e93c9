import { getBase58Decoder } from "@solana/kit";
import { AssociatedTokenInstruction, ASSOCIATED_TOKEN_PROGRAM_ADDRESS } from "@solana-program/token";
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
import { parseToken, type Parsed } from "./parse-token";
import { isTokenProgram } from "./token";

// jsonParsed instructions as agave's transaction-status crate renders them (parse_token.rs is in
// parse-token.ts; parse_associated_token.rs, parse_system.rs and the memo branch of
// parse_instruction.rs here): parsable programs give {program, programId, parsed, stackHeight};
// anything else, or data a parser rejects, falls back to {programId, accounts, data (base58),
// stackHeight}.

export const MEMO_V1 = "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo";
export const MEMO_V3 = "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr";
// The address @solana-program/memo uses by default.
export const MEMO_V4 = "Memo4c2pN8afCj432Lb7RMVKi9PbQnnW7ewFFaV3oAH";
const MEMO_PROGRAMS = new Set([MEMO_V1, MEMO_V3, MEMO_V4]);
const ATA_PROGRAM = ASSOCIATED_TOKEN_PROGRAM_ADDRESS as string;
const SYSTEM_PROGRAM = SYSTEM_PROGRAM_ADDRESS as string;

const b58 = getBase58Decoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A parser reports "not parsable" by returning null. */
type Parser = (data: Uint8Array, accounts: string[]) => Parsed | string | null;

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
  [MEMO_V4]: { program: "spl-memo", parse: parseMemo },
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
    if (!MEMO_PROGRAMS.has(ix.programId)) continue;
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
