/**
 * "Nothing accepted is lost", read back through what `serve` does with the data: its report of the
 * monitored upgrade. `serve` has no API that returns raw pushed series, but its report is computed
 * from them; so the soak keeps, in its own process, a reference series store (the same
 * `createSeriesStore`, slice and retention) fed with exactly the samples `serve` answered 2xx for,
 * for a few check services (one remote-write service of the fleet and the OTLP service), in the
 * order they were acknowledged. After the load, the statistics `serve` reports for those services'
 * groups must equal those of the same analysis run on the reference store as of the same slice.
 *
 * Compared are the figures the data alone decides (baseline, after, change, interval, p-value, the
 * design and its resolution, instance counts); verdicts and q-values are left out, since they
 * depend on every group's test (multiple comparisons) and the reference holds only the check services.
 * The store keeps increments per slice, so the check sees what a lost sample changes in the slices;
 * the counter check (samples in 2xx answers = samples ingested) sees every sample.
 */
import type { ShiftguardConfig } from '../../src/config/shiftguard-config.js';
import { runAnalysis } from '../../src/analysis/run-analysis.js';
import { decodeOtlpMetrics } from '../../src/ingest/otlp/index.js';
import { resolveTemporality } from '../../src/ingest/remote-write/remote-write-temporality.js';
import { createSeriesStore } from '../../src/series/series-store.js';
import type { IndexedSeriesStore } from '../../src/series/series-store.js';
import type { IngestSeries, Labels, Temporality } from '../../src/series/model.js';
import { labelsKey } from '../../src/series/model.js';
import type { Upgrade } from '../../src/upgrades/upgrade.js';
import type { SoakFleet, SoakSample } from './soak-load.js';

/** The soak's copy of what `serve` acknowledged, for the check services. */
export interface ReferenceStore {
  readonly store: IndexedSeriesStore;
  /** Samples the reference took, and those it rejected by reason (must stay empty). */
  readonly accepted: number;
  readonly rejected: ReadonlyMap<string, number>;
  /** Whether fleet series `series` is one the reference keeps. */
  keeps(series: number): boolean;
  /** Adds the check series' samples of a remote-write request answered 2xx (others are ignored). */
  addRemoteWrite(samples: readonly SoakSample[], nowMs: number): void;
  /** Adds an OTLP protobuf export answered 2xx, decoded as `serve` decodes it. */
  addOtlp(body: Uint8Array, nowMs: number): void;
}

interface CheckSeries {
  readonly name: string;
  readonly labels: Labels;
  readonly temporality: Temporality;
}

/** A reference store keeping the fleet's series whose service label is `service` (and every OTLP series). */
export function createReferenceStore(options: { readonly soak: SoakFleet; readonly service: string; readonly config: ShiftguardConfig; readonly retentionMs: number }): ReferenceStore {
  const store = createSeriesStore({ sliceMs: options.config.windows.sliceMs, retentionMs: options.retentionMs, maxSeries: Number.MAX_SAFE_INTEGER });
  const serviceLabel = options.config.labels.service;
  const checks = new Map<number, CheckSeries>();
  options.soak.fleet.series.forEach((s, i) => {
    const labels = Object.fromEntries(s.labels.map((l) => [l.name, l.value]));
    if (labels[serviceLabel] !== options.service) return;
    const { __name__: name = '', ...rest } = labels;
    checks.set(i, { name, labels: rest, temporality: resolveTemporality(name, () => undefined) });
  });
  const rejected = new Map<string, number>();
  let accepted = 0;
  const ingest = (series: IngestSeries[], nowMs: number): void => {
    const outcome = store.ingest({ series, rejected: new Map() }, nowMs);
    accepted += outcome.acceptedSamples;
    for (const [reason, n] of outcome.rejected) rejected.set(reason, (rejected.get(reason) ?? 0) + n);
  };
  return {
    store,
    get accepted() {
      return accepted;
    },
    rejected,
    keeps: (series) => checks.has(series),
    addRemoteWrite(samples, nowMs) {
      const series: IngestSeries[] = [];
      for (const sample of samples) {
        const check = checks.get(sample.series);
        if (check !== undefined) series.push({ ...check, timestampsMs: [sample.timestampMs], values: [sample.value] });
      }
      ingest(series, nowMs);
    },
    addOtlp(body, nowMs) {
      const decoded = decodeOtlpMetrics(body, { contentType: 'application/x-protobuf' }, { maxDecodedBytes: 64 << 20, labels: options.config.labels });
      for (const [reason, n] of decoded.batch.rejected) rejected.set(reason, (rejected.get(reason) ?? 0) + n);
      ingest(decoded.batch.series, nowMs);
    },
  };
}

/** What comparing `serve`'s report with the reference's came to. */
export interface ReadbackResult {
  /** The slice both analyses are as of (`serve`'s `monitoring.asOf`). */
  readonly asOf: string;
  /** Groups of the check services in either report. */
  readonly groups: number;
  /** Of those, groups whose statistics have finite baseline and after values (the comparison is not vacuous). */
  readonly groupsWithFigures: number;
  /** One line per group that differs or is missing on one side; empty when they agree. */
  readonly mismatches: readonly string[];
}

/** A report as JSON (what `GET /api/v1/upgrades/{id}/report` answers). */
export interface ReportJson {
  readonly monitoring?: { readonly asOf?: string };
  readonly groups: readonly { readonly signal: string; readonly labels: Labels; readonly statistics: readonly Record<string, unknown>[]; readonly instances?: unknown }[];
}

/** Statistic fields the data alone decides (see the module comment). */
const DATA_FIELDS = ['name', 'baseline', 'after', 'relativeChange', 'absoluteChange', 'ci', 'pValue', 'observedAfter', 'design', 'exceedance', 'resolution'];

/**
 * Runs the sequential analysis `serve` ran, on the reference store as of `serve`'s report's slice,
 * and compares the check services' groups. @throws Error when the report has no `monitoring.asOf`
 * (it is the final report, or not a monitoring one).
 */
export async function compareWithReference(report: ReportJson, reference: ReferenceStore, config: ShiftguardConfig, upgrade: Upgrade, services: readonly string[]): Promise<ReadbackResult> {
  const asOf = report.monitoring?.asOf;
  if (asOf === undefined) throw new Error('read-back: the report has no monitoring.asOf (expected a report of an upgrade still monitored)');
  const asOfMs = Date.parse(asOf);
  const expected = await runAnalysis({ config, upgrade, source: reference.store, asOfMs, mode: 'sequential', now: () => new Date(asOfMs) });
  const serviceLabel = config.labels.service;
  const pick = (groups: ReportJson['groups']): Map<string, string> =>
    new Map(groups.filter((g) => services.includes(g.labels[serviceLabel] ?? '')).map((g) => [`${g.signal} {${labelsKey(g.labels)}}`, dataFigures(g)]));
  const served = pick(report.groups);
  const computed = pick((JSON.parse(JSON.stringify(expected)) as ReportJson).groups);
  const keys = [...new Set([...served.keys(), ...computed.keys()])].sort();
  const mismatches = keys.flatMap((key) => {
    const [s, c] = [served.get(key), computed.get(key)];
    if (s === c) return [];
    if (s === undefined || c === undefined) return [`${key}: only in the ${s === undefined ? 'reference' : "serve's report"}`];
    return [`${key}: serve ${s.slice(0, 400)} vs reference ${c.slice(0, 400)}`];
  });
  const withFigures = [...computed.values()].filter((figures) => hasFigures(JSON.parse(figures) as { statistics: Record<string, unknown>[] })).length;
  return { asOf, groups: keys.length, groupsWithFigures: withFigures, mismatches };
}

/** The group's data-decided figures as canonical JSON. */
function dataFigures(group: ReportJson['groups'][number]): string {
  const statistics = group.statistics.map((s) => Object.fromEntries(DATA_FIELDS.filter((f) => f in s).map((f) => [f, s[f]])));
  return JSON.stringify({ instances: group.instances ?? null, statistics });
}

function hasFigures(figures: { statistics: Record<string, unknown>[] }): boolean {
  return figures.statistics.length > 0 && figures.statistics.every((s) => Number.isFinite(s['baseline']) && Number.isFinite(s['after']));
}
