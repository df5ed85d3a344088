/**
 * One cycle of the kill -9 durability test: a few concurrent clients send registrations and
 * approvals/rejections to a running service, each answer goes into the ledger, and the service is
 * SIGKILLed at the cycle's planned moment (a delay after the stream starts, or the arrival of the
 * n-th 2xx) while the other clients' requests are still in flight.
 */
import type { Rng } from '../../src/detect/random.js';
import type { DurabilityLedger, DurabilityOp, DurabilityOutcome } from './durability-ledger.js';
import { DURABILITY_TOKENS } from './durability-service.js';
import type { ServiceProcess } from './durability-service.js';

/** When to kill: `afterMs` after the stream starts, or when the `afterAcks`-th 2xx arrives. */
export type KillPlan = { readonly afterMs: number } | { readonly afterAcks: number };

/** What one cycle did. */
export interface CycleStats {
  readonly sent: number;
  readonly acked: number;
  readonly inDoubt: number;
  /** Requests on the wire when SIGKILL was sent. */
  readonly inFlightAtKill: number;
}

/** Requests sent at once. */
const CONCURRENCY = 4;
/** A request without an answer after this long counts as in doubt, ms (a hang guard). */
const REQUEST_TIMEOUT_MS = 5_000;
/** An `afterAcks` plan whose acks do not come kills after this long anyway, ms (a hang guard). */
const STREAM_GUARD_MS = 15_000;

/** Options of {@link runKilledStream}. */
export interface KilledStreamOptions {
  readonly service: ServiceProcess;
  readonly ledger: DurabilityLedger;
  /** Draws the cycle's requests. */
  readonly rng: Rng;
  readonly cycle: number;
  readonly plan: KillPlan;
}

/** Runs the client stream against `service` until it is killed as `plan` says; resolves once the process is gone. */
export async function runKilledStream(options: KilledStreamOptions): Promise<CycleStats> {
  const { service, ledger, rng, cycle, plan } = options;
  let stopped = false;
  let killing: Promise<void> | null = null;
  let sent = 0;
  let acked = 0;
  let inDoubt = 0;
  let inFlight = 0;
  let inFlightAtKill = 0;
  let transitions = 0;
  const kill = (): void => {
    if (killing !== null) return;
    stopped = true;
    inFlightAtKill = inFlight;
    killing = service.kill();
  };
  const timer = setTimeout(() => {
    if ('afterAcks' in plan) ledger.violations.push(`cycle ${cycle}: only ${acked} of the planned ${plan.afterAcks} requests were acknowledged within ${STREAM_GUARD_MS} ms`);
    kill();
  }, 'afterMs' in plan ? plan.afterMs : STREAM_GUARD_MS);
  const client = async (): Promise<void> => {
    while (!stopped) {
      const op = ledger.nextOp(rng, cycle, transitions);
      if (op.kind === 'transition') transitions++;
      sent++;
      inFlight++;
      const outcome = await sendOp(service.base, op);
      inFlight--;
      ledger.record(op, outcome, cycle);
      if (outcome.kind === 'in-doubt') inDoubt++;
      if (outcome.kind !== 'acked') continue;
      acked++;
      if ('afterAcks' in plan && acked >= plan.afterAcks) kill();
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, client));
  } finally {
    clearTimeout(timer);
    kill();
    await killing;
  }
  return { sent, acked, inDoubt, inFlightAtKill };
}

/** Sends `op` as the operator; never throws (a missing answer is an in-doubt outcome). */
export async function sendOp(base: string, op: DurabilityOp): Promise<DurabilityOutcome> {
  const { path, body } = requestOf(op);
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${DURABILITY_TOKENS.operator}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    return { kind: 'in-doubt', error: errorText(error) };
  }
  let text: string | null;
  try {
    text = await response.text();
  } catch {
    text = null;
  }
  if (response.status >= 200 && response.status < 300) return { kind: 'acked', status: response.status, body: parseOrNull(text) };
  return { kind: 'refused', status: response.status, body: text ?? '(body lost)' };
}

function requestOf(op: DurabilityOp): { path: string; body: unknown } {
  switch (op.kind) {
    case 'register':
    case 'reregister':
      return { path: '/api/v1/upgrades', body: upgradeDocument(op.upgradeId) };
    case 'transition':
      return { path: `/api/v1/decisions/${op.decisionId}/${op.action}`, body: op.reason === null ? {} : { reason: op.reason } };
    case 'retransition':
      return { path: `/api/v1/decisions/${op.decisionId}/${op.action}`, body: {} };
  }
}

/** A small valid upgrade.json (CONTRACT §4) with id `id`. */
export function upgradeDocument(id: string): unknown {
  return {
    id,
    package: 'durability-test.zip',
    startedAt: '2026-04-10T12:00:00Z',
    binaries: [{ name: 'dten-sync', from: '2.7.0', to: '2.8.0', services: ['sync'] }],
  };
}

function parseOrNull(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** `fetch failed: ECONNRESET` and the like. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = cause === undefined ? '' : `: ${typeof cause.code === 'string' ? cause.code : String(cause.message)}`;
  return `${error.name} ${error.message}${detail}`;
}
