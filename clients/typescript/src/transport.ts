// JSON-RPC 2.0 to a node over HTTP (fetch) and WebSocket (subscriptions). Credentials travel in the
// `Authorization` header, so they are refused over plain HTTP to another machine (bearer secrets).
// A hostile or stalled node costs bounded memory and time: responses and messages are capped,
// every call has a deadline, a silent WebSocket is closed, and a subscription whose reader falls
// behind is ended (`too_slow`) rather than buffered without end.
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

/** Largest HTTP response or WebSocket message accepted from a node. */
export const MAX_MESSAGE_BYTES = 64 << 20;
/** Notifications a subscription holds for a reader that has not taken them; past this it ends as `too_slow`. */
export const MAX_QUEUED_NOTIFICATIONS = 10_000;
/** A WebSocket that answers no ping for this long is closed. */
const PING_INTERVAL_MS = 20_000;

/** `url` parsed, with its scheme checked: `http(s)://` for calls (`ws(s)://` accepted for sockets). */
export function parseNodeUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new TransportError(`not a URL: ${JSON.stringify(url)}`);
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(parsed.protocol)) {
    throw new TransportError(`a node's URL is http(s):// or ws(s)://, not ${parsed.protocol}`);
  }
  return parsed;
}

/** Whether `url` names this machine (localhost, 127.0.0.0/8, ::1), as the URL parser reads it. */
export function isLoopbackUrl(url: string | URL): boolean {
  let host: string;
  try {
    host = (typeof url === "string" ? new URL(url.trim()) : url).hostname;
  } catch {
    return false;
  }
  host = host.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Refuses a credential over an unencrypted connection to another machine. Decides on the URL as
 * parsed (scheme and host normalised), which is the URL the request then goes to.
 */
export function checkCredentialTransport(url: URL, authorization: string | undefined): void {
  if (authorization && (url.protocol === "http:" || url.protocol === "ws:") && !isLoopbackUrl(url)) {
    throw new TransportError(
      `refusing to send a credential over plain ${url.protocol.slice(0, -1)} to ${url.host}: use https:// (nodes serve RPC beyond loopback over TLS)`,
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
  return new RpcError(error.code, String(error.message), data);
}

/** A response body read up to `MAX_MESSAGE_BYTES`. */
async function readLimited(response: Response, where: string): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? 0);
  if (declared > MAX_MESSAGE_BYTES) throw new TransportError(`${where} answered ${declared} bytes, more than ${MAX_MESSAGE_BYTES}`);
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_MESSAGE_BYTES) {
      await reader.cancel();
      throw new TransportError(`${where} answered more than ${MAX_MESSAGE_BYTES} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}

/** JSON-RPC over HTTP: one POST per call. */
export class HttpTransport {
  private nextId = 1;
  private readonly url: URL;

  constructor(
    url: string,
    private readonly authorization: () => Promise<string | undefined>,
    private readonly timeoutMs: number,
  ) {
    this.url = parseNodeUrl(url);
  }

  async request<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const authorization = await this.authorization();
    checkCredentialTransport(this.url, authorization);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (authorization) headers.authorization = authorization;
    let text: string;
    let status: number;
    try {
      const response = await fetch(this.url, {
        method: "POST",
        headers,
        body: JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params }),
        // An answer from wherever a redirect points is not this node's.
        redirect: "error",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      text = await readLimited(response, this.url.host);
    } catch (e) {
      if (e instanceof TransportError) throw e;
      throw new TransportError(`cannot reach the node at ${this.url.host}: ${(e as Error).message}`);
    }
    let body: JsonRpcResponse;
    try {
      body = JSON.parse(text);
    } catch {
      throw new TransportError(`the node at ${this.url.host} answered HTTP ${status}: ${text.slice(0, 200)}`);
    }
    if (body.error) throw rpcError(body.error);
    return body.result as Result<M>;
  }
}

/** How a subscription ended: the node's `SubscriptionEnd`, or this side's reason. */
export interface SubscriptionEnd {
  /**
   * The node's `too_slow`, `access_ended` or `complete`; `closed` (the connection ended or
   * `close()` was called); `error` (the node ended it with an error it did not classify).
   */
  kind: string;
  cursor?: { height: number; tx_index: number; event_index: number };
  height?: number;
  /** For `error` and `closed`: what was said. */
  message?: string;
}

function subscriptionEnd(error: unknown): SubscriptionEnd {
  if (error && typeof error === "object" && typeof (error as SubscriptionEnd).kind === "string") {
    return error as SubscriptionEnd;
  }
  return { kind: "error", message: typeof error === "string" ? error : JSON.stringify(error) };
}

/** One subscription's notifications, in order, as an async iterator. */
export class Subscription<T> implements AsyncIterable<T> {
  private readonly queue: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private failing: ((e: Error) => void) | undefined;
  /** Set once it ended: what the node said, or this side's reason. */
  end: SubscriptionEnd | undefined;
  private error: Error | undefined;

  constructor(private readonly cancel: () => void) {}

  /** @internal */
  push(item: T) {
    if (this.end) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = this.failing = undefined;
      w({ value: item, done: false });
    } else if (this.queue.length >= MAX_QUEUED_NOTIFICATIONS) {
      // The reader fell behind: end it as the node would, rather than buffer without bound. What
      // is queued is still delivered; a follower resumes after the last item it took.
      this.cancel();
      this.finish({ kind: "too_slow" });
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
    this.finish({ kind: "closed", message: "closed by the reader" });
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

/** What the keepalive needs of a Node.js `ws` socket. */
type PingingSocket = { ping(): void; on(ev: "pong", f: () => void): void; terminate(): void };

type AnyWebSocket = {
  readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
};

interface PendingCall {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
  /** A subscribe call: registered under the id the answer carries, in the same event. */
  subscription?: Subscription<unknown>;
  unsubscribe?: MethodName;
}

/**
 * JSON-RPC over one WebSocket: calls and subscriptions. In Node.js it uses the `ws` package and
 * sends the credential in the `Authorization` header (fixed for the connection's life); a
 * browser's WebSocket cannot send headers, so there it subscribes anonymously.
 */
export class WsTransport {
  private nextId = 1;
  private readonly calls = new Map<number, PendingCall>();
  private readonly subscriptions = new Map<string, Subscription<unknown>>();
  private closedError: Error | undefined;
  private readonly closeHooks: (() => void)[] = [];
  private keepalive: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly socket: AnyWebSocket,
    private readonly timeoutMs: number,
    nodeSocket?: PingingSocket,
  ) {
    socket.onmessage = (ev) => this.onMessage(String(ev.data));
    socket.onclose = () => this.onClose(new TransportError("the node closed the WebSocket"));
    socket.onerror = () => this.onClose(new TransportError("the WebSocket failed"));
    if (nodeSocket) {
      // A half-open connection (a dropped route, a frozen node) sends no close: a missing pong ends it.
      let answered = true;
      nodeSocket.on("pong", () => (answered = true));
      this.keepalive = setInterval(() => {
        if (!answered) {
          nodeSocket.terminate();
          this.onClose(new TransportError("the node stopped answering pings"));
          return;
        }
        answered = false;
        nodeSocket.ping();
      }, PING_INTERVAL_MS);
      (this.keepalive as { unref?: () => void }).unref?.();
    }
  }

  static async connect(url: string, authorization: string | undefined, timeoutMs: number): Promise<WsTransport> {
    const parsed = parseNodeUrl(url);
    parsed.protocol = parsed.protocol === "https:" || parsed.protocol === "wss:" ? "wss:" : "ws:";
    checkCredentialTransport(parsed, authorization);
    let socket: AnyWebSocket;
    let nodeSocket: PingingSocket | undefined;
    const Browser = (globalThis as { WebSocket?: new (url: string) => AnyWebSocket }).WebSocket;
    if (typeof process !== "undefined" && process.versions?.node) {
      const { WebSocket } = await import("ws");
      const ws = new WebSocket(parsed.href, {
        headers: authorization ? { authorization } : {},
        maxPayload: MAX_MESSAGE_BYTES,
        followRedirects: false,
        handshakeTimeout: timeoutMs,
      });
      socket = ws as unknown as AnyWebSocket;
      nodeSocket = ws;
    } else if (Browser) {
      socket = new Browser(parsed.href);
    } else {
      throw new TransportError("no WebSocket implementation in this environment");
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(new TransportError(`connecting to ${parsed.host} timed out`));
      }, timeoutMs);
      socket.onopen = () => (clearTimeout(timer), resolve());
      socket.onerror = () => (clearTimeout(timer), reject(new TransportError(`cannot connect to ${parsed.host}`)));
    });
    return new WsTransport(socket, timeoutMs, nodeSocket);
  }

  /** Whether the connection is closed (calls fail; make a new one). */
  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** Runs `hook` once when the connection closes. */
  onClosed(hook: () => void) {
    if (this.closedError) hook();
    else this.closeHooks.push(hook);
  }

  private onMessage(text: string) {
    let message: JsonRpcResponse;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.method && message.params) {
      // Notifications of a subscription this side does not hold (closed, or never made) are dropped.
      const id = String(message.params.subscription);
      const sub = this.subscriptions.get(id);
      if (!sub) return;
      if (message.params.error !== undefined) {
        this.subscriptions.delete(id);
        sub.finish(subscriptionEnd(message.params.error));
      } else sub.push(message.params.result);
      return;
    }
    const call = typeof message.id === "number" ? this.calls.get(message.id) : undefined;
    if (!call) return;
    this.calls.delete(message.id as number);
    clearTimeout(call.timer);
    if (message.error) return call.reject(rpcError(message.error));
    if (call.subscription) {
      // Registered in this event: notifications read in the same chunk as the answer find it.
      const id = String(message.result);
      if (call.subscription.end) this.unsubscribeQuietly(id, call.unsubscribe);
      else this.subscriptions.set(id, call.subscription);
    }
    call.resolve(message.result);
  }

  private unsubscribeQuietly(id: string, method?: MethodName) {
    if (!this.closedError && method) this.request(method, [id] as never).catch(() => {});
  }

  private onClose(error: Error) {
    if (this.closedError) return;
    this.closedError = error;
    if (this.keepalive) clearInterval(this.keepalive);
    for (const c of this.calls.values()) {
      clearTimeout(c.timer);
      c.reject(error);
    }
    this.calls.clear();
    for (const s of this.subscriptions.values()) s.finish({ kind: "closed", message: error.message }, error);
    this.subscriptions.clear();
    for (const hook of this.closeHooks.splice(0)) hook();
  }

  private send(method: string, params: unknown, subscription?: Subscription<unknown>, unsubscribe?: MethodName): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(id);
        reject(new TransportError(`${method}: no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.calls.set(id, { resolve, reject, timer, subscription, unsubscribe });
      this.socket.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
  }

  request<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    return this.send(method, params) as Promise<Result<M>>;
  }

  /** Subscribes with `method`; `unsubscribe` names the method that ends it. */
  async subscribe<T>(method: MethodName, params: unknown[], unsubscribe: MethodName): Promise<Subscription<T>> {
    let id: string | undefined;
    const sub = new Subscription<unknown>(() => {
      if (id !== undefined && this.subscriptions.delete(id)) this.unsubscribeQuietly(id, unsubscribe);
    });
    id = String(await this.send(method, params, sub, unsubscribe));
    return sub as Subscription<T>;
  }

  close() {
    this.onClose(new TransportError("closed"));
    this.socket.close();
  }
}
