/**
 * Proto3 JSON scalars as OTLP/JSON sends them: 64-bit integers as decimal strings (numbers accepted),
 * doubles as numbers or `"NaN"`, `"Infinity"`, `"-Infinity"`, enums as integers, `traceId`/`spanId` as
 * hex and other bytes as base64. Each reader returns the plain value or throws a {@link JsonTypeError}
 * saying what was expected; the caller adds the JSON path.
 */

/** A JSON value of the wrong type or out of range; `message` says what was expected and what came. */
export class JsonTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonTypeError';
  }
}

const DECIMAL_NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const DECIMAL_INTEGER = /^-?\d+$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

const INT_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

/** Short description of a JSON value for messages: `the string "abc"`, `an object`, `null`. */
export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'object') return 'an object';
  return `the ${typeof value} ${String(value)}`;
}

/** A double or float: a JSON number, a decimal string, or one of the three special strings. */
export function readJsonDouble(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return NaN;
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    if (DECIMAL_NUMBER.test(value)) return Number(value);
  }
  throw new JsonTypeError(`expected a number (or "NaN", "Infinity", "-Infinity"), got ${describeJson(value)}`);
}

/**
 * An integer of protobuf type `type` (`int32` … `fixed64`): a JSON integer or a decimal-integer
 * string within the type's range. Returns the exact value as a bigint.
 */
function readJsonInteger(value: unknown, type: string): bigint {
  let parsed: bigint | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) parsed = BigInt(value);
  else if (typeof value === 'string' && DECIMAL_INTEGER.test(value)) parsed = BigInt(value);
  if (parsed === undefined) {
    throw new JsonTypeError(`expected an integer (${type}; a JSON number or a decimal string), got ${describeJson(value)}`);
  }
  const range = INT_RANGES[type];
  if (range !== undefined && (parsed < range[0] || parsed > range[1])) {
    throw new JsonTypeError(`${String(value)} is out of range for ${type}`);
  }
  return parsed;
}

/** A 32-bit integer type as a number. */
export function readJsonInt32(value: unknown, type: string): number {
  return Number(readJsonInteger(value, type));
}

/** A 64-bit integer type as a number (range-checked exactly, then rounded to a double beyond 2^53). */
export function readJsonInt64(value: unknown, type: string): number {
  return Number(readJsonInteger(value, type));
}

/** A bool: JSON `true` or `false` only. */
export function readJsonBool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw new JsonTypeError(`expected true or false, got ${describeJson(value)}`);
}

/** A string. */
export function readJsonString(value: unknown): string {
  if (typeof value === 'string') return value;
  throw new JsonTypeError(`expected a string, got ${describeJson(value)}`);
}

/** Bytes: hex (case-insensitive) when `hex` (OTLP's `traceId`, `spanId`), base64 (standard or URL-safe) otherwise. */
export function readJsonBytes(value: unknown, hex: boolean): Uint8Array {
  if (typeof value === 'string') {
    if (hex && HEX.test(value)) return Uint8Array.from(Buffer.from(value, 'hex'));
    if (!hex && BASE64.test(value)) return Uint8Array.from(Buffer.from(value, 'base64'));
  }
  const expected = hex ? 'a hex string (two digits per byte)' : 'a base64 string';
  throw new JsonTypeError(`expected ${expected}, got ${describeJson(value)}`);
}

/**
 * An enum value: an integer (OTLP/JSON sends integers; unknown numbers are kept, as proto3 enums are
 * open) or, leniently, the value's name. Returns the number.
 */
export function readJsonEnum(value: unknown, enumName: string, values: Readonly<Record<string, number>>): number {
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 2 ** 31) return value;
  if (typeof value === 'string' && Object.hasOwn(values, value)) return values[value] as number;
  const known = Object.entries(values).map(([name, n]) => `${n} (${name})`).join(', ');
  throw new JsonTypeError(`expected an integer value of enum ${enumName}: ${known}; got ${describeJson(value)}`);
}
