// @scf-chain/client: a TypeScript client of scf-chain nodes (docs/sdk.md).
//
// Owns: keys, transaction and query signing, the borsh codec over the published interface schema,
// the JSON-RPC client. Must not: hold business rules (the contracts do), or send a credential in
// the clear to another machine.
export * from "./generated/index.js";
export { ScfClient, TransactionFailed, FinalityTimeout, decodeEvent } from "./client.js";
export type { ClientOptions, SendOptions, CallResult, DecodedEvent, DecodedEventRecord } from "./client.js";
export { RpcError, TransportError, Subscription, isLoopbackUrl } from "./transport.js";
export type { SubscriptionEnd } from "./transport.js";
export { Keypair, KeyFileError, DEV_KEY_NAMES, verify } from "./keys.js";
export { loadKey } from "./keystore.js";
export type { KeyStoreOptions } from "./keystore.js";
export {
  signTransaction,
  transactionSigningBytes,
  callPayload,
  signQuery,
  loginHeader,
  deployedAddress,
  systemAddress,
} from "./tx.js";
export type { SignedTransaction, QueryAuth } from "./tx.js";
export { contractMethod, contractEvent, encodeArgs, decodeReturn, decodeBody } from "./contract.js";
export type { Method, EventType } from "./contract.js";
export { encode, decode, toJson, toHex, fromHex, CodecError } from "./codec.js";
export type { Definitions, Definition, Hex, Value } from "./codec.js";
