// The client against a real dev node built from this repository, beside the Rust CLI. The Rust test
// tools/tests/typescript_client.rs starts the node and runs this file with:
//   SCF_NODE_URL   the node's JSON-RPC URL
//   SCF_CLI        the `scf` binary
//   SCF_HOME, SCF_PASSPHRASE   a key store for the CLI and the client
//   SCF_RPC_COOKIE the node's operator cookie file
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import {
  ContractErrorCode,
  DEV_KEY_NAMES,
  Keypair,
  KeyFileError,
  RpcError,
  RpcErrorCode,
  ScfClient,
  TransactionFailed,
  callPayload,
  loadKey,
  receivables,
  signTransaction,
  toHex,
  toJson,
  encodeArgs,
} from "@scf-chain/client";

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is not set: run this through tools/tests/typescript_client.rs (cargo test)`);
  return value;
};
const url = env("SCF_NODE_URL");
const cli = env("SCF_CLI");
const home = env("SCF_HOME");
const cookieFile = env("SCF_RPC_COOKIE");
const examples = join(dirname(fileURLToPath(import.meta.url)), "../examples");
const run = promisify(execFile);

const core = Keypair.dev("core");
const supplier1 = Keypair.dev("supplier1");
const supplier2 = Keypair.dev("supplier2");
const client = new ScfClient(url);

/** Runs the CLI with --json and returns what it printed, parsed. */
async function scf(...args) {
  const { stdout } = await run(cli, ["--node", url, "--json", ...args], { env: process.env });
  return JSON.parse(stdout);
}

async function example(name, ...args) {
  const { stdout, stderr } = await run(process.execPath, [join(examples, name), "--node", url, ...args], {
    env: process.env,
    timeout: 120_000,
  });
  return { stdout, stderr };
}

/** The chain's day: the later of the head's and this machine's (as the CLI's `+Nd`). */
async function today() {
  const head = await client.chainHead();
  return Math.floor(Math.max(head.timestamp_ms, Date.now()) / 86_400_000);
}

const isoDay = (day) => new Date(day * 86_400_000).toISOString().slice(0, 10);

test("the quickstart example issues, accepts and transfers, and prints the holders' lists", async () => {
  const { stdout } = await example("quickstart.mjs", "--json");
  const out = JSON.parse(stdout);
  const { issued, transferred, remainder } = out;
  assert.ok(BigInt(transferred) > BigInt(issued) && BigInt(remainder) > BigInt(issued), stdout);
  const s2 = out.holders.supplier2.find((v) => v.id === transferred);
  assert.deepEqual(s2, { id: transferred, amount: "40000", root_id: issued, status: "Active" });
  const s1 = out.holders.supplier1.find((v) => v.id === remainder);
  assert.deepEqual(s1, { id: remainder, amount: "60000", root_id: issued, status: "Active" });
  assert.ok(!out.holders.supplier1.some((v) => v.id === transferred), "supplier1 no longer holds the transferred piece");
  // What the client decoded is what the chain holds: the CLI reads the same voucher.
  const shown = await scf("voucher", "show", transferred, "--as", "supplier2");
  assert.equal(shown.holder, "supplier2");
  assert.equal(String(shown.id), transferred);

  // The human form runs too.
  const human = await example("quickstart.mjs");
  assert.match(human.stdout, /core issued voucher \d+ to supplier1/);
  assert.match(human.stdout, /supplier2 holds:\n {2}voucher \d+: 400\.00 CNY, Active/);
});

test("for the same inputs the client's signed transaction is the CLI's, byte for byte", async () => {
  const maturity = (await today()) + 60;
  // A trade document backs one voucher only: a fresh one per run.
  const tradeRef = toHex(crypto.getRandomValues(new Uint8Array(32)));
  // The CLI signs and submits; --no-wait prints the transaction's id (SHA-256 of its borsh bytes) and nonce.
  const submitted = await scf(
    "voucher", "issue", "--to", "supplier1", "--amount", "12.34", "--currency", "CNY",
    "--maturity", isoDay(maturity), "--ref", tradeRef, "--as", "core", "--no-wait",
  );
  const args = { to: "supplier1", amount: 1234n, currency: "CNY", maturity_day: maturity, trade_ref: tradeRef };
  const tx = {
    chain_id: (await client.chain()).chain_id,
    sender: core.account,
    nonce: BigInt(submitted.nonce),
    payload: callPayload(receivables.methods.issue, args),
  };
  const signed = signTransaction(core, tx);
  assert.equal(signed.hash, submitted.hash, "the same transaction, signed by the same key, has the same bytes");
  // And the node holds those bytes: the committed call's arguments are the client's encoding.
  const view = await client.waitFor(submitted.hash, { as: core });
  assert.equal(view.args, toHex(encodeArgs(receivables.methods.issue, args)));
  assert.equal(view.receipt.success, true);

  // A transfer, signed by another key, built by the client (its chain id, the nonce it picks).
  const issued = await client.call(core, receivables.methods.issue, { ...args, trade_ref: null });
  await client.call(supplier1, receivables.methods.accept, issued.value);
  const built = await client.buildTransaction(
    supplier1,
    callPayload(receivables.methods.transfer, { id: issued.value, to: "supplier2", amount: 100n }),
  );
  const ours = signTransaction(supplier1, built);
  const cliTransfer = await scf(
    "voucher", "transfer", String(issued.value), "--to", "supplier2", "--amount", "1.00", "--as", "supplier1", "--no-wait",
  );
  assert.equal(BigInt(cliTransfer.nonce), built.nonce);
  assert.equal(ours.hash, cliTransfer.hash);
  await client.waitFor(cliTransfer.hash, { as: supplier1 });
});

test("events the client decodes equal the CLI's decoding", async () => {
  const cliEvents = (await run(cli, ["--node", url, "--json", "watch", "events", "--party", "supplier1", "--from-height", "0", "--to-height", String((await client.chainHead()).height), "--as", "supplier1"], { env: process.env }))
    .stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.ok(cliEvents.length >= 6, `supplier1 has events by now: ${cliEvents.length}`);
  const reader = client.as(supplier1);
  let after = null;
  const ours = [];
  for (;;) {
    const page = await reader.getEvents({ party: "supplier1", to_height: cliEvents.at(-1).cursor.height }, after, 3);
    ours.push(...page.events);
    after = page.next;
    if (page.complete) break;
  }
  assert.equal(ours.length, cliEvents.length);
  const topics = new Set();
  ours.forEach((event, i) => {
    const theirs = cliEvents[i];
    assert.deepEqual(event.cursor, theirs.cursor);
    assert.equal(event.topic, theirs.topic);
    assert.ok(event.body !== undefined, `${event.topic} decodes`);
    assert.deepEqual(toJson(event.body), theirs.decoded, `${event.topic} at ${JSON.stringify(event.cursor)}`);
    topics.add(event.topic);
  });
  for (const topic of ["voucher_issued", "voucher_accepted", "voucher_transferred"]) assert.ok(topics.has(topic), topic);
  // Typed: a transfer's body names both pieces.
  const transfer = ours.find((e) => e.topic === "voucher_transferred");
  assert.equal(typeof transfer.body.transferred, "bigint");
  assert.equal(transfer.contractName, "receivables");
});

test("a refused transfer surfaces the contract's error code; a refused submission the node's", async () => {
  const issued = await client.call(core, receivables.methods.issue, {
    to: "supplier2", amount: 500n, currency: "CNY", maturity_day: (await today()) + 30, trade_ref: null,
  });
  await client.call(supplier2, receivables.methods.accept, issued.value);
  await assert.rejects(
    client.call(supplier2, receivables.methods.transfer, { id: issued.value, to: "supplier1", amount: 501n }),
    (e) => {
      assert.ok(e instanceof TransactionFailed, String(e));
      assert.equal(e.kind, "contract_error");
      assert.equal(e.code, ContractErrorCode.exceeds_amount);
      assert.equal(e.codeName, "exceeds_amount");
      assert.ok(e.height > 0);
      return true;
    },
  );
  // Not the holder: unauthorized.
  await assert.rejects(client.call(supplier1, receivables.methods.transfer, { id: issued.value, to: "supplier1", amount: 1n }), (e) => e instanceof TransactionFailed && e.code === ContractErrorCode.unauthorized);
  // Refused before execution: a transaction for another chain.
  const wrongChain = signTransaction(core, {
    chain_id: "another-chain", sender: core.account, nonce: 0n,
    payload: callPayload(receivables.methods.accept, 1n),
  });
  await assert.rejects(client.submit(wrongChain), (e) => {
    assert.ok(e instanceof RpcError, String(e));
    assert.equal(e.code, RpcErrorCode.invalid_transaction);
    assert.equal(e.codeName, "invalid_transaction");
    assert.equal(e.kind, "wrong_chain_id");
    return true;
  });
  // A key that is no member cannot sign in, and the node refuses its transactions at admission.
  const stranger = Keypair.generate();
  await assert.rejects(client.call(stranger, receivables.methods.accept, 1n), (e) => e instanceof RpcError && e.code === RpcErrorCode.forbidden && e.kind === "not_a_member");
  const strangers = signTransaction(stranger, {
    chain_id: (await client.chain()).chain_id, sender: stranger.account, nonce: 0n,
    payload: callPayload(receivables.methods.accept, 1n),
  });
  await assert.rejects(client.submit(strangers), (e) => e instanceof RpcError && e.code === RpcErrorCode.invalid_transaction && e.kind === "not_a_member");
  // Two calls at once from one signer take consecutive nonces.
  const today0 = await today();
  const [a, b] = await Promise.all([0, 1].map((k) =>
    client.call(core, receivables.methods.issue, { to: "supplier2", amount: 10n + BigInt(k), currency: "CNY", maturity_day: today0 + 5, trade_ref: null })));
  assert.notEqual(a.value, b.value);
});

test("reads follow the access tiers: anonymous, a member's login, the operator's cookie", async () => {
  const anonymous = new ScfClient(url);
  await assert.rejects(anonymous.request("scf_getTransactionsOf", { member: "supplier1" }, null, 10), (e) => e instanceof RpcError && e.code === RpcErrorCode.forbidden);
  // A member reads its own transactions with its login...
  const own = await client.as(supplier1).request("scf_getTransactionsOf", { member: "supplier1" }, null, 10);
  assert.ok(own.transactions.length > 0);
  // ...and a signed query reveals its vouchers, which an unsigned one does not.
  const held = await client.query(receivables.methods.list_by_holder, "supplier1", { as: supplier1 });
  assert.ok(held.length > 0 && held.every((v) => v.holder === "supplier1"));
  await assert.rejects(anonymous.query(receivables.methods.list_by_holder, "supplier1"), (e) => e instanceof RpcError && e.code === RpcErrorCode.forbidden && e.kind === "login_required");
  // Signed in as supplier2, the query of supplier1's holdings is refused by the contract.
  await assert.rejects(client.query(receivables.methods.list_by_holder, "supplier1", { as: supplier2 }), (e) => e instanceof RpcError && e.code === RpcErrorCode.query_failed && e.data.error_name === "not_visible");
  // Another member may not read supplier1's transactions.
  await assert.rejects(client.as(Keypair.dev("bank")).request("scf_getTransactionsOf", { member: "supplier1" }, null, 10), RpcError);
  // The operator sees the node's peers.
  const operator = new ScfClient(url, { operatorCookie: readFileSync(cookieFile, "utf8") });
  assert.ok(Array.isArray(await operator.request("scf_getPeers")));
  await assert.rejects(anonymous.request("scf_getPeers"), (e) => e instanceof RpcError && e.code === RpcErrorCode.forbidden);
  // A credential never goes in the clear to another machine.
  await assert.rejects(new ScfClient("http://192.0.2.1:9944", { operatorCookie: "secret" }).chainHead(), /refusing to send a credential over plain http/);
});

test("keys from the CLI's key store open in the client", async () => {
  const name = `erp-${process.pid}`;
  const created = await scf("keys", "new", name);
  const key = await loadKey(name, { home });
  assert.equal(key.account, created.account);
  await assert.rejects(loadKey(name, { home, passphrase: "wrong" }), KeyFileError);
  assert.equal((await loadKey("core", { home })).account, core.account, "dev keys by name");
  // The client's dev keys are the CLI's: the same names, the same accounts.
  const cliDevKeys = (await scf("keys", "list")).filter((k) => k.dev);
  assert.deepEqual(cliDevKeys.map((k) => k.name), [...DEV_KEY_NAMES]);
  for (const k of cliDevKeys) assert.equal(Keypair.dev(k.name).account, k.account, k.name);
  await assert.rejects(loadKey("nobody", { home }), /no key named "nobody"/);
});

test("the follow-events example resumes from its cursor with nothing lost or repeated", async () => {
  const reader = client.as(supplier1);
  const all = [];
  for (let after = null; ; ) {
    const page = await reader.getEvents({ party: "supplier1" }, after, 100);
    all.push(...page.events);
    after = page.next;
    if (page.complete) break;
  }
  assert.ok(all.length >= 6);
  const first = await example("follow-events.mjs", "--member", "supplier1", "--from-height", "0", "--count", "4", "--json");
  const firstLines = first.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(firstLines.length, 4);
  const resume = /resume with --after (\d+:\d+:\d+)/.exec(first.stderr)?.[1];
  assert.ok(resume, first.stderr);

  // Resume: the stored rest, then one more live event that commits while it follows.
  const rest = all.length - 4;
  const follower = spawn(process.execPath, [join(examples, "follow-events.mjs"), "--node", url, "--member", "supplier1", "--after", resume, "--count", String(rest + 1), "--json"], { env: process.env });
  let out = "";
  let err = "";
  follower.stdout.on("data", (d) => (out += d));
  follower.stderr.on("data", (d) => (err += d));
  const exited = new Promise((resolve) => follower.on("exit", resolve));
  // Wait until it has printed the stored ones, then make a live event.
  for (let i = 0; out.trim().split("\n").filter(Boolean).length < rest; i++) {
    assert.ok(i < 600, `the follower printed ${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const live = await client.call(core, receivables.methods.issue, {
    to: "supplier1", amount: 777n, currency: "CNY", maturity_day: (await today()) + 10, trade_ref: null,
  });
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 60_000))]);
  if (code === "timeout") follower.kill();
  assert.equal(code, 0, `${out}\n${err}`);
  const second = out.trim().split("\n").map((l) => JSON.parse(l));
  const union = [...firstLines, ...second];
  assert.deepEqual(union.slice(0, all.length).map((e) => e.cursor), all.map((e) => e.cursor), "nothing lost, nothing repeated");
  const last = union.at(-1);
  assert.equal(last.topic, "voucher_issued");
  assert.equal(last.body.id, String(live.value));
  assert.equal(last.tx_hash, live.hash);
});

test("subscriptions: new heads arrive as blocks commit", async () => {
  const heads = await client.subscribeNewHeads();
  const before = (await client.chainHead()).height;
  const seen = [];
  for await (const head of heads) {
    seen.push(head.height);
    if (seen.length === 2) break;
  }
  assert.ok(seen[0] >= before && seen[1] === seen[0] + 1, JSON.stringify(seen));
  client.close();
});
