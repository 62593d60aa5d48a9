// The client's codec, keys and signing preimages, offline. What they must equal in the Rust node and
// CLI is checked against a real node in test/node.test.mjs.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  CodecError,
  ContractErrorCode,
  Keypair,
  RpcErrorCode,
  decode,
  encode,
  fromHex,
  loginHeader,
  receivables,
  registry,
  signTransaction,
  systemAddress,
  toHex,
  toJson,
  transactionSigningBytes,
  verify,
  wire,
} from "@scf-chain/client";

test("the generated contracts carry the addresses genesis derives", () => {
  assert.equal(receivables.address, systemAddress("receivables"));
  assert.equal(registry.address, systemAddress("registry"));
  assert.equal(receivables.methods.issue.returns, "u64");
  assert.equal(ContractErrorCode.exceeds_amount, 7);
  assert.equal(RpcErrorCode.invalid_transaction, 1001);
});

test("borsh layout: little-endian integers, u32 lengths, option and enum tags", () => {
  const args = { to: "s1", amount: 258n, currency: "CNY", maturity_day: 20_000, trade_ref: null };
  const bytes = encode(receivables.definitions, "IssueArgs", args);
  assert.equal(
    toHex(bytes),
    "0x" +
      "02000000" + "7331" + // "s1"
      "02010000000000000000000000000000" + // 258 as u128
      "03000000" + "434e59" + // "CNY"
      "204e0000" + // 20000 as u32
      "00", // None
  );
  assert.deepEqual(decode(receivables.definitions, "IssueArgs", bytes), args);
  const withRef = { ...args, trade_ref: "0x" + "ab".repeat(32) };
  const refBytes = encode(receivables.definitions, "IssueArgs", withRef);
  assert.equal(refBytes.length, bytes.length + 32);
  assert.deepEqual(decode(receivables.definitions, "IssueArgs", refBytes), withRef);
  // Unit variants are names; others {Variant: value}.
  assert.equal(toHex(encode(receivables.definitions, "VoucherStatus", "Active")), "0x01");
  assert.equal(decode(receivables.definitions, "VoucherStatus", "0x06"), "Settled");
  const payload = { Call: { contract: receivables.address, method: "accept", args: "0x0700000000000000" } };
  assert.deepEqual(decode(wire.definitions, "Payload", encode(wire.definitions, "Payload", payload)), payload);
});

test("values that do not fit their type are refused with where and why", () => {
  const bad = (value, pattern) =>
    assert.throws(() => encode(receivables.definitions, "TransferArgs", value), (e) => e instanceof CodecError && pattern.test(e.message));
  bad({ id: -1n, to: "x", amount: 1n }, /TransferArgs\.id: -1 is out of range for u64/);
  bad({ id: 1n, to: "x", amount: 1n << 128n }, /amount: .* out of range for u128/);
  bad({ id: 1n, to: 7, amount: 1n }, /TransferArgs\.to: expected a string/);
  bad({ id: 1n, amount: 1n }, /missing field to/);
  bad({ id: 1.5, to: "x", amount: 1n }, /expected an integer/);
  assert.throws(() => encode(receivables.definitions, "VoucherStatus", "Gone"), /no variant "Gone"/);
  assert.throws(() => encode(wire.definitions, "AccountId", "0x1234"), /exactly 32 bytes/);
});

test("hostile bytes never decode into something else", () => {
  const good = encode(receivables.definitions, "TransferArgs", { id: 1n, to: "supplier2", amount: 5n });
  for (let cut = 0; cut < good.length; cut++) {
    assert.throws(() => decode(receivables.definitions, "TransferArgs", good.subarray(0, cut)), CodecError);
  }
  assert.throws(() => decode(receivables.definitions, "TransferArgs", new Uint8Array([...good, 0])), /1 bytes left over/);
  // A length far beyond the input is refused before any allocation.
  assert.throws(() => decode(receivables.definitions, "Vec<Voucher>", "0xffffffff"), /does not fit/);
  assert.throws(() => decode(receivables.definitions, "VoucherStatus", "0x63"), /no variant has tag 99/);
  assert.throws(() => decode(receivables.definitions, "String", "0x02000000c328"), /not UTF-8/);
  // Random bytes: a CodecError or a value, never anything else.
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed & 0xff);
  for (let i = 0; i < 2000; i++) {
    const bytes = Uint8Array.from({ length: random() % 64 }, random);
    try {
      decode(receivables.definitions, "Voucher", bytes);
    } catch (e) {
      assert.ok(e instanceof CodecError, String(e));
    }
  }
});

test("toJson writes wide integers as decimal strings, as the node's decoded", () => {
  assert.deepEqual(toJson({ id: 7n, n: 3, list: [1n << 100n], none: null }), {
    id: "7",
    n: 3,
    list: ["1267650600228229401496703205376"],
    none: null,
  });
});

test("keys: dev keys are SHA-256 seeds, signatures verify strictly, the seed stays private", () => {
  const core = Keypair.dev("core");
  assert.match(core.account, /^0x[0-9a-f]{64}$/);
  assert.equal(Keypair.devKeyName(core.account), "core");
  assert.equal(Keypair.devKeyName(Keypair.generate().account), undefined);
  const message = new TextEncoder().encode("hello");
  const signature = core.sign(message);
  assert.ok(verify(core.account, message, signature));
  assert.ok(!verify(Keypair.dev("bank").account, message, signature));
  assert.equal(JSON.stringify(core), JSON.stringify({ account: core.account }));
  assert.equal(String(core), `Keypair(${core.account})`);
});

test("a signed transaction is borsh(tx) then the signature over the domain-prefixed preimage", () => {
  const core = Keypair.dev("core");
  const tx = {
    chain_id: "scf-dev",
    sender: core.account,
    nonce: 3n,
    payload: { Call: { contract: receivables.address, method: "accept", args: "0x0100000000000000" } },
  };
  const signed = signTransaction(core, tx);
  const preimage = transactionSigningBytes(tx);
  assert.equal(new TextDecoder().decode(preimage.subarray(0, 16)), "scf-chain/tx/v1\0");
  assert.ok(verify(core.account, preimage, fromHex(signed.signature)));
  assert.deepEqual(decode(wire.definitions, "SignedTransaction", signed.bytes), { tx, signature: signed.signature });
  assert.deepEqual(signTransaction(core, tx).bytes, signed.bytes, "ed25519 signing is deterministic");
  assert.throws(() => signTransaction(Keypair.dev("bank"), tx), /sender/);
});

test("a login header names the account, the expiry and the signature", () => {
  const key = Keypair.dev("auditor");
  const header = loginHeader(key, "scf-dev", 1_700_000_000_000);
  const [, account, expiry, signature] = /^Bearer scf1\.([0-9a-f]{64})\.(\d+)\.([0-9a-f]{128})$/.exec(header);
  assert.equal("0x" + account, key.account);
  assert.equal(expiry, "1700000000000");
  const login = encode(wire.definitions, "LoginAuthorization", {
    chain_id: "scf-dev",
    account: key.account,
    expires_at_ms: 1_700_000_000_000n,
  });
  const preimage = new Uint8Array([...new TextEncoder().encode("scf-chain/rpc-login/v1\0"), ...login]);
  assert.ok(verify(key.account, preimage, fromHex(signature)));
});
