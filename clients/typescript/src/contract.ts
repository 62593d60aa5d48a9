// Typed handles on contract methods and events. The generated modules (src/generated/) create one
// per method and event of the system contracts; `method()` and `event()` make them for any other
// contract from its own schema table.
import { decode, encode, type Definitions, type Hex, type Value } from "./codec.js";

/** A contract method taking `A` and returning `R` (types only: the codec works on the schema). */
export interface Method<A, R> {
  /** The contract's name (`receivables`), or its address for a contract outside the schema. */
  readonly contract: string;
  readonly address: Hex;
  readonly definitions: Definitions;
  readonly name: string;
  /** The schema declarations of the argument and of the return value. */
  readonly args: string;
  readonly returns: string;
  /** Phantom: carries `A` and `R` for the type checker; never set. */
  readonly __types?: (args: A) => R;
}

/** A contract event whose body is `B`. */
export interface EventType<B> {
  readonly contract: string;
  readonly address: Hex;
  readonly definitions: Definitions;
  readonly topic: string;
  /** The schema declaration of the body. */
  readonly body: string;
  /** The kinds of the business objects it names, in order. */
  readonly subjects: readonly string[];
  /** Who it concerns, in words (the members its `parties` list). */
  readonly parties: string;
  readonly __body?: B;
}

export function contractMethod<A, R>(
  contract: string,
  address: Hex,
  definitions: Definitions,
  name: string,
  args: string,
  returns: string,
): Method<A, R> {
  return Object.freeze({ contract, address, definitions, name, args, returns });
}

export function contractEvent<B>(
  contract: string,
  address: Hex,
  definitions: Definitions,
  topic: string,
  body: string,
  subjects: readonly string[],
  parties: string,
): EventType<B> {
  return Object.freeze({ contract, address, definitions, topic, body, subjects, parties });
}

/** The borsh bytes of a call's arguments. */
export function encodeArgs<A>(method: Method<A, unknown>, args: A): Uint8Array {
  return encode(method.definitions, method.args, args);
}

/** A method's return value from its borsh bytes (a receipt's `return_data`, a query's `data`). */
export function decodeReturn<R>(method: Method<never, R>, data: Uint8Array | Hex): R {
  return decode(method.definitions, method.returns, data) as R;
}

/** An event's body from its borsh bytes. */
export function decodeBody<B>(event: EventType<B>, data: Uint8Array | Hex): B {
  return decode(event.definitions, event.body, data) as B;
}

export type { Value };
