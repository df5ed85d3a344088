/**
 * Whether Grafana takes the push's annotations, told once per change (log levels per STYLE habit 15):
 * a warning when Grafana stops answering (self-healing), an error and the operational alert
 * {@link GRAFANA_BLOCKED_ALERT} while it refuses the token or the URL leads elsewhere (a human must
 * act), and an info line, with the alert cleared, when it answers again.
 */
import type { OperationalAlert } from '../alerts/operational-alerts.js';
import { describeGrafanaOutcome } from './grafana-client.js';
import type { GrafanaPostOutcome, GrafanaVerdict } from './grafana-client.js';
import type { GrafanaTarget } from './grafana-config.js';

/** `alertname` of the operational alert raised while Grafana refuses the token or the URL is wrong. */
export const GRAFANA_BLOCKED_ALERT = 'ShiftguardGrafanaAnnotationsBlocked';

/** The log methods the push calls; a pino `Logger` fits. */
export interface GrafanaPushLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** Where the push raises its operational alert: the alert dispatcher's slice. */
export interface GrafanaPushAlerts {
  raise(alert: OperationalAlert): void;
  clear(name: string, key: string): void;
}

/** A verdict after which the push waits. */
export type FailedVerdict = Exclude<GrafanaVerdict, 'pushed' | 'rejected'>;

/** What the push reports about Grafana's answers. */
export interface GrafanaHealth {
  /** Grafana gave a verdict on an annotation (stored or rejected it). */
  answered(): void;
  /** An attempt failed with `verdict`. */
  failed(verdict: FailedVerdict, outcome: GrafanaPostOutcome): void;
}

/** What a failed attempt means, by verdict (`tokenEnv`: the token's variable). */
const BLOCKED_SUMMARY: Readonly<Record<FailedVerdict, (tokenEnv: string) => string>> = {
  refused: (tokenEnv) => `the Grafana token in ${tokenEnv} was refused: annotations wait until it is fixed`,
  misdirected: () => 'grafana.url does not lead to Grafana\'s annotation API: annotations wait until it is fixed',
  transient: () => 'Grafana did not take an annotation; retrying at the next pass',
};

/** The health reporter of the push to `target`. */
export function createGrafanaHealth(deps: { readonly target: GrafanaTarget; readonly logger: GrafanaPushLogger; readonly alerts?: GrafanaPushAlerts }): GrafanaHealth {
  const { target, logger } = deps;
  let problem: string | null = null;
  const where = { grafana: target.url };
  return {
    answered() {
      if (problem === null) return;
      problem = null;
      deps.alerts?.clear(GRAFANA_BLOCKED_ALERT, '');
      logger.info(where, 'Grafana takes annotations again');
    },
    failed(verdict, outcome) {
      const what = describeGrafanaOutcome(outcome);
      const summary = BLOCKED_SUMMARY[verdict](target.tokenEnv);
      if (verdict !== 'transient') {
        deps.alerts?.raise({ name: GRAFANA_BLOCKED_ALERT, key: '', labels: { reason: verdict }, summary, description: `POST ${target.url}/api/annotations answered ${what}` });
      }
      const message = `${summary} (${what})`;
      if (message === problem) return;
      problem = message;
      if (verdict === 'transient') logger.warn(where, message);
      else logger.error(where, message);
    },
  };
}
