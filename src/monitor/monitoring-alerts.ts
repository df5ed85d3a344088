/**
 * Operational alerts about what monitoring stands on, raised and cleared through the alert
 * dispatcher like the tuner's own (`ShiftguardUnleashUnavailable`):
 * - `ShiftguardMonitoringFailing` while monitoring passes fail: the metrics source (Prometheus) or
 *   the state store is down, or an analysis fails. Its `cause` label says which. Nothing is decided
 *   on the missing data meanwhile, so findings, final reports and verifications wait; the alert says
 *   so, because a quiet review page would otherwise read as "no regression".
 * - `ShiftguardStateStoreUnavailable` while the state store is not ready (its heartbeat or the last
 *   query failed): decisions, findings and the audit log cannot be written.
 */
import type { OperationalAlert } from '../alerts/operational-alerts.js';
import { ApiError } from '../api/api-error.js';
import { PrometheusQueryError } from '../ingest/prometheus-query-error.js';
import { StoreError } from '../store/store-error.js';
import type { MonitorFailure } from './upgrade-monitor.js';

export const MONITORING_ALERT = 'ShiftguardMonitoringFailing';
export const STATE_STORE_ALERT = 'ShiftguardStateStoreUnavailable';

/** What a monitoring failure came from (the alert's `cause` label). */
export type FailureCause = 'metrics_source' | 'state_store' | 'analysis';

/** The cause of one failure, from its error's type (or the API error `serve`'s analysis maps it to). */
export function failureCause(error: unknown): FailureCause {
  if (error instanceof StoreError) return 'state_store';
  if (error instanceof PrometheusQueryError) return 'metrics_source';
  if (error instanceof ApiError && error.code === 'metrics_source_error') return 'metrics_source';
  return 'analysis';
}

/** How many upgrades a summary names before it says "and N more". */
const NAMED_UPGRADES = 5;

/** The alert a pass's failures call for, or null when the pass had none (the alert then clears). */
export function monitoringAlert(failures: readonly MonitorFailure[]): OperationalAlert | null {
  const first = failures[0];
  if (first === undefined) return null;
  const causes = [...new Set(failures.map((f) => failureCause(f.error)))].sort();
  const upgrades = failures.flatMap((f) => (f.upgradeId === null ? [] : [f.upgradeId]));
  const named = upgrades.slice(0, NAMED_UPGRADES).join(', ') + (upgrades.length > NAMED_UPGRADES ? ` and ${upgrades.length - NAMED_UPGRADES} more` : '');
  return {
    name: MONITORING_ALERT,
    key: '',
    labels: { cause: causes.join(',') },
    summary: upgrades.length === 0 ? 'Monitoring passes fail: no upgrade is being evaluated' : `Monitoring fails for ${upgrades.length === 1 ? 'upgrade' : `${upgrades.length} upgrades`} ${named}`,
    description: `${messageOf(first.error)}. Nothing is decided on the missing data: findings, final reports and the verification of flag changes wait until monitoring works again.`,
  };
}

/** The alert while the state store is not ready. */
export function stateStoreAlert(store: string): OperationalAlert {
  return {
    name: STATE_STORE_ALERT,
    key: '',
    labels: {},
    summary: `The state store (${store}) is unavailable`,
    description: 'Findings, decisions and the audit log cannot be written: flag changes, approvals and upgrade registrations are refused with 503 until it is back. /readyz answers 503.',
    severity: 'critical',
  };
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
}
