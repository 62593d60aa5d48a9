#!/usr/bin/env node
// The receivables story in a few calls, on a dev chain with its dev keys: `core` issues a payable
// voucher to `supplier1`, `supplier1` accepts it and transfers part of it to `supplier2`. Prints
// the vouchers' ids and what each holder holds.
//
//   node examples/quickstart.mjs [--node http://127.0.0.1:9944] [--json]
import { parseArgs } from "node:util";

import { Keypair, ScfClient, TransactionFailed, receivables, toJson } from "@scf-chain/client";

const { values: args } = parseArgs({
  options: {
    node: { type: "string", default: "http://127.0.0.1:9944" },
    json: { type: "boolean", default: false },
  },
});

const client = new ScfClient(args.node);
const core = Keypair.dev("core");
const supplier1 = Keypair.dev("supplier1");
const supplier2 = Keypair.dev("supplier2");

// Maturity is a calendar day the contracts judge by block time: 90 days after the chain's today.
const head = await client.chainHead();
const today = Math.floor(Math.max(head.timestamp_ms, Date.now()) / 86_400_000);

try {
  // Amounts are integers in minor units: 1,000.00 CNY is 100000.
  const issued = await client.call(core, receivables.methods.issue, {
    to: "supplier1",
    amount: 100_000n,
    currency: "CNY",
    maturity_day: today + 90,
    trade_ref: null,
  });
  const voucher = issued.value;
  log(`core issued voucher ${voucher} to supplier1: 1000.00 CNY (tx ${issued.hash}, block ${issued.height})`);

  const accepted = await client.call(supplier1, receivables.methods.accept, voucher);
  log(`supplier1 accepted voucher ${voucher} (block ${accepted.height})`);

  const moved = await client.call(supplier1, receivables.methods.transfer, { id: voucher, to: "supplier2", amount: 40_000n });
  const { transferred, remainder } = moved.value;
  log(`supplier1 transferred 400.00 CNY to supplier2: voucher ${transferred}; supplier1 keeps voucher ${remainder} (block ${moved.height})`);

  // Holdings are confidential: each holder asks with a query signed by its own key.
  const held1 = await client.query(receivables.methods.list_by_holder, "supplier1", { as: supplier1 });
  const held2 = await client.query(receivables.methods.list_by_holder, "supplier2", { as: supplier2 });
  const summary = (v) => ({ id: v.id, amount: v.amount, root_id: v.root_id, status: v.status });
  if (args.json) {
    console.log(
      JSON.stringify(
        toJson({
          issued: voucher,
          transferred,
          remainder,
          holders: { supplier1: held1.map(summary), supplier2: held2.map(summary) },
        }),
      ),
    );
  } else {
    for (const [holder, held] of [["supplier1", held1], ["supplier2", held2]]) {
      console.log(`${holder} holds:`);
      for (const v of held) console.log(`  voucher ${v.id}: ${money(v.amount, v.currency)}, ${v.status} (from voucher ${v.root_id})`);
    }
  }
} catch (e) {
  if (e instanceof TransactionFailed) {
    console.error(`refused: ${e.reason} [${e.kind}${e.codeName ? `: ${e.codeName}` : ""}, code ${e.code}]`);
    process.exit(1);
  }
  throw e;
}

/** Minor units as a decimal amount: 0 decimals for JPY and KRW, 2 for other currencies (ISO 4217). */
function money(minor, currency) {
  const decimals = ["JPY", "KRW"].includes(currency) ? 0n : 2n;
  const unit = 10n ** decimals;
  const fraction = decimals ? "." + String(minor % unit).padStart(Number(decimals), "0") : "";
  return `${minor / unit}${fraction} ${currency}`;
}

function log(line) {
  if (!args.json) console.log(line);
}
