#!/usr/bin/env node
// Follows one member's events as they commit, signed in as that member: the stored ones after a
// cursor first, then live ones. Each line carries the event's cursor; on stop (Ctrl-C or --count)
// it prints the cursor to resume from, and a run with `--after` that cursor loses and repeats
// nothing.
//
//   node examples/follow-events.mjs [--node URL] [--member supplier1] [--as KEY]
//        [--after HEIGHT:TX:EVENT | --from-height H] [--count N] [--json]
//
// --as names a key of the CLI's key store ($SCF_HOME/keys, passphrase in SCF_PASSPHRASE) or a dev
// key; it defaults to the member's name, which is a dev key on a dev chain.
import { parseArgs } from "node:util";

import { ScfClient, loadKey, toJson } from "@scf-chain/client";

const { values: args } = parseArgs({
  options: {
    node: { type: "string", default: "http://127.0.0.1:9944" },
    member: { type: "string", default: "supplier1" },
    as: { type: "string" },
    after: { type: "string" },
    "from-height": { type: "string" },
    count: { type: "string" },
    json: { type: "boolean", default: false },
  },
});

function parseCursor(text) {
  const m = /^(\d+):(\d+):(\d+)$/.exec(text);
  if (!m) throw new Error(`--after ${text}: expected HEIGHT:TX:EVENT, as this program prints`);
  return { height: Number(m[1]), tx_index: Number(m[2]), event_index: Number(m[3]) };
}
const cursorText = (c) => `${c.height}:${c.tx_index}:${c.event_index}`;

const key = await loadKey(args.as ?? args.member);
const client = new ScfClient(args.node, { as: key });
const filter = { party: args.member };
if (args["from-height"] !== undefined) filter.from_height = Number(args["from-height"]);
const count = args.count === undefined ? Infinity : Number(args.count);

let last = args.after ? parseCursor(args.after) : undefined;
let seen = 0;
const stop = () => {
  if (last) console.error(`stopped; resume with --after ${cursorText(last)}`);
  client.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

for await (const event of client.followEvents(filter, last)) {
  last = event.cursor;
  if (args.json) {
    console.log(JSON.stringify(toJson({ cursor: event.cursor, tx_hash: event.tx_hash, contract: event.contractName ?? event.contract, topic: event.topic, parties: event.parties, subjects: event.subjects, body: event.body })));
  } else {
    const subjects = event.subjects.map((s) => `${s.kind}:${s.id}`).join(",");
    console.log(`${cursorText(event.cursor)} ${event.topic} [${subjects}] ${JSON.stringify(toJson(event.body ?? event.data))}`);
  }
  if (++seen >= count) break;
}
stop();
