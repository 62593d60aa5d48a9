// Transactions, signed queries and logins: the exact bytes the node checks (primitives/src/tx.rs).
// Each signature covers a domain prefix and the borsh encoding of a wire type, so a signature made
// for one purpose never passes for another.
import { sha256 } from "@noble/hashes/sha2.js";

import { encode, fromHex, toHex, type Hex } from "./codec.js";
import { encodeArgs, type Method } from "./contract.js";
import * as wire from "./generated/wire.js";
import type { Keypair } from "./keys.js";

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Prefixes of the signing preimages (a NUL ends each). */
export const TX_SIGNING_DOMAIN = utf8("scf-chain/tx/v1\0");
export const QUERY_SIGNING_DOMAIN = utf8("scf-chain/query/v1\0");
export const LOGIN_SIGNING_DOMAIN = utf8("scf-chain/rpc-login/v1\0");

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A transaction's payload calling `method` of its contract with `args`. */
export function callPayload<A>(method: Method<A, unknown>, args: A): wire.Payload {
  return { Call: { contract: method.address, method: method.name, args: toHex(encodeArgs(method, args)) } };
}

/** The bytes a sender signs: the domain, then borsh(transaction). */
export function transactionSigningBytes(tx: wire.Transaction): Uint8Array {
  return concat(TX_SIGNING_DOMAIN, encode(wire.definitions, "Transaction", tx));
}

/** A transaction signed by its sender, as the node takes it. */
export interface SignedTransaction {
  readonly tx: wire.Transaction;
  readonly signature: Hex;
  /** borsh(SignedTransaction): what `scf_submitTransaction` takes (as hex). */
  readonly bytes: Uint8Array;
  /** The transaction's id everywhere (RPC, receipts, CLI): SHA-256 of `bytes`. */
  readonly hash: Hex;
}

/**
 * Signs `tx` with `key`, which must be the sender's. Signing is deterministic (ed25519): the
 * same key and transaction give the same bytes as the Rust CLI.
 */
export function signTransaction(key: Keypair, tx: wire.Transaction): SignedTransaction {
  if (key.account !== tx.sender.toLowerCase()) {
    throw new Error(`the transaction's sender is ${tx.sender}, but the key is ${key.account}`);
  }
  const signature = toHex(key.sign(transactionSigningBytes(tx)));
  const bytes = encode(wire.definitions, "SignedTransaction", { tx, signature });
  return { tx, signature, bytes, hash: toHex(sha256(bytes)) };
}

/** What `scf_query` takes as `auth`: the signer's account, the expiry and the signature. */
export interface QueryAuth {
  account: Hex;
  expires_at_ms: number;
  signature: Hex;
}

/**
 * A signed query: `key`'s account asks `method` of `contract` with `args` on chain `chainId`,
 * valid until `expiresAtMs` (node clock; at most 10 minutes ahead).
 */
export function signQuery(
  key: Keypair,
  chainId: string,
  contract: Hex,
  method: string,
  args: Uint8Array,
  expiresAtMs: number,
): QueryAuth {
  const query: wire.QueryAuthorization = {
    chain_id: chainId,
    contract,
    method,
    args: toHex(args),
    account: key.account,
    expires_at_ms: BigInt(expiresAtMs),
  };
  const bytes = concat(QUERY_SIGNING_DOMAIN, encode(wire.definitions, "QueryAuthorization", query));
  return { account: key.account, expires_at_ms: expiresAtMs, signature: toHex(key.sign(bytes)) };
}

/**
 * A member login for chain `chainId`, valid until `expiresAtMs` (node clock; at most 10 minutes
 * ahead): the value of the `Authorization` header (`Bearer scf1.<account>.<expiry>.<signature>`).
 * A bearer secret until it expires: send it over TLS or to this machine only.
 */
export function loginHeader(key: Keypair, chainId: string, expiresAtMs: number): string {
  const login: wire.LoginAuthorization = { chain_id: chainId, account: key.account, expires_at_ms: BigInt(expiresAtMs) };
  const signature = key.sign(concat(LOGIN_SIGNING_DOMAIN, encode(wire.definitions, "LoginAuthorization", login)));
  return `Bearer scf1.${key.account.slice(2)}.${expiresAtMs}.${toHex(signature).slice(2)}`;
}

/** The address of a contract `deployer` deploys in its transaction with `nonce`. */
export function deployedAddress(deployer: Hex, nonce: bigint): Hex {
  const buf = new Uint8Array(18 + 32 + 8);
  buf.set(utf8("scf/contract/v1/\0\0"));
  buf.set(fromHex(deployer), 18);
  new DataView(buf.buffer).setBigUint64(50, nonce, true);
  return toHex(sha256(buf));
}

/** The address of a system contract installed by genesis under `name`. */
export function systemAddress(name: string): Hex {
  return toHex(sha256(utf8(`scf/system-contract/v1/${name}`)));
}
