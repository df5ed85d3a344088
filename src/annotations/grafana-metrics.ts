/**
 * Self-metrics of the push to Grafana:
 * - `shiftguard_grafana_annotations_total{outcome}`: `pushed` per annotation Grafana stored;
 *   `skipped` per annotation given up (Grafana rejected it with a 4xx such as 400, or its record could
 *   not be read); `failed` per attempt that will be retried (no answer, 408, 429, 5xx, a refused token,
 *   a URL that does not lead to the annotation API);
 * - `shiftguard_grafana_annotations_last_success_timestamp_seconds`: when a pass of the leading
 *   replica last ended with every annotation of the audit log pushed or skipped (Unix seconds; 0
 *   until the first). Alert on `time() - max(…) > 10 * 60`: annotations are late.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

/** How one annotation (or attempt) ended. */
export type GrafanaPushOutcome = 'pushed' | 'skipped' | 'failed';

/** What the push records. */
export interface GrafanaPushMetrics {
  record(outcome: GrafanaPushOutcome): void;
  /** The feed caught up at `atMs` (epoch ms). */
  caughtUp(atMs: number): void;
}

const OUTCOMES: readonly GrafanaPushOutcome[] = ['pushed', 'skipped', 'failed'];

/** Registers both metrics on `registry`, every outcome starting at 0. */
export function registerGrafanaPushMetrics(registry: Registry): GrafanaPushMetrics {
  const total = new Counter({
    name: 'shiftguard_grafana_annotations_total',
    help: 'Annotations pushed to Grafana (pushed), given up (skipped), and attempts to be retried (failed).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  for (const outcome of OUTCOMES) total.inc({ outcome }, 0);
  const lastSuccess = new Gauge({
    name: 'shiftguard_grafana_annotations_last_success_timestamp_seconds',
    help: 'When the push to Grafana last caught up with the audit log (Unix seconds; 0 until then).',
    registers: [registry],
  });
  lastSuccess.set(0);
  return {
    record: (outcome) => total.inc({ outcome }),
    caughtUp: (atMs) => lastSuccess.set(atMs / 1000),
  };
}
