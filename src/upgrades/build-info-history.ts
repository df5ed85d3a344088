/**
 * Reads a build-info gauge (e.g. `dten_build_info{binary="dten-gateway",version="4.3.0",instance="gw-1"} 1`)
 * into, per binary, the time-ordered versions each instance reported.
 */
import type { RawSeries } from '../series/model.js';

/** Which labels of the build-info gauge carry what. */
export interface BuildInfoLabels {
  readonly metric: string;
  readonly binaryLabel: string;
  readonly versionLabel: string;
  readonly instanceLabel: string;
  readonly serviceLabel: string;
}

/** One build-info sample: at `tMs` the instance ran `version`. */
export interface VersionSample {
  readonly tMs: number;
  readonly version: string;
}

/** What build-info says about one binary (only binaries and instances with at least one sample appear). */
export interface BinaryHistory {
  /** Per instance, samples sorted by time (ties by version); never empty. */
  readonly samplesByInstance: ReadonlyMap<string, readonly VersionSample[]>;
  /** `service` label values found on the binary's build-info series. */
  readonly services: ReadonlySet<string>;
}

/**
 * Groups build-info series by binary and instance. Only series named `labels.metric` with binary, version
 * and instance labels count; a sample counts when its value is finite and non-zero (stale markers and 0
 * mean "not running").
 */
export function buildInfoHistory(series: readonly RawSeries[], labels: BuildInfoLabels): Map<string, BinaryHistory> {
  const samples = new Map<string, Map<string, VersionSample[]>>();
  const services = new Map<string, Set<string>>();
  for (const one of series) {
    if (one.name !== labels.metric) continue;
    const binary = one.labels[labels.binaryLabel];
    const version = one.labels[labels.versionLabel];
    const instance = one.labels[labels.instanceLabel];
    if (binary === undefined || version === undefined || instance === undefined) continue;
    const perInstance = getOrCreate(samples, binary, () => new Map<string, VersionSample[]>());
    const list = getOrCreate(perInstance, instance, () => []);
    one.timestampsMs.forEach((tMs, i) => {
      const value = one.values[i] ?? Number.NaN;
      if (Number.isFinite(value) && value !== 0) list.push({ tMs, version });
    });
    const service = one.labels[labels.serviceLabel];
    if (service !== undefined) getOrCreate(services, binary, () => new Set()).add(service);
  }
  const history = new Map<string, BinaryHistory>();
  for (const [binary, perInstance] of samples) {
    for (const [instance, list] of perInstance) {
      if (list.length === 0) perInstance.delete(instance);
      else list.sort((a, b) => a.tMs - b.tMs || compareText(a.version, b.version));
    }
    if (perInstance.size > 0) history.set(binary, { samplesByInstance: perInstance, services: services.get(binary) ?? new Set() });
  }
  return history;
}

/**
 * Service label values seen per instance in any series (to tie a binary to the services of the
 * instances it runs on when its build-info series carry no service label).
 */
export function instanceServicesOf(series: readonly RawSeries[], instanceLabel: string, serviceLabel: string): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>();
  for (const one of series) {
    const instance = one.labels[instanceLabel];
    const service = one.labels[serviceLabel];
    if (instance !== undefined && service !== undefined) getOrCreate(result, instance, () => new Set()).add(service);
  }
  return result;
}

/** Orders instance and version names naturally (`gw-2` before `gw-10`), deterministically. */
export function compareText(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
