// A node's JSON-RPC as an application uses it: reads by access tier (anonymous, a member's login,
// the operator's cookie), signed queries, transactions built, signed and submitted, finality awaited
// and results decoded, events paged and followed from a cursor.
import { CodecError, toHex, type Hex } from "./codec.js";
import { decodeBody, decodeReturn, encodeArgs, type EventType, type Method } from "./contract.js";
import * as generated from "./generated/index.js";
import type * as rpc from "./generated/rpc.js";
import type * as wire from "./generated/wire.js";
import { Keypair } from "./keys.js";
import {
  HttpTransport,
  RpcError,
  WsTransport,
  type MethodName,
  type Params,
  type Result,
  type Subscription,
} from "./transport.js";
import { callPayload, loginHeader, signQuery, signTransaction, type SignedTransaction } from "./tx.js";
import { RpcErrorCode } from "./generated/errors.js";

export interface ClientOptions {
  /** Read as this member's account: a login it signs, renewed before it expires. */
  as?: Keypair;
  /** Read as the node's operator: the contents of its `rpc.cookie` (on the node's machine only). */
  operatorCookie?: string;
  /** The chain's id, for a node that refuses anonymous requests (otherwise the node is asked). */
  chainId?: string;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

export interface SendOptions {
  /** The nonce to use (default: the account's next, counting this client's pending ones). */
  nonce?: bigint;
  /** How long to wait for finality (default 60 s). */
  timeoutMs?: number;
}

/**
 * An event with its body decoded through the interface schema: a system contract's event carries
 * `contractName` and a typed `body` (switch on `topic` to narrow it); any other contract's has
 * neither. A body that does not decode (a newer contract than this client knows) has `bodyError`
 * instead, and the raw `data` as always.
 */
export type DecodedEvent<E extends rpc.EventView = rpc.EventView> = E &
  (generated.SystemEvent | { contractName?: string; body?: undefined; bodyError?: string });

/** An event record (with its cursor) and its decoded body. */
export type DecodedEventRecord = DecodedEvent<rpc.EventRecord>;

/** A committed transaction's outcome. */
export interface CallResult<R> {
  /** What the method returned, decoded (e.g. the new voucher's id). */
  value: R;
  hash: Hex;
  height: number;
  /** The events it emitted, decoded. */
  events: DecodedEvent[];
  fuelUsed: number;
  view: rpc.TxView;
}

/** A transaction that committed but failed: nothing it did remains, its nonce is spent. */
export class TransactionFailed extends Error {
  constructor(
    readonly hash: Hex,
    readonly height: number,
    /** The node's stable kind: `contract_error`, `out_of_fuel`, `not_a_member`, ... */
    readonly kind: string,
    /** A contract's refusal code (`kind` = `contract_error`): one of `ContractErrorCode`. */
    readonly code: number | undefined,
    /** The code's name for the system contracts' codes (`exceeds_amount`, ...). */
    readonly codeName: string | undefined,
    readonly reason: string,
  ) {
    super(`transaction ${hash} failed in block ${height}: ${reason} [${kind}${codeName ? `: ${codeName}` : ""}]`);
    this.name = "TransactionFailed";
  }
}

/** A transaction not final within the wait (it may still commit: check `getTransaction`). */
export class FinalityTimeout extends Error {
  constructor(readonly hash: Hex, ms: number) {
    super(`transaction ${hash} is not final after ${ms} ms (check it with getTransaction)`);
    this.name = "FinalityTimeout";
  }
}

/**
 * A transaction committed (successfully), but its return value does not decode as this client's
 * schema says: it did happen, so do not send it again. `view` holds the receipt as the node gave it.
 */
export class ResultDecodeError extends Error {
  constructor(
    readonly hash: Hex,
    readonly view: rpc.TxView,
    cause: Error,
  ) {
    super(`transaction ${hash} committed, but its result does not decode: ${cause.message}`);
    this.name = "ResultDecodeError";
  }
}

/** How long the logins and signed queries this client makes stay valid (the node allows 10 min). */
const LOGIN_VALIDITY_MS = 5 * 60_000;
const QUERY_VALIDITY_MS = 60_000;
/** A login is renewed when less than this is left. */
const LOGIN_RENEW_MS = 60_000;

const byAddress = new Map<string, (typeof generated.systemContracts)[number]>(
  generated.systemContracts.map((c) => [c.address, c]),
);

/**
 * An event view with its body decoded, if its contract is a system contract. Never throws: a body
 * that does not decode gets `bodyError`.
 */
export function decodeEvent<E extends rpc.EventView>(event: E): DecodedEvent<E> {
  const contract = byAddress.get(event.contract.toLowerCase());
  if (!contract) return event as DecodedEvent<E>;
  const events = contract.events as Record<string, EventType<unknown>>;
  if (!Object.hasOwn(events, event.topic)) {
    return { ...event, contractName: contract.name, bodyError: `${contract.name} declares no event ${event.topic}` } as DecodedEvent<E>;
  }
  try {
    return { ...event, contractName: contract.name, body: decodeBody(events[event.topic]!, event.data) } as DecodedEvent<E>;
  } catch (e) {
    return { ...event, contractName: contract.name, bodyError: (e as Error).message } as DecodedEvent<E>;
  }
}

/** Waits `ms` (for retries). */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ScfClient {
  readonly url: string;
  private readonly options: ClientOptions;
  private readonly http: HttpTransport;
  private chainPromise: Promise<rpc.ChainHead> | undefined;
  private login: { header: string; expiresAt: number } | undefined;
  private readonly members = new Map<string, ScfClient>();
  private readonly nonces = new Map<string, bigint>();
  /** Per sender: the last build-and-submit in progress (nonces are assigned one at a time). */
  private readonly sending = new Map<string, Promise<unknown>>();
  private wsPromise: Promise<WsTransport> | undefined;

  /** A client of the node at `url` (`http://127.0.0.1:9944` for a dev chain). */
  constructor(url: string, options: ClientOptions = {}) {
    this.url = url.replace(/\/+$/, "");
    this.options = options;
    this.http = new HttpTransport(this.url, () => this.authorization(), options.timeoutMs ?? 30_000);
  }

  /** The same node, read (and queried) as `key`'s member. */
  as(key: Keypair): ScfClient {
    if (this.options.as?.account === key.account) return this;
    let client = this.members.get(key.account);
    if (!client) {
      client = new ScfClient(this.url, { ...this.options, as: key, operatorCookie: undefined });
      client.chainPromise = this.chainPromise;
      this.members.set(key.account, client);
    }
    return client;
  }

  private async authorization(): Promise<string | undefined> {
    if (this.options.operatorCookie) return `Bearer operator.${this.options.operatorCookie.trim()}`;
    const key = this.options.as;
    if (!key) return undefined;
    const now = Date.now();
    if (!this.login || this.login.expiresAt - now < LOGIN_RENEW_MS) {
      const { chain_id } = await this.chain();
      const expiresAt = now + LOGIN_VALIDITY_MS;
      this.login = { header: loginHeader(key, chain_id, expiresAt), expiresAt };
    }
    return this.login.header;
  }

  /** Calls any method of the node (typed from its OpenRPC document). */
  request<M extends MethodName>(method: M, ...params: Params<M>): Promise<Result<M>> {
    return this.http.request(method, params);
  }

  /**
   * The chain this node runs (id, and whether it is a dev chain), asked once. A login needs the
   * chain's id before it can sign in, so this asks anonymously, or takes `options.chainId`.
   */
  chain(): Promise<rpc.ChainHead> {
    this.chainPromise ??= (async () => {
      const anonymous = new HttpTransport(this.url, async () => undefined, this.options.timeoutMs ?? 30_000);
      try {
        const head = await anonymous.request("scf_chainHead", []);
        if (this.options.chainId && head.chain_id !== this.options.chainId) {
          throw new Error(`the node at ${this.url} runs chain ${head.chain_id}, not ${this.options.chainId}`);
        }
        return head;
      } catch (e) {
        const chainId = this.options.chainId;
        if (!chainId || !(e instanceof RpcError)) throw e;
        // The node refuses anonymous reads: sign in with the given chain id.
        const login = this.options.operatorCookie
          ? `Bearer operator.${this.options.operatorCookie.trim()}`
          : this.options.as && loginHeader(this.options.as, chainId, Date.now() + LOGIN_VALIDITY_MS);
        const signedIn = new HttpTransport(this.url, async () => login, this.options.timeoutMs ?? 30_000);
        return await signedIn.request("scf_chainHead", []);
      }
    })();
    this.chainPromise.catch(() => (this.chainPromise = undefined));
    return this.chainPromise;
  }

  chainHead(): Promise<rpc.ChainHead> {
    return this.request("scf_chainHead");
  }

  getAccount(account: Hex): Promise<rpc.AccountView> {
    return this.request("scf_getAccount", account);
  }

  getBlock(id: number | Hex): Promise<rpc.BlockView> {
    return this.request("scf_getBlock", id);
  }

  nodeStatus(): Promise<rpc.NodeStatus> {
    return this.request("scf_nodeStatus");
  }

  /** A transaction with its status and, once committed, its receipt (events decoded). */
  async getTransaction(hash: Hex): Promise<rpc.TxView> {
    const view = await this.request("scf_getTransaction", hash);
    if (view.receipt) view.receipt.events = view.receipt.events.map(decodeEvent);
    return view;
  }

  /** A page of the events matching `filter` this reader may see, strictly after `after`. */
  async getEvents(
    filter: rpc.EventFilter,
    after?: rpc.EventCursor | null,
    limit = 100,
  ): Promise<Omit<rpc.EventPage, "events"> & { events: DecodedEventRecord[] }> {
    const page = await this.request("scf_getEvents", filter, after ?? null, limit);
    return { ...page, events: page.events.map(decodeEvent) };
  }

  /**
   * Runs a read-only method against the latest state and decodes its value. With a signer (its
   * own `as`, or `options.as`), the query is signed: contracts reveal a member's business only to
   * signed queries of that member (or of an auditor).
   */
  async query<A, R>(method: Method<A, R>, args: A, options: { as?: Keypair } = {}): Promise<R> {
    const key = options.as ?? this.options.as;
    const bytes = encodeArgs(method, args);
    let auth: rpc.QueryAuth | null = null;
    if (key) {
      const { chain_id } = await this.checkSigner(key);
      auth = signQuery(key, chain_id, method.address, method.name, bytes, Date.now() + QUERY_VALIDITY_MS);
    }
    // Queries are for members: the signer's login carries the request, its signature the query.
    const reader = key ? this.as(key) : this;
    const result = await reader.request("scf_query", method.address, method.name, toHex(bytes), auth);
    return decodeReturn(method as Method<never, R>, result.data);
  }

  /** Refuses the public dev keys on a chain that is not a dev chain (as the CLI does). */
  private async checkSigner(key: Keypair): Promise<rpc.ChainHead> {
    const chain = await this.chain();
    const dev = Keypair.devKeyName(key.account);
    if (dev && !chain.dev) {
      throw new Error(`refusing to sign with the public dev key ${dev}: chain ${chain.chain_id} is not a dev chain`);
    }
    return chain;
  }

  /** A transaction from `signer` with `payload`, for this chain, at the signer's next nonce. */
  async buildTransaction(signer: Keypair, payload: wire.Payload, options: SendOptions = {}): Promise<wire.Transaction> {
    const { chain_id } = await this.checkSigner(signer);
    let nonce = options.nonce;
    if (nonce === undefined) {
      const account = await this.as(signer).getAccount(signer.account);
      const local = this.nonces.get(signer.account) ?? 0n;
      nonce = BigInt(account.nonce) > local ? BigInt(account.nonce) : local;
    }
    return { chain_id, sender: signer.account, nonce, payload };
  }

  /** Submits a signed transaction; returns its hash once the node's pool admitted it. */
  async submit(signed: SignedTransaction): Promise<Hex> {
    try {
      const { hash } = await this.request("scf_submitTransaction", toHex(signed.bytes));
      const next = signed.tx.nonce + 1n;
      if ((this.nonces.get(signed.tx.sender) ?? 0n) < next) this.nonces.set(signed.tx.sender, next);
      return hash;
    } catch (e) {
      if (e instanceof RpcError && e.code === RpcErrorCode.invalid_transaction) this.nonces.delete(signed.tx.sender);
      throw e;
    }
  }

  /**
   * Builds, signs and submits `payload` from `signer`: one at a time per signer, so concurrent
   * sends from one account take consecutive nonces. Returns the signed transaction's hash.
   */
  async signAndSubmit(signer: Keypair, payload: wire.Payload, options: SendOptions = {}): Promise<Hex> {
    const previous = this.sending.get(signer.account) ?? Promise.resolve();
    const turn = previous.catch(() => {}).then(async () => {
      const signed = signTransaction(signer, await this.buildTransaction(signer, payload, options));
      return this.submit(signed);
    });
    this.sending.set(signer.account, turn);
    try {
      return await turn;
    } finally {
      if (this.sending.get(signer.account) === turn) this.sending.delete(signer.account);
    }
  }

  /**
   * Waits until `hash` is final (read as `reader`, who must be allowed to see it: its sender),
   * then returns it with its receipt. Throws `FinalityTimeout` after `timeoutMs`.
   */
  async waitFor(hash: Hex, options: { as?: Keypair; timeoutMs?: number } = {}): Promise<rpc.TxView> {
    const reader = options.as ? this.as(options.as) : this;
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
      const view = await reader.getTransaction(hash);
      if (view.status === "committed") return view;
      if (Date.now() + delay > deadline) throw new FinalityTimeout(hash, timeoutMs);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /**
   * Builds, signs and submits `payload` from `signer`, waits for finality and returns the
   * committed transaction; throws `TransactionFailed` if it failed.
   */
  async send(signer: Keypair, payload: wire.Payload, options: SendOptions = {}): Promise<rpc.TxView> {
    const hash = await this.signAndSubmit(signer, payload, options);
    let view: rpc.TxView;
    try {
      view = await this.waitFor(hash, { as: signer, timeoutMs: options.timeoutMs });
    } catch (e) {
      // It left the pool unexecuted, or has not executed yet: the nonces this client counted past
      // the chain's may never be used; ask the chain again next time.
      if (e instanceof FinalityTimeout || (e instanceof RpcError && e.code === RpcErrorCode.not_found)) {
        this.nonces.delete(signer.account);
      }
      throw e;
    }
    const receipt = view.receipt!;
    if (!receipt.success) {
      throw new TransactionFailed(
        hash,
        view.block_height ?? 0,
        receipt.error_kind ?? "unknown",
        receipt.error_code ?? undefined,
        receipt.error_name ?? undefined,
        receipt.error ?? "unknown error",
      );
    }
    return view;
  }

  /**
   * Calls `method` with `args` in a transaction signed by `signer`, waits for finality and returns
   * the method's value with the transaction's events: `(await client.call(core,
   * receivables.methods.issue, args)).value` is the new voucher's id. Throws `TransactionFailed`
   * (with the contract's error code) if the transaction failed, `RpcError` if the node refused it.
   */
  async call<A, R>(signer: Keypair, method: Method<A, R>, args: A, options: SendOptions = {}): Promise<CallResult<R>> {
    const view = await this.send(signer, callPayload(method, args), options);
    const receipt = view.receipt!;
    let value: R;
    try {
      value = decodeReturn(method as Method<never, R>, receipt.return_data ?? "0x");
    } catch (e) {
      if (e instanceof CodecError) throw new ResultDecodeError(view.hash, view, e);
      throw e;
    }
    return {
      value,
      hash: view.hash,
      height: view.block_height ?? 0,
      events: receipt.events as DecodedEvent[],
      fuelUsed: receipt.fuel_used,
      view,
    };
  }

  /** A new WebSocket connection, signed in as this client reads (a fresh login). */
  private async connectWs(): Promise<WsTransport> {
    if (this.options.as) this.login = undefined;
    return WsTransport.connect(this.url, await this.authorization(), this.options.timeoutMs ?? 30_000);
  }

  /** The client's shared WebSocket (for `subscribeNewHeads`), made again after it closed. */
  private ws(): Promise<WsTransport> {
    if (!this.wsPromise) {
      const made = this.connectWs();
      this.wsPromise = made;
      made.then(
        (ws) => ws.onClosed(() => this.wsPromise === made && (this.wsPromise = undefined)),
        () => this.wsPromise === made && (this.wsPromise = undefined),
      );
    }
    return this.wsPromise;
  }

  /** Every new block from the next one (or stored ones first, from `fromHeight`). */
  async subscribeNewHeads(fromHeight?: number): Promise<Subscription<rpc.BlockSummary>> {
    const ws = await this.ws();
    return ws.subscribe("scf_subscribeNewHeads", [fromHeight ?? null], "scf_unsubscribeNewHeads");
  }

  /**
   * Follows the events matching `filter` that this reader may see: the stored ones strictly after
   * `after` first, then live ones as blocks commit (without `after`: from the end of what the node
   * has indexed now). Each record carries its `cursor`; resuming after the last one seen loses and
   * repeats nothing. Its connection is its own. When the node ends the subscription because this
   * reader fell behind (`too_slow`) or its login expired (`access_ended`), or the connection
   * drops, it resubscribes after the last cursor it yielded, on a new connection with a fresh
   * login, backing off while the node is unreachable. Stop by breaking out of the loop; it ends
   * by itself when `filter.to_height` is reached. It throws when the access is gone (refused again
   * right after signing in anew), when the node refuses the request (`RpcError`), or after
   * `maxFailures` attempts in a row fail (default 20, about eight minutes of back-off).
   */
  async *followEvents(
    filter: rpc.EventFilter,
    after?: rpc.EventCursor | null,
    options: { maxFailures?: number } = {},
  ): AsyncGenerator<DecodedEventRecord> {
    const maxFailures = options.maxFailures ?? 20;
    let cursor: rpc.EventCursor;
    if (after) cursor = after;
    else if (filter.from_height != null) cursor = { height: 0, tx_index: 0, event_index: 0 };
    else {
      // Live from now, fixed before the first subscribe: a resubscription resumes here, not at a later "now".
      const status = await this.nodeStatus();
      cursor = { height: status.indexed_height, tx_index: 0xffff_ffff, event_index: 0xffff_ffff };
    }
    let failures = 0;
    for (;;) {
      let ws: WsTransport | undefined;
      let sub: Subscription<rpc.EventRecord> | undefined;
      let subscribedAt = 0;
      let failure: unknown;
      try {
        ws = await this.connectWs();
        sub = await ws.subscribe<rpc.EventRecord>("scf_subscribeEvents", [filter, cursor], "scf_unsubscribeEvents");
        subscribedAt = Date.now();
        for await (const record of sub) {
          failures = 0;
          cursor = record.cursor;
          yield decodeEvent(record);
        }
      } catch (e) {
        if (e instanceof RpcError) throw e;
        failure = e;
      } finally {
        sub?.close();
        ws?.close();
      }
      const end = sub?.end;
      if (end?.kind === "complete") return;
      if (end?.kind === "too_slow") continue; // at once, after the last cursor
      if (end?.kind === "access_ended" && Date.now() - subscribedAt < 5_000) {
        // Refused again right after a fresh login: the access itself is gone (a suspended member).
        throw new Error("the node ended the subscription: this reader may no longer see these events");
      }
      if (end?.kind !== "access_ended" && ++failures >= maxFailures) {
        throw failure ?? new Error(`the subscription ended ${maxFailures} times in a row: ${JSON.stringify(end)}`);
      }
      await sleep(Math.min(30_000, 250 * 2 ** Math.min(failures, 7)));
    }
  }

  /** Closes the WebSocket, if one is open (subscriptions end). */
  close(): void {
    this.wsPromise?.then((ws) => ws.close()).catch(() => {});
    this.wsPromise = undefined;
    for (const m of this.members.values()) m.close();
  }
}
