// JSON-RPC 2.0 to a node over HTTP (fetch) and WebSocket (subscriptions). Credentials travel in the
// `Authorization` header, so they are refused over plain HTTP to another machine (bearer secrets).
import type { ErrorData, Methods } from "./generated/rpc.js";
import { RpcErrorCode } from "./generated/errors.js";

/** A JSON-RPC error from the node: `code` is one of `RpcErrorCode`, `data.kind` says more. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: ErrorData,
  ) {
    super(`${message} (code ${code}${data ? `, ${data.kind}${data.error_name ? `: ${data.error_name}` : ""}` : ""})`);
    this.name = "RpcError";
  }

  /** The node's stable reason (`bad_nonce`, `not_a_member`, `contract_error`, ...). */
  get kind(): string | undefined {
    return this.data?.kind;
  }

  /** The name of `code` in `RpcErrorCode` (`invalid_transaction`, `forbidden`, ...). */
  get codeName(): string | undefined {
    return Object.entries(RpcErrorCode).find(([, c]) => c === this.code)?.[0];
  }
}

/** The node could not be reached, or answered with something other than JSON-RPC. */
export class TransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TransportError";
  }
}

/** Whether `url` names this machine (localhost, 127.0.0.0/8, ::1). */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  host = host.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Refuses a credential over an unencrypted connection to another machine. */
export function checkCredentialTransport(url: string, authorization: string | undefined): void {
  if (authorization && /^(http|ws):\/\//.test(url) && !isLoopbackUrl(url)) {
    throw new TransportError(
      `refusing to send a credential over plain ${url.split(":")[0]} to ${url}: use https:// (nodes serve RPC beyond loopback over TLS)`,
    );
  }
}

export type MethodName = keyof Methods;
export type Params<M extends MethodName> = Methods[M]["params"];
export type Result<M extends MethodName> = Methods[M]["result"];

interface JsonRpcResponse {
  id?: number | string | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
  method?: string;
  params?: { subscription: string | number; result?: unknown; error?: unknown };
}

function rpcError(error: { code: number; message: string; data?: unknown }): RpcError {
  const data = error.data && typeof error.data === "object" ? (error.data as ErrorData) : undefined;
  return new RpcError(error.code, error.message, data);
}

/** JSON-RPC over HTTP: one POST per call. */
export class HttpTransport {
  private nextId = 1;

  constructor(
    readonly url: string,
    private readonly authorization: () => Promise<string | undefined>,
    private readonly timeoutMs: number,
  ) {}

  async request<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const authorization = await this.authorization();
    checkCredentialTransport(this.url, authorization);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (authorization) headers.authorization = authorization;
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers,
        body: JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new TransportError(`cannot reach the node at ${this.url}: ${(e as Error).message}`);
    }
    const text = await response.text();
    let body: JsonRpcResponse;
    try {
      body = JSON.parse(text);
    } catch {
      throw new TransportError(`the node at ${this.url} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    }
    if (body.error) throw rpcError(body.error);
    return body.result as Result<M>;
  }
}

/** How a subscription ended (the node's `SubscriptionEnd`), or why the connection closed. */
export interface SubscriptionEnd {
  /** `too_slow`, `access_ended`, `complete`, or `closed` (the connection ended). */
  kind: string;
  cursor?: { height: number; tx_index: number; event_index: number };
  height?: number;
}

/** One subscription's notifications, in order, as an async iterator. */
export class Subscription<T> implements AsyncIterable<T> {
  private readonly queue: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private failing: ((e: Error) => void) | undefined;
  /** Set once it ended: what the node said, or `closed`. */
  end: SubscriptionEnd | undefined;
  private error: Error | undefined;

  constructor(private readonly cancel: () => void) {}

  /** @internal */
  push(item: T) {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = this.failing = undefined;
      w({ value: item, done: false });
    } else this.queue.push(item);
  }

  /** @internal */
  finish(end: SubscriptionEnd, error?: Error) {
    if (this.end) return;
    this.end = end;
    this.error = error;
    if (this.waiting) {
      const [w, f] = [this.waiting, this.failing];
      this.waiting = this.failing = undefined;
      if (error) f!(error);
      else w({ value: undefined, done: true });
    }
  }

  /** Stops the subscription. */
  close() {
    this.cancel();
    this.finish({ kind: "closed" });
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.queue.length) return { value: this.queue.shift()!, done: false };
    if (this.end) {
      if (this.error) throw this.error;
      return { value: undefined, done: true };
    }
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failing = reject;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next(), return: async () => (this.close(), { value: undefined, done: true }) };
  }
}

type AnyWebSocket = {
  readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
};

/**
 * JSON-RPC over one WebSocket: calls and subscriptions. In Node.js it uses the `ws` package and
 * sends the credential in the `Authorization` header; a browser's WebSocket cannot send headers,
 * so there it subscribes anonymously.
 */
export class WsTransport {
  private nextId = 1;
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly subscriptions = new Map<string, Subscription<unknown>>();
  /**
   * Notifications for a subscription whose id this side has not registered yet: the node may send
   * the first ones in the same read as its answer to the subscribe call.
   */
  private readonly early = new Map<string, JsonRpcResponse["params"][]>();
  private closedError: Error | undefined;

  private constructor(private readonly socket: AnyWebSocket) {
    socket.onmessage = (ev) => this.onMessage(String(ev.data));
    socket.onclose = () => this.onClose(new TransportError("the node closed the WebSocket"));
    socket.onerror = () => this.onClose(new TransportError("the WebSocket failed"));
  }

  static async connect(url: string, authorization: string | undefined, timeoutMs: number): Promise<WsTransport> {
    const wsUrl = url.replace(/^http(s?):\/\//, "ws$1://");
    checkCredentialTransport(wsUrl, authorization);
    let socket: AnyWebSocket;
    const Browser = (globalThis as { WebSocket?: new (url: string) => AnyWebSocket }).WebSocket;
    if (typeof process !== "undefined" && process.versions?.node) {
      const { WebSocket } = await import("ws");
      socket = new WebSocket(wsUrl, { headers: authorization ? { authorization } : {} }) as unknown as AnyWebSocket;
    } else if (Browser) {
      socket = new Browser(wsUrl);
    } else {
      throw new TransportError("no WebSocket implementation in this environment");
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TransportError(`connecting to ${wsUrl} timed out`)), timeoutMs);
      socket.onopen = () => (clearTimeout(timer), resolve());
      socket.onerror = () => (clearTimeout(timer), reject(new TransportError(`cannot connect to ${wsUrl}`)));
    });
    return new WsTransport(socket);
  }

  private onMessage(text: string) {
    let message: JsonRpcResponse;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.method && message.params) {
      const id = String(message.params.subscription);
      const sub = this.subscriptions.get(id);
      if (sub) this.deliver(id, sub, message.params);
      else if (this.early.has(id) || this.early.size < 16) {
        const list = this.early.get(id) ?? [];
        if (list.length < 65_536) list.push(message.params);
        this.early.set(id, list);
      }
      return;
    }
    const call = typeof message.id === "number" ? this.calls.get(message.id) : undefined;
    if (!call) return;
    this.calls.delete(message.id as number);
    if (message.error) call.reject(rpcError(message.error));
    else call.resolve(message.result);
  }

  private deliver(id: string, sub: Subscription<unknown>, params: NonNullable<JsonRpcResponse["params"]>) {
    if (params.error !== undefined) {
      this.subscriptions.delete(id);
      sub.finish(params.error as SubscriptionEnd);
    } else sub.push(params.result);
  }

  private onClose(error: Error) {
    if (this.closedError) return;
    this.closedError = error;
    for (const c of this.calls.values()) c.reject(error);
    this.calls.clear();
    for (const s of this.subscriptions.values()) s.finish({ kind: "closed" }, error);
    this.subscriptions.clear();
  }

  request<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
  }

  /** Subscribes with `method`; `unsubscribe` names the method that ends it. */
  async subscribe<T>(method: MethodName, params: unknown[], unsubscribe: MethodName): Promise<Subscription<T>> {
    const id = String(await this.request(method, params as never));
    const sub = new Subscription<T>(() => {
      if (this.subscriptions.delete(id) && !this.closedError) {
        this.request(unsubscribe, [id] as never).catch(() => {});
      }
    });
    this.subscriptions.set(id, sub as Subscription<unknown>);
    for (const params of this.early.get(id) ?? []) this.deliver(id, sub as Subscription<unknown>, params!);
    this.early.delete(id);
    return sub;
  }

  close() {
    this.onClose(new TransportError("closed"));
    this.socket.close();
  }
}
