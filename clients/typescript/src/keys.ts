// ed25519 keys (@noble/curves): an account is its 32-byte public key. Dev keys and the CLI's key
// files (`scf keys new|import`, `scf genesis new`) open here exactly as the CLI opens them.
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { Decrypter, armor } from "age-encryption";

import { fromHex, toHex, type Hex } from "./codec.js";

/** The names of the built-in dev keys (dev chains only: they are public). */
export const DEV_KEY_NAMES = [
  "operator",
  "core",
  "core-sh",
  "supplier1",
  "supplier2",
  "supplier3-maker",
  "supplier3-checker",
  "bank",
  "auditor",
  "yiwu-crafts",
  "mx-retail",
  "mx-bank",
  "carrier",
  "validator0",
] as const;

/** The `format` of the CLI's key files. */
export const KEY_FILE_FORMAT = "scf-key/1";

/** The dev keys' accounts, derived once. */
let devAccounts: Map<Hex, string> | undefined;

/** A key file that cannot be opened: not a key file, a wrong passphrase, a seed of another account. */
export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyFileError";
  }
}

/** A secret ed25519 key and its account. The seed never appears in `toString` or JSON. */
export class Keypair {
  readonly #seed: Uint8Array;
  /** The account: the public key as `0x` hex. */
  readonly account: Hex;
  /** The public key's 32 bytes. */
  readonly publicKey: Uint8Array;

  private constructor(seed: Uint8Array) {
    if (seed.length !== 32) throw new Error(`an ed25519 seed is 32 bytes, not ${seed.length}`);
    this.#seed = Uint8Array.from(seed);
    this.publicKey = ed25519.getPublicKey(this.#seed);
    this.account = toHex(this.publicKey);
  }

  /** The key of a 32-byte seed (bytes or 64 hex digits). */
  static fromSeed(seed: Uint8Array | Hex): Keypair {
    if (typeof seed === "string") {
      // Never echo the input: it is a secret.
      const digits = seed.trim().replace(/^0x/i, "");
      if (!/^[0-9a-fA-F]{64}$/.test(digits)) throw new Error("an ed25519 seed is 32 bytes: 64 hex digits");
      return new Keypair(fromHex(digits));
    }
    return new Keypair(seed);
  }

  /** A new key from the platform's secure random source. */
  static generate(): Keypair {
    return new Keypair(ed25519.utils.randomSecretKey());
  }

  /**
   * INSECURE: the public dev key of `name` (`core`, `supplier1`, ...), the seed being
   * SHA-256(`scf-dev-key/<name>`). Only dev chains accept them.
   */
  static dev(name: string): Keypair {
    return new Keypair(sha256(new TextEncoder().encode(`scf-dev-key/${name}`)));
  }

  /** The dev key name of an account, if it is one of the built-in dev keys. */
  static devKeyName(account: Hex): string | undefined {
    devAccounts ??= new Map([...DEV_KEY_NAMES, "validator0/node"].map((n) => [Keypair.dev(n).account, n]));
    return devAccounts.get(account.toLowerCase());
  }

  /**
   * Opens a key file of the CLI's key store (`$SCF_HOME/keys/<name>.key`, JSON of format
   * `scf-key/1`: the account in clear, the seed inside an age file sealed with a passphrase).
   * Checks that the seed is the account's.
   */
  static async fromKeyFile(json: string, passphrase: string): Promise<Keypair> {
    let file: { format?: unknown; account?: unknown; age?: unknown };
    try {
      file = JSON.parse(json);
    } catch {
      throw new KeyFileError("not a key file: not JSON");
    }
    if (file.format !== KEY_FILE_FORMAT || typeof file.account !== "string" || typeof file.age !== "string") {
      throw new KeyFileError(`not an scf key file (format ${KEY_FILE_FORMAT})`);
    }
    const decrypter = new Decrypter();
    decrypter.addPassphrase(passphrase);
    let seedHex: string;
    try {
      seedHex = await decrypter.decrypt(armor.decode(file.age), "text");
    } catch (e) {
      throw new KeyFileError(`cannot decrypt the key file (wrong passphrase?): ${(e as Error).message}`);
    }
    let key: Keypair;
    try {
      key = Keypair.fromSeed(seedHex.trim());
    } catch {
      throw new KeyFileError("the key file does not hold a 32-byte hex seed");
    }
    if (key.account !== file.account.toLowerCase()) {
      throw new KeyFileError(`the key file holds the key of ${key.account}, not of ${file.account}`);
    }
    return key;
  }

  /** The ed25519 signature of `message`. */
  sign(message: Uint8Array): Uint8Array {
    return ed25519.sign(message, this.#seed);
  }

  toString(): string {
    return `Keypair(${this.account})`;
  }

  toJSON(): { account: Hex } {
    return { account: this.account };
  }
}

/** Whether `signature` is `account`'s over `message` (ed25519, strict: as the node verifies). */
export function verify(account: Hex, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, fromHex(account), { zip215: false });
  } catch {
    return false;
  }
}
