// A node's JSON-RPC as an application uses it: reads by access tier (anonymous, a member's login,
// the operator's cookie), signed queries, transactions built, signed and submitted, finality awaited
// and results decoded, events paged and followed from a cursor.
import { toHex, type Hex } from "./codec.js";
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

/** An event with its body decoded through the interface schema, when its contract is a system one. */
export type DecodedEvent = rpc.EventView & {
  /** The system contract's name (`receivables`), when it is one. */
  contractName?: string;
  /** The body, decoded by this client (integers above 32 bits as `bigint`). */
  body?: unknown;
};

/** An event record (with its cursor) and its decoded body. */
export type DecodedEventRecord = rpc.EventRecord & DecodedEvent;

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

/** How long the logins and signed queries this client makes stay valid (the node allows 10 min). */
const LOGIN_VALIDITY_MS = 5 * 60_000;
const QUERY_VALIDITY_MS = 60_000;
/** A login is renewed when less than this is left. */
const LOGIN_RENEW_MS = 60_000;

const byAddress = new Map<string, (typeof generated.systemContracts)[number]>(
  generated.systemContracts.map((c) => [c.address, c]),
);

/** An event's body decoded through the interface schema (`undefined` for other contracts' events). */
export function decodeEvent<E extends rpc.EventView>(event: E): E & DecodedEvent {
  const contract = byAddress.get(event.contract.toLowerCase());
  if (!contract) return event;
  const type = (contract.events as Record<string, EventType<unknown>>)[event.topic];
  if (!type) return { ...event, contractName: contract.name };
  return { ...event, contractName: contract.name, body: decodeBody(type, event.data) };
}

export class ScfClient {
  readonly url: string;
  private readonly options: ClientOptions;
  private readonly http: HttpTransport;
  private chainPromise: Promise<rpc.ChainHead> | undefined;
  private login: { header: string; expiresAt: number } | undefined;
  private readonly members = new Map<string, ScfClient>();
  private readonly nonces = new Map<string, bigint>();
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
        return await anonymous.request("scf_chainHead", []);
      } catch (e) {
        const chainId = this.options.chainId;
        if (!chainId || !(e instanceof RpcError)) throw e;
        // The node refuses anonymous reads: sign in with the given chain id.
        const login = this.options.as ? loginHeader(this.options.as, chainId, Date.now() + LOGIN_VALIDITY_MS) : undefined;
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
    const signed = signTransaction(signer, await this.buildTransaction(signer, payload, options));
    const hash = await this.submit(signed);
    const view = await this.waitFor(hash, { as: signer, timeoutMs: options.timeoutMs });
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
    return {
      value: decodeReturn(method as Method<never, R>, receipt.return_data ?? "0x"),
      hash: view.hash,
      height: view.block_height ?? 0,
      events: receipt.events as DecodedEvent[],
      fuelUsed: receipt.fuel_used,
      view,
    };
  }

  private ws(): Promise<WsTransport> {
    this.wsPromise ??= (async () =>
      WsTransport.connect(this.url, await this.authorization(), this.options.timeoutMs ?? 30_000))();
    this.wsPromise.catch(() => (this.wsPromise = undefined));
    return this.wsPromise;
  }

  private dropWs(ws: WsTransport) {
    ws.close();
    this.wsPromise = undefined;
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
   * repeats nothing. When the node ends the subscription (this reader fell behind, its login
   * expired, the connection dropped) it resubscribes after the last cursor by itself. Stop by
   * breaking out of the loop; it ends by itself when `filter.to_height` is reached.
   */
  async *followEvents(
    filter: rpc.EventFilter,
    after?: rpc.EventCursor | null,
    options: { maxFailures?: number } = {},
  ): AsyncGenerator<DecodedEventRecord> {
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
      try {
        ws = await this.ws();
        sub = await ws.subscribe<rpc.EventRecord>("scf_subscribeEvents", [filter, cursor], "scf_unsubscribeEvents");
        for await (const record of sub) {
          failures = 0;
          cursor = record.cursor;
          yield decodeEvent(record);
        }
      } catch (e) {
        if (e instanceof RpcError) throw e;
        if (++failures >= (options.maxFailures ?? 5)) throw e;
      } finally {
        sub?.close();
      }
      const end = sub?.end;
      if (end?.kind === "complete") return;
      // `too_slow`, `access_ended` (a login expired: the next connection signs in anew) or a
      // dropped connection: resubscribe after the last cursor, on a fresh connection.
      if (ws) this.dropWs(ws);
      if (end?.kind === "access_ended") {
        // Once after a login expired; again at once means the access is gone (a suspended member).
        if (++failures >= 2) throw new Error("the node ended the subscription: this reader may no longer see these events");
        this.login = undefined;
      }
      await new Promise((r) => setTimeout(r, 200 * Math.max(1, failures)));
    }
  }

  /** Closes the WebSocket, if one is open (subscriptions end). */
  close(): void {
    this.wsPromise?.then((ws) => ws.close()).catch(() => {});
    this.wsPromise = undefined;
    for (const m of this.members.values()) m.close();
  }
}
