/**
 * The messages between a fuzz test and its sandbox child process (`sandbox-child.ts`): one input for
 * one named decoder target, and what came of it. Plain data only, sent with Node's advanced (structured
 * clone) IPC serialization, so byte arrays travel as they are.
 */

/** The modules of targets a sandbox can load: push decoders, the pull decoder, text files, the HTTP app, self-tests. */
export type TargetModule = 'push' | 'pull' | 'text' | 'http' | 'self-test';

/** Scalar facts about a decoder's result, e.g. `{ series: 3, samples: 40, finiteTimestamps: true }`. */
export type Facts = Readonly<Record<string, number | string | boolean>>;

/** Extra settings of one input, e.g. the Content-Type an HTTP target sends. */
export type TargetParams = Readonly<Record<string, number | string | boolean | readonly number[]>>;

/** One input for the target named `target`. */
export interface SandboxRequest {
  readonly id: number;
  readonly target: string;
  readonly input: Uint8Array;
  readonly params: TargetParams;
}

/** What an error looked like inside the child. */
export interface ErrorFacts {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Extra fields the error class carries (status, code, line, column, …). */
  readonly fields: Facts;
}

/**
 * How one input went: `decoded` (the decoder returned; facts about the value), `refused` (it threw
 * its documented, typed error), `crashed` (any other exception), `hung` (no answer within the hang
 * guard: the child was killed), `died` (the child process exited: a fatal V8 error, out of memory).
 */
export type SandboxOutcome =
  | { readonly kind: 'decoded'; readonly facts: Facts }
  | { readonly kind: 'refused'; readonly error: ErrorFacts }
  | { readonly kind: 'crashed'; readonly error: ErrorFacts }
  | { readonly kind: 'hung' }
  | { readonly kind: 'died'; readonly reason: string };

/** The child's answer to a {@link SandboxRequest}; `elapsedMs` is measured in the child around the call. */
export interface SandboxReply {
  readonly id: number;
  readonly outcome: SandboxOutcome;
  readonly elapsedMs: number;
}

/** The child's first message, once every target module is loaded. */
export interface SandboxReady {
  readonly ready: true;
  readonly targets: readonly string[];
}
