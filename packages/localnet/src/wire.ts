import { base58Encode } from "./base58";

// Decodes the wire format of legacy and v0 transactions (signatures, header, static keys,
// blockhash, compiled instructions, address table lookups). Done by hand rather than with kit's
// decoders because the shim needs byte offsets (to replace the blockhash when simulating) and
// must reject what a node rejects with the node's -32602 wording.

export interface CompiledIx {
  programIdIndex: number;
  accounts: Uint8Array;
  data: Uint8Array;
}

export interface Lookup {
  accountKey: string;
  writableIndexes: Uint8Array;
  readonlyIndexes: Uint8Array;
}

export interface DecodedTx {
  version: "legacy" | 0;
  signatures: string[];
  header: { numRequiredSignatures: number; numReadonlySignedAccounts: number; numReadonlyUnsignedAccounts: number };
  staticKeys: string[];
  recentBlockhash: string;
  /** Offset of the 32 blockhash bytes inside the whole wire transaction. */
  blockhashOffset: number;
  instructions: CompiledIx[];
  lookups: Lookup[];
}

/** The bytes are not a transaction ("failed to deserialize ..." on a node). */
export class WireError extends Error {}
/** A transaction whose message is inconsistent ("invalid transaction: ..." on a node). */
export class SanitizeError extends Error {}

class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  u8(): number {
    const value = this.bytes[this.offset];
    if (value === undefined) throw new WireError("io error: unexpected end of file");
    this.offset += 1;
    return value;
  }

  /** Solana's compact-u16 ("short vec") length. */
  shortVec(): number {
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const byte = this.u8();
      value |= (byte & 0x7f) << (7 * i);
      if ((byte & 0x80) === 0) return value;
    }
    throw new WireError("invalid compact-u16 length");
  }

  take(n: number): Uint8Array {
    if (this.offset + n > this.bytes.length) throw new WireError("io error: unexpected end of file");
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

export function decodeWireTransaction(bytes: Uint8Array): DecodedTx {
  const r = new Reader(bytes);
  const sigCount = r.shortVec();
  const signatures: string[] = [];
  for (let i = 0; i < sigCount; i++) signatures.push(base58Encode(r.take(64)));
  let version: "legacy" | 0 = "legacy";
  const first = r.bytes[r.offset];
  if (first !== undefined && (first & 0x80) !== 0) {
    const v = first & 0x7f;
    if (v !== 0) throw new SanitizeError("Transaction version is unsupported");
    version = 0;
    r.u8();
  }
  const header = { numRequiredSignatures: r.u8(), numReadonlySignedAccounts: r.u8(), numReadonlyUnsignedAccounts: r.u8() };
  const keyCount = r.shortVec();
  const staticKeys: string[] = [];
  for (let i = 0; i < keyCount; i++) staticKeys.push(base58Encode(r.take(32)));
  const blockhashOffset = r.offset;
  const recentBlockhash = base58Encode(r.take(32));
  const ixCount = r.shortVec();
  const instructions: CompiledIx[] = [];
  for (let i = 0; i < ixCount; i++) {
    const programIdIndex = r.u8();
    const accounts = r.take(r.shortVec());
    const data = r.take(r.shortVec());
    instructions.push({ programIdIndex, accounts, data });
  }
  const lookups: Lookup[] = [];
  if (version === 0) {
    const lookupCount = r.shortVec();
    for (let i = 0; i < lookupCount; i++) {
      const accountKey = base58Encode(r.take(32));
      const writableIndexes = r.take(r.shortVec());
      const readonlyIndexes = r.take(r.shortVec());
      lookups.push({ accountKey, writableIndexes, readonlyIndexes });
    }
  }
  if (r.offset !== bytes.length) throw new WireError("trailing bytes after the transaction");
  const sanitizeFailure = () => new SanitizeError("Transaction failed to sanitize accounts offsets correctly");
  if (new Set(staticKeys).size !== staticKeys.length) throw new SanitizeError("Account loaded twice");
  if (sigCount !== header.numRequiredSignatures) throw sanitizeFailure();
  if (header.numReadonlySignedAccounts >= header.numRequiredSignatures) throw sanitizeFailure();
  if (header.numRequiredSignatures + header.numReadonlyUnsignedAccounts > keyCount) throw sanitizeFailure();
  const totalKeys = keyCount + lookups.reduce((n, l) => n + l.writableIndexes.length + l.readonlyIndexes.length, 0);
  for (const ix of instructions) {
    if (ix.programIdIndex >= keyCount || ix.programIdIndex === 0) throw sanitizeFailure();
    for (const a of ix.accounts) if (a >= totalKeys) throw sanitizeFailure();
  }
  return { version, signatures, header, staticKeys, recentBlockhash, blockhashOffset, instructions, lookups };
}

/** Whether static key `i` is writable per the message header (before any runtime demotion). */
export function isStaticWritable(tx: DecodedTx, i: number): boolean {
  const { numRequiredSignatures: sigs, numReadonlySignedAccounts: roSigned, numReadonlyUnsignedAccounts: roUnsigned } = tx.header;
  if (i < sigs) return i < sigs - roSigned;
  return i < tx.staticKeys.length - roUnsigned;
}
