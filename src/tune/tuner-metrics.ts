/**
 * The tuner's own Prometheus metrics (`shiftguard_tuner_*`): whether this replica leads, its rounds,
 * the decisions it writes, every write to the flag service and how verifications came out. Label
 * values are bounded by the guardrails (flags) and fixed enums.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export interface TunerMetrics {
  readonly leader: Gauge<string>;
  readonly rounds: Counter<'outcome'>;
  readonly decisions: Counter<'flag' | 'action' | 'automatic' | 'mode'>;
  readonly flagWrites: Counter<'flag' | 'step' | 'outcome'>;
  readonly flagServiceErrors: Counter<'kind'>;
  readonly verifications: Counter<'flag' | 'outcome'>;
}

/** Registers the tuner's metrics on `registry`. */
export function registerTunerMetrics(registry: Registry): TunerMetrics {
  return {
    leader: new Gauge({ name: 'shiftguard_tuner_leader', help: '1 while this replica leads the tuner (acts on flags), else 0.', registers: [registry] }),
    rounds: new Counter({ name: 'shiftguard_tuner_rounds_total', help: 'Tuner rounds by outcome (ok, killed, outage, auth, not_leader, error).', labelNames: ['outcome'], registers: [registry] }),
    decisions: new Counter({
      name: 'shiftguard_tuner_decisions_total',
      help: 'Decisions the tuner wrote, by flag, action, whether the guardrails let it apply on its own, and mode.',
      labelNames: ['flag', 'action', 'automatic', 'mode'],
      registers: [registry],
    }),
    flagWrites: new Counter({
      name: 'shiftguard_tuner_flag_writes_total',
      help: 'Changes of flags carried out by the tuner: step (apply, revert) and outcome (changed, unchanged, reconciled, failed).',
      labelNames: ['flag', 'step', 'outcome'],
      registers: [registry],
    }),
    flagServiceErrors: new Counter({ name: 'shiftguard_tuner_flag_service_errors_total', help: 'Rounds stopped by the flag service: outage (unreachable, 5xx, 429) or auth (401/403).', labelNames: ['kind'], registers: [registry] }),
    verifications: new Counter({ name: 'shiftguard_tuner_verifications_total', help: 'Verified changes by outcome (better, no_change, inconclusive: kept; worse: reverted).', labelNames: ['flag', 'outcome'], registers: [registry] }),
  };
}
