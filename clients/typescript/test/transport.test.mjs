// The transport's guards and the event follower's resume logic, against local mock servers that
// misbehave on purpose (what a real node does is tested in test/node.test.mjs).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";

import { WebSocketServer } from "ws";

import { Keypair, ScfClient, TransportError, decodeEvent, receivables } from "@scf-chain/client";

test("a credential never goes out in the clear to another machine, however the URL is spelt", async () => {
  for (const url of ["HTTP://192.0.2.1:9944", " http://192.0.2.1:9944", "http:192.0.2.1:9944", "http:/192.0.2.1:9944", "http:\\\\192.0.2.1:9944", "Http://node.example"]) {
    const client = new ScfClient(url, { operatorCookie: "secret" });
    await assert.rejects(client.chainHead(), (e) => e instanceof TransportError && /refusing to send a credential/.test(e.message), url);
  }
  assert.throws(() => new ScfClient("ftp://127.0.0.1"), /http\(s\):\/\/ or ws\(s\):\/\//);
  // To this machine, plain HTTP is fine (the request goes out; nothing listens on port 9).
  await assert.rejects(new ScfClient("HTTP://127.0.0.1:9", { operatorCookie: "secret" }).chainHead(), /cannot reach/);
});

test("a seed is never echoed in an error", () => {
  const secret = "9f".repeat(32) + "\n0";
  assert.throws(() => Keypair.fromSeed(secret), (e) => !e.message.includes("9f9f"));
  assert.equal(Keypair.fromSeed(" 0x" + "01".repeat(32) + "\n").account, Keypair.fromSeed("01".repeat(32)).account);
});

test("an event body that does not decode is marked, never thrown", () => {
  const bad = decodeEvent({ contract: receivables.address, topic: "voucher_issued", parties: [], subjects: [], data: "0x01" });
  assert.equal(bad.body, undefined);
  assert.match(bad.bodyError, /ends early/);
  const odd = decodeEvent({ contract: receivables.address, topic: "constructor", parties: [], subjects: [], data: "0x" });
  assert.match(odd.bodyError, /declares no event constructor/);
  const other = decodeEvent({ contract: "0x" + "00".repeat(32), topic: "x", parties: [], subjects: [], data: "0x" });
  assert.equal(other.contractName, undefined);
});

test("an HTTP answer larger than the client accepts is refused, and redirects are not followed", async () => {
  const server = createServer((req, res) => {
    if (req.url === "/big") {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = "x".repeat(1 << 20);
      let sent = 0;
      const more = () => {
        while (sent < 80 && res.write(chunk)) sent++;
        if (sent < 80) res.once("drain", more);
        else res.end();
      };
      more();
    } else {
      res.writeHead(307, { location: "http://127.0.0.1:1/elsewhere" });
      res.end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await assert.rejects(new ScfClient(`http://127.0.0.1:${port}/big`).chainHead(), /more than \d+ bytes/);
  await assert.rejects(new ScfClient(`http://127.0.0.1:${port}/redirect`).chainHead(), TransportError);
  server.close();
});

/** A WebSocket JSON-RPC server whose subscriptions follow `script(n, params, send, end)`. */
async function mockNode(script) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((r) => wss.on("listening", r));
  const subscriptions = [];
  wss.on("connection", (socket) => {
    socket.on("message", (raw) => {
      const call = JSON.parse(String(raw));
      if (call.method === "scf_subscribeEvents") {
        const id = `sub${subscriptions.length}`;
        subscriptions.push(call.params);
        const send = (result) => socket.send(JSON.stringify({ jsonrpc: "2.0", method: "scf_event", params: { subscription: id, result } }));
        const end = (error) => socket.send(JSON.stringify({ jsonrpc: "2.0", method: "scf_event", params: { subscription: id, error } }));
        // The answer and the first notifications leave together, as a busy node sends them.
        socket.send(JSON.stringify({ jsonrpc: "2.0", id: call.id, result: id }));
        script(subscriptions.length - 1, call.params, send, end);
      } else if (call.id !== undefined) {
        socket.send(JSON.stringify({ jsonrpc: "2.0", id: call.id, result: true }));
      }
    });
  });
  return { url: `http://127.0.0.1:${wss.address().port}`, subscriptions, close: () => wss.close() };
}

const record = (height, event_index) => ({
  cursor: { height, tx_index: 0, event_index },
  tx_hash: "0x" + "ab".repeat(32),
  timestamp_ms: 1,
  contract: "0x" + "00".repeat(32),
  topic: "t",
  parties: ["supplier1"],
  subjects: [],
  data: "0x",
});

test("a follower resumes after the last cursor it yielded when the node ends it as too slow", async () => {
  const node = await mockNode((n, _params, send, end) => {
    if (n === 0) {
      send(record(1, 0));
      send(record(1, 1));
      end({ kind: "too_slow", cursor: { height: 1, tx_index: 0, event_index: 1 } });
    } else {
      send(record(2, 0));
      end({ kind: "complete" });
    }
  });
  const client = new ScfClient(node.url);
  const start = { height: 0, tx_index: 0, event_index: 0 };
  const seen = [];
  for await (const e of client.followEvents({ party: "supplier1" }, start)) seen.push(e.cursor);
  assert.deepEqual(seen.map((c) => `${c.height}:${c.event_index}`), ["1:0", "1:1", "2:0"]);
  assert.deepEqual(node.subscriptions.map((p) => p[1]), [start, { height: 1, tx_index: 0, event_index: 1 }]);
  node.close();
});

test("a follower gives up when the access is refused again at once, and on repeated errors", async () => {
  const refusing = await mockNode((_n, _p, _send, end) => end({ kind: "access_ended", cursor: null }));
  await assert.rejects(
    (async () => {
      for await (const _ of new ScfClient(refusing.url).followEvents({}, { height: 0, tx_index: 0, event_index: 0 }));
    })(),
    /may no longer see these events/,
  );
  refusing.close();
  // A node that ends every subscription with an unclassified error (a plain string) is retried
  // with back-off, then the follower throws; it does not spin.
  const failing = await mockNode((_n, _p, _send, end) => end("internal error"));
  await assert.rejects(
    (async () => {
      for await (const _ of new ScfClient(failing.url).followEvents({}, { height: 0, tx_index: 0, event_index: 0 }, { maxFailures: 2 }));
    })(),
    /ended 2 times in a row/,
  );
  assert.equal(failing.subscriptions.length, 2);
  failing.close();
});
