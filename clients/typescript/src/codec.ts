// Borsh values through the interface schema (docs/schema/interface.json): the one codec behind
// transactions, call arguments, return values and event bodies.
//
// Values take the JSON form the node uses for `decoded` (node/src/decode.rs), so what this codec
// decodes compares equal to what the node shows: structs as objects, a single-field tuple struct as
// its field, a unit enum variant as its name and any other as `{Variant: value}`, `Option` as the
// value or `null`, byte arrays and byte vectors as `0x` hex. Integers up to 32 bits are numbers;
// wider ones (u64, u128, i64, i128: money and ids) are `bigint` here and decimal strings in JSON
// (`toJson`). The borsh layout itself is the schema's: little-endian integers, a u32 length before
// strings and vectors, one tag byte before an enum variant.
//
// Decoding never trusts its input: a length beyond the bytes left, a tag no variant has, bytes left
// over or nesting deeper than the node allows all throw a `CodecError`, before any large allocation.

/** One entry of a schema's `definitions` table (borsh's own schema, as the node publishes it). */
export type Definition =
  | { primitive: number }
  | { sequence: { elements: string; length_width: number; min_length: number; max_length: number } }
  | { tuple: string[] }
  | { tuple_struct: string[] }
  | { struct: { name: string; type: string }[] }
  | { enum: { tag_width: number; variants: { name: string; tag: number; type: string }[] } };

export type Definitions = Readonly<Record<string, Definition>>;

/** `0x`-prefixed lowercase hex. */
export type Hex = string;

/** A value in the codec's form (see the module comment). */
export type Value = null | boolean | number | bigint | string | Value[] | { [key: string]: Value };

/** Bytes that do not decode as the type, or a value that does not encode as it. */
export class CodecError extends Error {
  constructor(
    message: string,
    /** Where in the value: `IssueArgs.amount`, `Vec<Voucher>[2].holder`. */
    readonly path: string,
  ) {
    super(`${path}: ${message}`);
    this.name = "CodecError";
  }
}

/** Deepest nesting decoding follows (as the node's decoder). */
const MAX_DEPTH = 32;

const INTEGER_WIDTHS: Record<string, [bytes: number, signed: boolean]> = {
  u8: [1, false],
  u16: [2, false],
  u32: [4, false],
  u64: [8, false],
  u128: [16, false],
  i8: [1, true],
  i16: [2, true],
  i32: [4, true],
  i64: [8, true],
  i128: [16, true],
};

export function toHex(bytes: Uint8Array): Hex {
  let out = "0x";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Hex (with or without `0x`) to bytes; throws on anything else. */
export function fromHex(hex: string): Uint8Array {
  const digits = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) {
    throw new CodecError("not hex", JSON.stringify(hex.length > 80 ? hex.slice(0, 80) + "…" : hex));
  }
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function isOption(declaration: string): boolean {
  return declaration.startsWith("Option<");
}

function isUnit(definitions: Definitions, declaration: string): boolean {
  const def = definitions[declaration];
  return def !== undefined && "struct" in def && def.struct.length === 0;
}

class Writer {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number) {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  bytes(b: Uint8Array) {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  uint(value: bigint, width: number) {
    this.reserve(width);
    for (let i = 0; i < width; i++) {
      this.buf[this.len++] = Number(value & 0xffn);
      value >>= 8n;
    }
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function integer(value: unknown, declaration: string, path: string): bigint {
  const [width, signed] = INTEGER_WIDTHS[declaration]!;
  let v: bigint;
  if (typeof value === "bigint") v = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) v = BigInt(value);
  else if (typeof value === "string" && /^-?[0-9]+$/.test(value)) v = BigInt(value);
  else throw new CodecError(`expected an integer (${declaration}), got ${describe(value)}`, path);
  const bits = BigInt(8 * width);
  const [min, max] = signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
  if (v < min || v > max) throw new CodecError(`${v} is out of range for ${declaration}`, path);
  return v < 0n ? v + (1n << bits) : v;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : typeof value;
}

function bytesOf(value: unknown, path: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") {
    try {
      return fromHex(value);
    } catch {
      throw new CodecError(`expected 0x-hex bytes, got ${describe(value)}`, path);
    }
  }
  throw new CodecError(`expected bytes (0x-hex or Uint8Array), got ${describe(value)}`, path);
}

function encodeInto(w: Writer, defs: Definitions, declaration: string, value: unknown, path: string): void {
  if (declaration === "String") {
    if (typeof value !== "string") throw new CodecError(`expected a string, got ${describe(value)}`, path);
    // A lone surrogate has no UTF-8 form: refused, not silently replaced.
    if (!value.isWellFormed()) throw new CodecError("the string holds a lone surrogate (not valid Unicode)", path);
    const utf8 = new TextEncoder().encode(value);
    w.uint(BigInt(utf8.length), 4);
    w.bytes(utf8);
    return;
  }
  if (declaration === "bool") {
    if (typeof value !== "boolean") throw new CodecError(`expected a boolean, got ${describe(value)}`, path);
    w.uint(value ? 1n : 0n, 1);
    return;
  }
  if (declaration in INTEGER_WIDTHS) {
    w.uint(integer(value, declaration, path), INTEGER_WIDTHS[declaration]![0]);
    return;
  }
  const def = defs[declaration];
  if (def === undefined) throw new CodecError(`the schema does not define ${declaration}`, path);
  if ("primitive" in def) {
    if (def.primitive !== 0) throw new CodecError(`unknown primitive ${declaration}`, path);
    if (value !== null && value !== undefined) throw new CodecError(`expected null, got ${describe(value)}`, path);
    return;
  }
  if ("sequence" in def) {
    const s = def.sequence;
    const fixed = s.length_width === 0;
    if (s.elements === "u8") {
      const b = bytesOf(value, path);
      if (fixed && b.length !== s.min_length) {
        throw new CodecError(`expected exactly ${s.min_length} bytes, got ${b.length}`, path);
      }
      if (b.length > s.max_length) throw new CodecError(`${b.length} bytes, more than ${s.max_length}`, path);
      if (!fixed) w.uint(BigInt(b.length), s.length_width);
      w.bytes(b);
      return;
    }
    if (!Array.isArray(value)) throw new CodecError(`expected an array, got ${describe(value)}`, path);
    if (value.length > s.max_length) throw new CodecError(`${value.length} elements, more than ${s.max_length}`, path);
    if (fixed && value.length !== s.min_length) {
      throw new CodecError(`expected exactly ${s.min_length} elements, got ${value.length}`, path);
    }
    if (!fixed) w.uint(BigInt(value.length), s.length_width);
    value.forEach((v, i) => encodeInto(w, defs, s.elements, v, `${path}[${i}]`));
    return;
  }
  if ("tuple" in def || "tuple_struct" in def) {
    const fields = "tuple" in def ? def.tuple : def.tuple_struct;
    if ("tuple_struct" in def && fields.length === 1) {
      encodeInto(w, defs, fields[0]!, value, path);
      return;
    }
    if (!Array.isArray(value) || value.length !== fields.length) {
      throw new CodecError(`expected an array of ${fields.length}, got ${describe(value)}`, path);
    }
    fields.forEach((f, i) => encodeInto(w, defs, f, value[i], `${path}[${i}]`));
    return;
  }
  if ("struct" in def) {
    if (def.struct.length === 0) return;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new CodecError(`expected an object, got ${describe(value)}`, path);
    }
    const object = value as Record<string, unknown>;
    // A misspelt field would otherwise encode as a missing optional one.
    for (const key of Object.keys(object)) {
      if (!def.struct.some((f) => f.name === key)) {
        throw new CodecError(`unknown field ${key} (fields: ${def.struct.map((f) => f.name).join(", ")})`, path);
      }
    }
    for (const f of def.struct) {
      const v = object[f.name];
      if (v === undefined && !isOption(f.type)) throw new CodecError(`missing field ${f.name}`, path);
      encodeInto(w, defs, f.type, v, `${path}.${f.name}`);
    }
    return;
  }
  const e = def.enum;
  const variant = (name: string) => {
    const found = e.variants.find((v) => v.name === name);
    if (!found) {
      const names = e.variants.map((v) => v.name).join(", ");
      throw new CodecError(`no variant ${JSON.stringify(name)} (one of ${names})`, path);
    }
    return found;
  };
  if (isOption(declaration)) {
    if (value === null || value === undefined) {
      w.uint(BigInt(variant("None").tag), e.tag_width);
      return;
    }
    const some = variant("Some");
    w.uint(BigInt(some.tag), e.tag_width);
    encodeInto(w, defs, some.type, value, path);
    return;
  }
  if (typeof value === "string") {
    const v = variant(value);
    if (!isUnit(defs, v.type)) throw new CodecError(`variant ${value} carries a value: {${value}: …}`, path);
    w.uint(BigInt(v.tag), e.tag_width);
    return;
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const v = variant(keys[0]!);
      w.uint(BigInt(v.tag), e.tag_width);
      encodeInto(w, defs, v.type, (value as Record<string, unknown>)[keys[0]!], `${path}.${v.name}`);
      return;
    }
  }
  throw new CodecError(`expected a variant name or {Variant: value}, got ${describe(value)}`, path);
}

/** The borsh bytes of `value` as the type `declaration` of `definitions`. */
export function encode(definitions: Definitions, declaration: string, value: unknown): Uint8Array {
  const w = new Writer();
  encodeInto(w, definitions, declaration, value, declaration);
  return w.finish();
}

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  get left(): number {
    return this.bytes.length - this.pos;
  }

  take(n: number, path: string): Uint8Array {
    if (n > this.left) throw new CodecError(`the data ends early (${n} bytes wanted, ${this.left} left)`, path);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uint(width: number, path: string): bigint {
    let v = 0n;
    this.take(width, path).forEach((b, i) => (v |= BigInt(b) << BigInt(8 * i)));
    return v;
  }
}

function decodeFrom(r: Reader, defs: Definitions, declaration: string, path: string, depth: number): Value {
  if (depth > MAX_DEPTH) throw new CodecError("nested too deep", path);
  if (declaration === "String") {
    const len = Number(r.uint(4, path));
    try {
      // ignoreBOM: a leading U+FEFF is part of the string, as in Rust.
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(r.take(len, path));
    } catch (e) {
      if (e instanceof CodecError) throw e;
      throw new CodecError("not UTF-8", path);
    }
  }
  if (declaration === "bool") {
    const b = r.take(1, path)[0];
    if (b !== 0 && b !== 1) throw new CodecError(`bool byte ${b}`, path);
    return b === 1;
  }
  if (declaration in INTEGER_WIDTHS) {
    const [width, signed] = INTEGER_WIDTHS[declaration]!;
    let v = r.uint(width, path);
    const bits = BigInt(8 * width);
    if (signed && v >> (bits - 1n) === 1n) v -= 1n << bits;
    return width <= 4 ? Number(v) : v;
  }
  const def = defs[declaration];
  if (def === undefined) throw new CodecError(`the schema does not define ${declaration}`, path);
  if ("primitive" in def) {
    if (def.primitive !== 0) throw new CodecError(`unknown primitive ${declaration}`, path);
    return null;
  }
  if ("sequence" in def) {
    const s = def.sequence;
    const len = s.length_width === 0 ? s.min_length : Number(r.uint(s.length_width, path));
    // Every element takes at least a byte: a length beyond the bytes left is refused before any work.
    if (len < s.min_length || len > s.max_length || len > r.left) {
      throw new CodecError(`length ${len} does not fit (${r.left} bytes left)`, path);
    }
    if (s.elements === "u8") return toHex(r.take(len, path));
    const out: Value[] = [];
    for (let i = 0; i < len; i++) out.push(decodeFrom(r, defs, s.elements, `${path}[${i}]`, depth + 1));
    return out;
  }
  if ("tuple" in def || "tuple_struct" in def) {
    const fields = "tuple" in def ? def.tuple : def.tuple_struct;
    if ("tuple_struct" in def && fields.length === 1) return decodeFrom(r, defs, fields[0]!, path, depth + 1);
    return fields.map((f, i) => decodeFrom(r, defs, f, `${path}[${i}]`, depth + 1));
  }
  if ("struct" in def) {
    if (def.struct.length === 0) return null;
    const out: { [key: string]: Value } = {};
    for (const f of def.struct) out[f.name] = decodeFrom(r, defs, f.type, `${path}.${f.name}`, depth + 1);
    return out;
  }
  const e = def.enum;
  const tag = Number(r.uint(e.tag_width, path));
  const variant = e.variants.find((v) => v.tag === tag);
  if (!variant) throw new CodecError(`no variant has tag ${tag}`, path);
  if (isOption(declaration)) {
    return variant.name === "None" ? null : decodeFrom(r, defs, variant.type, path, depth + 1);
  }
  if (isUnit(defs, variant.type)) return variant.name;
  return { [variant.name]: decodeFrom(r, defs, variant.type, `${path}.${variant.name}`, depth + 1) };
}

/** `bytes` decoded as exactly one value of the type `declaration` (no bytes left over). */
export function decode(definitions: Definitions, declaration: string, bytes: Uint8Array | Hex): Value {
  const r = new Reader(typeof bytes === "string" ? fromHex(bytes) : bytes);
  const value = decodeFrom(r, definitions, declaration, declaration, 0);
  if (r.left !== 0) throw new CodecError(`${r.left} bytes left over`, declaration);
  return value;
}

/** The JSON form of a value: `bigint`s as decimal strings (what the node's `decoded` holds). */
export function toJson(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return value;
}
