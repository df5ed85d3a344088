/**
 * What every fuzz property asserts about one input's {@link SandboxVerdict}: the decoder returned a
 * value or threw its documented typed error (anything else is a crash), within the hang guard, and
 * without killing its process; plus helpers to read the facts of a returned value or of a refusal.
 */
import type { SandboxVerdict } from './sandbox/decoder-sandbox.js';
import type { ErrorFacts, Facts } from './sandbox/sandbox-protocol.js';

/** Throws, with the error's stack when there is one, unless the decoder answered properly and in time. */
export function expectNoCrash(verdict: SandboxVerdict, hangMs: number): void {
  const where = `${verdict.target} on a ${verdict.bytes}-byte input`;
  const { outcome } = verdict;
  if (outcome.kind === 'crashed') {
    throw new Error(`${where} crashed with ${outcome.error.name} (not its documented error): ${outcome.error.message}\n${outcome.error.stack ?? ''}`);
  }
  if (outcome.kind === 'hung') throw new Error(`${where} hung: no answer within the ${hangMs} ms hang guard (the sandbox was killed)`);
  if (outcome.kind === 'died') throw new Error(`${where} killed its process: ${outcome.reason}`);
  if (verdict.elapsedMs > hangMs) throw new Error(`${where} took ${Math.round(verdict.elapsedMs)} ms, over the ${hangMs} ms hang guard`);
}

/** The facts of a returned value, or undefined when the input was refused. */
export function decodedFacts(verdict: SandboxVerdict): Facts | undefined {
  return verdict.outcome.kind === 'decoded' ? verdict.outcome.facts : undefined;
}

/** The documented error an input was refused with, or undefined when it was decoded. */
export function refusalOf(verdict: SandboxVerdict): ErrorFacts | undefined {
  return verdict.outcome.kind === 'refused' ? verdict.outcome.error : undefined;
}

/** A numeric fact (throws when it is missing or not a number: the target and the test disagree). */
export function factNumber(facts: Facts, name: string): number {
  const value = facts[name];
  if (typeof value !== 'number') throw new Error(`fact ${name} is ${JSON.stringify(value)}, expected a number (facts: ${JSON.stringify(facts)})`);
  return value;
}

/** Entries a configuration has from its defaults alone (the default signals), beyond what its bytes hold. */
const DEFAULT_ENTRIES = 8;

/**
 * The checks of an input-file decoder (upgrade.json, manifests, configuration): no crash, and either a
 * value whose counts (signals, rules, binaries, …) are within the input's size plus the few entries
 * defaults add, or a refusal listing at least one and at most one issue per byte, naming only lines
 * of the input.
 */
export function expectInputFileVerdict(verdict: SandboxVerdict, hangMs: number): void {
  expectNoCrash(verdict, hangMs);
  const refusal = refusalOf(verdict);
  if (refusal === undefined) {
    for (const [name, value] of Object.entries(decodedFacts(verdict) ?? {})) {
      if (typeof value === 'number' && !(value <= verdict.bytes + DEFAULT_ENTRIES)) throw new Error(`${verdict.target}: ${name} = ${value} for a ${verdict.bytes}-byte input`);
    }
    return;
  }
  const { issues, firstLine, lastLine, lines } = refusal.fields;
  const where = `${verdict.target}: ${refusal.name} with ${String(issues)} issue(s) on lines ${String(firstLine)}..${String(lastLine)} of a ${String(lines)}-line input`;
  if (typeof issues !== 'number' || issues < 1 || issues > verdict.bytes + 1) throw new Error(`${where}: expected 1 to ${verdict.bytes + 1} issues\n${refusal.message}`);
  if (typeof lastLine !== 'number' || typeof lines !== 'number' || lastLine > lines) throw new Error(`${where}: an issue names a line past the end\n${refusal.message}`);
  if (firstLine !== 0 && !(typeof firstLine === 'number' && firstLine >= 1)) throw new Error(`${where}: an issue names line ${String(firstLine)}\n${refusal.message}`);
}
