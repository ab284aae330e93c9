import type { FailedTransactionMetadata } from "litesvm";
import type { Json } from "./json";

// LiteSVM's TransactionError values turned into the JSON a node serialises (`"BlockhashNotFound"`,
// `{"InstructionError":[0,{"Custom":1}]}`...) and into the Display text a node puts in
// "Transaction simulation failed: <text>". The enum orders mirror litesvm's internal.d.ts
// (napi const enums cannot be imported under isolatedModules).

const TX_FIELDLESS = [
  "AccountInUse", "AccountLoadedTwice", "AccountNotFound", "ProgramAccountNotFound", "InsufficientFundsForFee",
  "InvalidAccountForFee", "AlreadyProcessed", "BlockhashNotFound", "CallChainTooDeep", "MissingSignatureForFee",
  "InvalidAccountIndex", "SignatureFailure", "InvalidProgramForExecution", "SanitizeFailure", "ClusterMaintenance",
  "AccountBorrowOutstanding", "WouldExceedMaxBlockCostLimit", "UnsupportedVersion", "InvalidWritableAccount",
  "WouldExceedMaxAccountCostLimit", "WouldExceedAccountDataBlockLimit", "TooManyAccountLocks",
  "AddressLookupTableNotFound", "InvalidAddressLookupTableOwner", "InvalidAddressLookupTableData",
  "InvalidAddressLookupTableIndex", "InvalidRentPayingAccount", "WouldExceedMaxVoteCostLimit",
  "WouldExceedAccountDataTotalLimit", "MaxLoadedAccountsDataSizeExceeded", "ResanitizationNeeded",
  "InvalidLoadedAccountsDataSizeLimit", "UnbalancedTransaction", "ProgramCacheHitMaxLimit", "CommitCancelled",
] as const;

const TX_TEXT: Record<string, string> = {
  AccountInUse: "Account in use",
  AccountLoadedTwice: "Account loaded twice",
  AccountNotFound: "Attempt to debit an account but found no record of a prior credit.",
  ProgramAccountNotFound: "Attempt to load a program that does not exist",
  InsufficientFundsForFee: "Insufficient funds for fee",
  InvalidAccountForFee: "This account may not be used to pay transaction fees",
  AlreadyProcessed: "This transaction has already been processed",
  BlockhashNotFound: "Blockhash not found",
  CallChainTooDeep: "Loader call chain is too deep",
  MissingSignatureForFee: "Transaction requires a fee but has no signature present",
  InvalidAccountIndex: "Transaction contains an invalid account reference",
  SignatureFailure: "Transaction did not pass signature verification",
  InvalidProgramForExecution: "This program may not be used for executing instructions",
  SanitizeFailure: "Transaction failed to sanitize accounts offsets correctly",
  UnsupportedVersion: "Transaction version is unsupported",
  AddressLookupTableNotFound: "Transaction loads an address table account that doesn't exist",
  InvalidAddressLookupTableIndex: "Transaction address table lookup uses an invalid index",
};

const IX_FIELDLESS = [
  "GenericError", "InvalidArgument", "InvalidInstructionData", "InvalidAccountData", "AccountDataTooSmall",
  "InsufficientFunds", "IncorrectProgramId", "MissingRequiredSignature", "AccountAlreadyInitialized",
  "UninitializedAccount", "UnbalancedInstruction", "ModifiedProgramId", "ExternalAccountLamportSpend",
  "ExternalAccountDataModified", "ReadonlyLamportChange", "ReadonlyDataModified", "DuplicateAccountIndex",
  "ExecutableModified", "RentEpochModified", "NotEnoughAccountKeys", "AccountDataSizeChanged",
  "AccountNotExecutable", "AccountBorrowFailed", "AccountBorrowOutstanding", "DuplicateAccountOutOfSync",
  "InvalidError", "ExecutableDataModified", "ExecutableLamportChange", "ExecutableAccountNotRentExempt",
  "UnsupportedProgramId", "CallDepth", "MissingAccount", "ReentrancyNotAllowed", "MaxSeedLengthExceeded",
  "InvalidSeeds", "InvalidRealloc", "ComputationalBudgetExceeded", "PrivilegeEscalation",
  "ProgramEnvironmentSetupFailure", "ProgramFailedToComplete", "ProgramFailedToCompile", "Immutable",
  "IncorrectAuthority", "AccountNotRentExempt", "InvalidAccountOwner", "ArithmeticOverflow", "UnsupportedSysvar",
  "IllegalOwner", "MaxAccountsDataAllocationsExceeded", "MaxAccountsExceeded", "MaxInstructionTraceLengthExceeded",
  "BuiltinProgramsMustConsumeComputeUnits", "BorshIoError",
] as const;

const IX_TEXT: Record<string, string> = {
  GenericError: "generic instruction error",
  InvalidArgument: "invalid program argument",
  InvalidInstructionData: "invalid instruction data",
  InvalidAccountData: "invalid account data for instruction",
  AccountDataTooSmall: "account data too small for instruction",
  InsufficientFunds: "insufficient funds for instruction",
  IncorrectProgramId: "incorrect program id for instruction",
  MissingRequiredSignature: "missing required signature for instruction",
  AccountAlreadyInitialized: "instruction requires an uninitialized account",
  UninitializedAccount: "instruction requires an initialized account",
  UnbalancedInstruction: "sum of account balances before and after instruction do not match",
  ExternalAccountLamportSpend: "instruction spent from the balance of an account it does not own",
  ExternalAccountDataModified: "instruction modified data of an account it does not own",
  ReadonlyLamportChange: "instruction changed the balance of a read-only account",
  ReadonlyDataModified: "instruction modified data of a read-only account",
  NotEnoughAccountKeys: "insufficient account keys for instruction",
  ComputationalBudgetExceeded: "Computational budget exceeded",
  PrivilegeEscalation: "Cross-program invocation with unauthorized signer or writable account",
  IncorrectAuthority: "Incorrect authority provided",
  InvalidAccountOwner: "Invalid account owner",
  ArithmeticOverflow: "Program arithmetic overflowed",
  IllegalOwner: "Provided owner is not allowed",
};

export interface TxError {
  /** The value of `err` in meta, statuses and simulation results. */
  json: Json;
  /** The node's Display text of the error. */
  text: string;
}

export const txError = (name: (typeof TX_FIELDLESS)[number]): TxError => ({ json: name, text: TX_TEXT[name] ?? name });

function instructionError(index: number, inner: unknown): TxError {
  if (typeof inner === "number") {
    const name = IX_FIELDLESS[inner] ?? "GenericError";
    return { json: { InstructionError: [index, name] }, text: `Error processing Instruction ${index}: ${IX_TEXT[name] ?? name}` };
  }
  const obj = inner as { code?: number; msg?: string };
  if (typeof obj.code === "number") {
    return { json: { InstructionError: [index, { Custom: obj.code }] }, text: `Error processing Instruction ${index}: custom program error: 0x${obj.code.toString(16)}` };
  }
  return { json: { InstructionError: [index, "BorshIoError"] }, text: `Error processing Instruction ${index}: Failed to serialize or deserialize account data: ${obj.msg ?? ""}` };
}

/** Converts `FailedTransactionMetadata.err()`. */
export function fromLiteSvmError(err: ReturnType<FailedTransactionMetadata["err"]>): TxError {
  if (typeof err === "number") return txError(TX_FIELDLESS[err] ?? "SanitizeFailure");
  const name = (err as object).constructor.name;
  const e = err as unknown as { index?: number; accountIndex?: number; err?: () => unknown };
  if (typeof e.err === "function" && typeof e.index === "number") return instructionError(e.index, e.err());
  if (name.includes("DuplicateInstruction") && typeof e.index === "number") {
    return { json: { DuplicateInstruction: e.index }, text: `Transaction contains a duplicate instruction (${e.index}) that is not allowed` };
  }
  if (name.includes("InsufficientFundsForRent")) {
    return { json: { InsufficientFundsForRent: { account_index: e.accountIndex ?? 0 } }, text: `Transaction results in an account (${e.accountIndex}) with insufficient funds for rent` };
  }
  return {
    json: { ProgramExecutionTemporarilyRestricted: { account_index: e.accountIndex ?? 0 } },
    text: `Execution of the program referenced by account at index ${e.accountIndex} is temporarily restricted.`,
  };
}
