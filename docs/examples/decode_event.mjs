// Decodes a system contract event's body with nothing but the interface schema
// (docs/schema/interface.json): no Rust, no generated code. Node.js 18 or later.
//
//   node docs/examples/decode_event.mjs docs/schema/interface.json <contract> <topic> <data hex>
//
// prints the body as JSON (integers as strings: u64 and u128 do not fit a JS number).
import { readFileSync } from "node:fs";

const [schemaPath, contractName, topic, dataHex] = process.argv.slice(2);
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
const contract = schema.contracts.find((c) => c.name === contractName);
if (!contract) throw new Error(`no contract ${contractName} in the schema`);
const event = contract.events.find((e) => e.topic === topic);
if (!event) throw new Error(`${contractName} declares no event ${topic}`);

const bytes = Buffer.from(dataHex.replace(/^0x/, ""), "hex");
let pos = 0;
const take = (n) => {
  if (pos + n > bytes.length) throw new Error("the data ends early");
  const slice = bytes.subarray(pos, pos + n);
  pos += n;
  return slice;
};
const uint = (n) => {
  let v = 0n;
  take(n).forEach((b, i) => (v |= BigInt(b) << BigInt(8 * i)));
  return v; // little-endian
};

function decode(declaration) {
  const def = contract.definitions[declaration];
  if (!def) throw new Error(`no definition of ${declaration}`);
  if ("primitive" in def) {
    const size = def.primitive;
    if (declaration === "bool") return take(1)[0] === 1;
    if (size === 0) return null;
    const v = uint(size);
    const signed = /^i\d+$/.test(declaration) && v >> BigInt(8 * size - 1) === 1n;
    return (signed ? v - (1n << BigInt(8 * size)) : v).toString();
  }
  if ("sequence" in def) {
    const s = def.sequence;
    const length = s.length_width === 0 ? s.min_length : Number(uint(s.length_width));
    if (s.elements === "u8") {
      const raw = take(length);
      return declaration === "String" ? raw.toString("utf8") : "0x" + raw.toString("hex");
    }
    return Array.from({ length }, () => decode(s.elements));
  }
  if ("tuple" in def) return def.tuple.map(decode);
  if ("tuple_struct" in def) return def.tuple_struct.length === 1 ? decode(def.tuple_struct[0]) : def.tuple_struct.map(decode);
  if ("struct" in def) return Object.fromEntries(def.struct.map((f) => [f.name, decode(f.type)]));
  if ("enum" in def) {
    const tag = Number(uint(def.enum.tag_width));
    const variant = def.enum.variants.find((v) => v.tag === tag);
    if (!variant) throw new Error(`${declaration}: unknown variant ${tag}`);
    if (declaration.startsWith("Option<")) return variant.name === "Some" ? decode(variant.type) : null;
    const value = decode(variant.type);
    return value === null || (typeof value === "object" && Object.keys(value).length === 0)
      ? variant.name
      : { [variant.name]: value };
  }
  throw new Error(`cannot decode ${declaration}: ${JSON.stringify(def)}`);
}

const body = decode(event.body);
if (pos !== bytes.length) throw new Error(`${bytes.length - pos} bytes left over`);
console.log(JSON.stringify({ topic, body: event.body, parties: event.parties, subjects: event.subjects, value: body }));
