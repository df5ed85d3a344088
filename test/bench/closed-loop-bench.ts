/**
 * The closed-loop section of `npm run bench`: issue 4's "seconds from the regression's onset to the
 * flag change in the closed loop at 50 req/s". It runs the end-to-end tests' loop
 * (`test/e2e/closed-loop.ts`: flaky partner, `shiftguard sim-client` at 50 req/s with the eager v2
 * backoff, `shiftguard serve` with the tuner) on a real unleash-server, one loop after another with
 * fresh flags, and times each from v2's start (the upgrade's `startedAt`, the onset) to the
 * triggering finding, the decision, the tuner's write and the event in Unleash's own log.
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { z } from 'zod';
import { startLoop } from '../e2e/closed-loop.js';
import type { Loop } from '../e2e/closed-loop.js';
import { TUNER_TOKEN_NAME, startUnleash, unleashUnavailableReason } from '../support/unleash-server.js';
import type { UnleashServer } from '../support/unleash-server.js';
import {
  BenchDecisionSchema, BenchFindingSchema, BenchUnleashEventSchema, closedLoopRound, firstAppliedDecision,
  flagChangeEvent, formatClosedLoopTable, formatClosedLoopVerdict, summarizeClosedLoop, triggeringFinding,
} from './closed-loop-figures.js';
import type { BenchDecision, ClosedLoopRound, ClosedLoopSummary } from './closed-loop-figures.js';
import { V2_DEFAULTS } from '../../src/sim/dten-sync/backoff.js';

/** v2's constants as the upgrade ships them (they retry too eagerly). */
const EAGER = V2_DEFAULTS;
/** The partner's failure rate before and after the upgrade: v2's retries, not the partner, cause the regression. */
const BASE_FAILURE = 0.08;
/** Longest wait from the upgrade's registration to the first applied decision, ms. */
const DECISION_TIMEOUT_MS = 300_000;
/** Longest wait for the write's event in Unleash's log once the decision says applied, ms. */
const EVENT_TIMEOUT_MS = 10_000;
const POLL_MS = 500;

export interface ClosedLoopBenchOptions {
  /** Directory of the loops' state (`bench1/`, `bench2/`, … are created under it). */
  readonly dir: string;
  /** Loops run one after the other. */
  readonly rounds: number;
  readonly progress: (message: string) => void;
  readonly out: (text: string) => void;
}

/** Everything the section measured, for `results.json`. */
export interface ClosedLoopResults {
  readonly unleash: { readonly version: string; readonly startupMs: number };
  readonly load: { readonly requestsPerSecond: number; readonly instances: number; readonly payload: typeof EAGER; readonly baseFailure: number };
  readonly rounds: readonly ClosedLoopRound[];
  readonly summary: ClosedLoopSummary;
}

/** Runs the section, prints its table to `out` and returns the figures; stops Unleash and every loop, also on failure. */
export async function runClosedLoopBench(options: ClosedLoopBenchOptions): Promise<ClosedLoopResults> {
  const unavailable = await unleashUnavailableReason();
  if (unavailable !== null) throw new Error(`closed-loop: ${unavailable}`);
  const version = unleashVersion();
  options.out(`\nclosed-loop: seconds from a retry regression's onset to the tuner's flag change, 50 req/s, real unleash-server ${version}`);
  options.out(`${options.rounds} loop(s) one after the other: 66 s of v1, then v2 with eager retries (base ${EAGER.baseDelayMs} ms × ${EAGER.multiplier}, up to ${EAGER.maxRetries}) against a partner failing ${BASE_FAILURE * 100}% of calls`);
  const unleash = await startUnleash({ progress: (line) => options.progress(`closed-loop: ${line}`) });
  try {
    const rounds: ClosedLoopRound[] = [];
    for (let round = 1; round <= options.rounds; round++) rounds.push(await runRound(unleash, round, options));
    const summary = summarizeClosedLoop(rounds);
    options.out(`\nonset = v2 starting (the upgrade's startedAt); the change is the first decision the tuner applied; seconds`);
    options.out(formatClosedLoopTable(rounds, summary));
    for (const r of rounds) options.out(`round ${r.round}: decision ${r.decisionId}: ${r.summary}; Unleash event ${r.unleashEventId} (${r.unleashEventType}, matched by ${r.eventMatch})`);
    options.out(formatClosedLoopVerdict(summary));
    return {
      unleash: { version, startupMs: unleash.startupMs },
      // startLoop's defaults, which the section keeps: the rate the target is stated at.
      load: { requestsPerSecond: 50, instances: 4, payload: EAGER, baseFailure: BASE_FAILURE },
      rounds,
      summary,
    };
  } finally {
    options.progress('closed-loop: stopping unleash-server');
    await unleash.stop();
  }
}

/** One loop, stopped before returning (or throwing). */
async function runRound(unleash: UnleashServer, round: number, options: ClosedLoopBenchOptions): Promise<ClosedLoopRound> {
  const name = `bench${round}`;
  const dir = join(options.dir, name);
  await mkdir(dir, { recursive: true });
  const say = (line: string): void => options.progress(`closed-loop: round ${round}/${options.rounds}: ${line}`);
  say(`starting ${name} in ${dir}`);
  const loop = await startLoop({ name, unleash, dir, payload: EAGER, faults: { baseFailure: BASE_FAILURE }, progress: say });
  try {
    const decision = await waitForAppliedDecision(loop, say);
    const findings = await viewerGet(loop, `/api/v1/findings?all=true&upgrade=${encodeURIComponent(loop.upgradeId)}`, z.array(BenchFindingSchema));
    const finding = triggeringFinding(decision, findings);
    const event = await waitForEvent(unleash, decision);
    const figures = closedLoopRound({ round, upgradeId: loop.upgradeId, onsetAtMs: loop.upgradeAtMs, decision, finding, event });
    say(`finding ${finding.id} (${finding.signal}) at +${figures.onsetToFindingSeconds.toFixed(1)} s, ${decision.proposal.action} ${decision.flag} in Unleash at +${figures.onsetToUnleashEventSeconds.toFixed(1)} s`);
    return figures;
  } finally {
    say(`stopping ${name}`);
    await loop.stop();
  }
}

async function waitForAppliedDecision(loop: Loop, say: (line: string) => void): Promise<BenchDecision> {
  const deadline = Date.now() + DECISION_TIMEOUT_MS;
  let nextReport = Date.now() + 15_000;
  for (;;) {
    const seen = await viewerGet(loop, `/api/v1/decisions?upgrade=${encodeURIComponent(loop.upgradeId)}`, z.array(BenchDecisionSchema));
    const applied = firstAppliedDecision(seen);
    if (applied !== null) return applied;
    if (Date.now() > deadline) {
      throw new Error(
        `closed-loop: no applied decision for ${loop.upgradeId} within ${DECISION_TIMEOUT_MS / 1000} s; decisions: ` +
          `${JSON.stringify(seen.map((d) => [d.id, d.flag, d.status, d.proposal.summary]))}\n` +
          `service log tail:\n${loop.service.stderr().slice(-4000)}\nclient log tail:\n${loop.clientLog().slice(-2000)}`,
      );
    }
    if (Date.now() >= nextReport) {
      say(`+${((Date.now() - loop.upgradeAtMs) / 1000).toFixed(0)} s since onset, ${seen.length} decision(s), none applied yet`);
      nextReport += 15_000;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The decision's write in Unleash's log; Unleash records it before it answers, the wait only covers a slow read. */
async function waitForEvent(unleash: UnleashServer, decision: BenchDecision): Promise<NonNullable<ReturnType<typeof flagChangeEvent>>> {
  const deadline = Date.now() + EVENT_TIMEOUT_MS;
  for (;;) {
    const events = z.array(BenchUnleashEventSchema).parse(await unleash.listEvents(decision.flag));
    const found = flagChangeEvent(decision, events, TUNER_TOKEN_NAME);
    if (found !== null) return found;
    if (Date.now() > deadline) {
      throw new Error(`closed-loop: decision ${decision.id} (${decision.proposal.action} ${decision.flag}) is applied, but Unleash's log has no such event by ${TUNER_TOKEN_NAME}: ${JSON.stringify(events.map((e) => [e.id, e.type, e.createdBy]))}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function viewerGet<T>(loop: Loop, path: string, schema: z.ZodType<T>): Promise<T> {
  const response = await loop.service.call(path, 'viewer');
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  const parsed = schema.safeParse(await response.json());
  if (!parsed.success) throw new Error(`GET ${path}: unexpected answer: ${parsed.error.message}`);
  return parsed.data;
}

function unleashVersion(): string {
  return (createRequire(import.meta.url)('unleash-server/package.json') as { version: string }).version;
}
