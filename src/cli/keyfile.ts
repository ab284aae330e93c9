import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { createKeyPairFromPrivateKeyBytes, createKeyPairSignerFromBytes, signBytes } from "@solana/kit";
import { CliError } from "./errors";

// A device key in the Solana CLI format: secret_key.json holds a JSON array of 64 numbers, the
// 32-byte Ed25519 seed followed by the 32-byte public key; the address is base58 of the latter.
// The file is the device's identity: it is created once, readable only by its owner, and never
// overwritten.

export interface DeviceKey {
  path: string;
  /** base58 public key. */
  address: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** Permission bits beyond the owner's (group/other), 0 when the file is private. */
  looseMode: number;
}

const malformed = (path: string, why: string) =>
  new CliError(`key file ${path} is malformed: ${why} (expected the Solana CLI format: a JSON array of 64 numbers from 0 to 255)`, "key_file_malformed");

function errnoCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : undefined;
}

function unreadable(path: string, err: unknown): CliError {
  const code = errnoCode(err);
  const why = code === "EACCES" ? "permission denied" : code === "EISDIR" ? "it is a directory" : code === "ENOENT" ? "no such file" : (code ?? String(err));
  return new CliError(`cannot read key file ${path}: ${why}`, code === "ENOENT" ? "key_file_missing" : "key_file_unreadable");
}

/** Loads and checks a key file: 64 bytes, and a public half that belongs to the seed. */
export async function loadKey(path: string): Promise<DeviceKey> {
  let text: string;
  let mode: number;
  try {
    text = readFileSync(path, "utf8");
    mode = statSync(path).mode;
  } catch (err) {
    throw unreadable(path, err);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed(path, "not JSON");
  }
  if (!Array.isArray(parsed) || parsed.length !== 64) {
    throw malformed(path, Array.isArray(parsed) ? `${parsed.length} numbers` : "not an array");
  }
  if (!parsed.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)) throw malformed(path, "a value is not a number from 0 to 255");
  const bytes = Uint8Array.from(parsed as number[]);
  let signer: Awaited<ReturnType<typeof createKeyPairSignerFromBytes>>;
  try {
    // kit signs and verifies a random message: a public half from another seed is refused here.
    signer = await createKeyPairSignerFromBytes(bytes);
  } catch {
    throw malformed(path, "its public key (last 32 bytes) does not match its secret seed (first 32 bytes)");
  }
  const privateKey = signer.keyPair.privateKey;
  return {
    path,
    address: signer.address,
    sign: async (message) => new Uint8Array(await signBytes(privateKey, message)),
    looseMode: mode & 0o077,
  };
}

/** A fresh key from the system's CSPRNG, as the 64 bytes of the Solana CLI format. */
async function generateKeyBytes(): Promise<Uint8Array> {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const { publicKey } = await createKeyPairFromPrivateKeyBytes(seed);
  const publicBytes = new Uint8Array(await crypto.subtle.exportKey("raw", publicKey));
  const bytes = new Uint8Array(64);
  bytes.set(seed, 0);
  bytes.set(publicBytes, 32);
  return bytes;
}

/** The key at `path`, created first when there is no file there. An existing file is never replaced. */
export async function ensureKey(path: string): Promise<{ key: DeviceKey; created: boolean }> {
  let exists = true;
  try {
    statSync(path);
  } catch (err) {
    if (errnoCode(err) !== "ENOENT") throw unreadable(path, err);
    exists = false;
  }
  if (exists) return { key: await loadKey(path), created: false };

  const bytes = await generateKeyBytes();
  // Written whole to a private temp file, then hard-linked into place: link() fails if the name
  // exists, so a concurrent init can neither clobber a key nor read a half-written one.
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(temp, "wx", 0o600);
    try {
      writeSync(fd, JSON.stringify(Array.from(bytes)));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temp, 0o600); // the umask may only narrow the mode; make it exactly 0600
    linkSync(temp, path);
  } catch (err) {
    if (errnoCode(err) === "EEXIST") return { key: await loadKey(path), created: false };
    const code = errnoCode(err);
    throw new CliError(`cannot create key file ${path}: ${code === "EACCES" ? "permission denied" : (code ?? String(err))}`, "key_file_unwritable");
  } finally {
    rmSync(temp, { force: true });
  }
  return { key: await loadKey(path), created: true };
}

/** The key file as a @solana/kit signer, for transactions (the deposit's transfer). */
export async function loadSigner(path: string) {
  await loadKey(path); // the same checks and messages as every other use of a key file
  return createKeyPairSignerFromBytes(Uint8Array.from(JSON.parse(readFileSync(path, "utf8")) as number[]));
}
