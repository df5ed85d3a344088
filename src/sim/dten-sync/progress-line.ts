/**
 * The client's progress line on stderr: throughput, retries per request and p99 of the last window,
 * how the OTLP exports fare, and which strategy each instance runs (instances running the same
 * version and strategy are listed together, so four instances fit on one line).
 */
import type { InstanceState, WindowSummary } from './client-stats.js';
import type { ExportTally } from './otlp-metrics.js';

/** One progress line (without newline). */
export function progressLine(window: WindowSummary, instances: readonly InstanceState[], exports: ExportTally | null): string {
  const rate = `${window.ratePerSecond.toFixed(1)} req/s`;
  const retries = Number.isNaN(window.retriesPerRequest) ? '- retries/req' : `${window.retriesPerRequest.toFixed(3)} retries/req`;
  const p99 = Number.isNaN(window.p99Ms) ? 'p99 -' : `p99 ${Math.round(window.p99Ms)} ms`;
  const otlp = exports === null ? 'otlp off' : `otlp ${exports.ok} ok/${exports.failed} failed`;
  return `dten-sync: ${rate}, ${retries}, ${p99}, ${otlp} | ${strategyGroups(instances)}`;
}

/** `dten-sync-0,dten-sync-1 2.0.0 v2(...); dten-sync-2 1.0.0 v1(...)`. */
function strategyGroups(instances: readonly InstanceState[]): string {
  const groups = new Map<string, string[]>();
  for (const state of instances) {
    const key = `${state.version} ${state.description}`;
    const names = groups.get(key);
    if (names === undefined) groups.set(key, [state.instance]);
    else names.push(state.instance);
  }
  return [...groups].map(([key, names]) => `${names.join(',')} ${key}`).join('; ');
}
