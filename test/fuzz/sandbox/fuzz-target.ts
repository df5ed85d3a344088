/**
 * A decoder as the sandbox child runs it: `run` calls the decoder's entry point and returns facts
 * about the value it returned; `documented` says whether an exception is the decoder's documented,
 * typed refusal (anything else is a crash). Shared by the target modules beside this file.
 */
import type { ErrorFacts, Facts, TargetParams } from './sandbox-protocol.js';

/** One decoder entry point under fuzzing. */
export interface FuzzTarget {
  /** Calls the decoder on `input`; returns facts about what it returned. */
  run(input: Uint8Array, params: TargetParams): Facts | Promise<Facts>;
  /** True for the decoder's documented error (its class, and its statuses where it has them). */
  documented(error: unknown): boolean;
  /** Facts about a documented error beyond its own fields, e.g. the number of lines of the input it names a line of. */
  refusalFacts?(error: unknown, input: Uint8Array): Facts;
}

/** Targets by name. */
export type FuzzTargets = Readonly<Record<string, FuzzTarget>>;

/** The name, message, stack and scalar fields (status, code, line, …) of a thrown value. */
export function errorFacts(error: unknown): ErrorFacts {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error), fields: {} };
  const fields: Record<string, number | string | boolean> = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') fields[key] = value;
  }
  return { name: error.name, message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }), fields };
}

/** Decodes input bytes as text the way `readFileSync(path, 'utf8')` does (invalid sequences become U+FFFD). */
export function textOf(input: Uint8Array): string {
  return new TextDecoder('utf-8').decode(input);
}

/** A numeric parameter, or `fallback`. */
export function numberParam(params: TargetParams, name: string, fallback: number): number {
  const value = params[name];
  return typeof value === 'number' ? value : fallback;
}

/** A string parameter, or undefined (absent headers stay absent). */
export function stringParam(params: TargetParams, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : undefined;
}

/** Facts about a list of series: how many, their samples and labels, and whether timestamps are finite and increasing. */
export function seriesFacts(series: readonly { readonly labels: object; readonly timestampsMs: ArrayLike<number>; readonly values: ArrayLike<number> }[]): Facts {
  let samples = 0;
  let labels = 0;
  let finiteTimestamps = true;
  let increasing = true;
  for (const s of series) {
    samples += s.timestampsMs.length;
    labels += Object.keys(s.labels).length;
    for (let i = 0; i < s.timestampsMs.length; i++) {
      const t = s.timestampsMs[i] as number;
      if (!Number.isFinite(t)) finiteTimestamps = false;
      if (i > 0 && !(t > (s.timestampsMs[i - 1] as number))) increasing = false;
    }
  }
  return { series: series.length, samples, labels, finiteTimestamps, increasing };
}
