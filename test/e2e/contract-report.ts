/**
 * CONTRACT §5 as an executable check: the shape of the JSON report (zod schema, extensions allowed)
 * plus the rules the prose states (every group once, suspects ordered and summing to at most 1 and
 * only on regressions, relativeChange = (after − baseline) / baseline, summary counts).
 */
import { expect } from 'vitest';
import { z } from 'zod';

const VERDICTS = ['regression', 'improvement', 'no_change', 'inconclusive'] as const;

/** Numbers are null in JSON only where the value is not finite (allowed for inconclusive groups). */
const numberOrNull = z.number().nullable();

const statisticSchema = z.object({
  name: z.string().regex(/^(p\d+(\.\d+)?|ratio)$/),
  baseline: numberOrNull,
  after: numberOrNull,
  relativeChange: numberOrNull,
  ci: z.tuple([numberOrNull, numberOrNull]),
  pValue: numberOrNull,
  test: z.string().min(1),
});

const suspectSchema = z.object({
  binary: z.string().min(1),
  from: z.string().nullable(),
  to: z.string().nullable(),
  score: z.number().min(0).max(1),
  evidence: z.array(z.string().min(1)).min(1),
});

const groupSchema = z.object({
  signal: z.string().min(1),
  labels: z.record(z.string(), z.string()),
  verdict: z.enum(VERDICTS),
  statistics: z.array(statisticSchema).min(1),
  onset: z.iso.datetime().nullable(),
  suspects: z.array(suspectSchema),
  reason: z.string().optional(),
});

const rangeSchema = z.object({ start: z.iso.datetime(), end: z.iso.datetime() });

const reportSchema = z.object({
  upgrade: z.string().min(1),
  generatedAt: z.iso.datetime(),
  windows: z.object({ baseline: rangeSchema, after: rangeSchema }),
  groups: z.array(groupSchema),
  summary: z.object({
    groups: z.number().int().min(0),
    regressions: z.number().int().min(0),
    improvements: z.number().int().min(0),
    inconclusive: z.number().int().min(0),
  }),
  warnings: z.array(z.string()),
});

/** A report as CONTRACT §5 defines it (extension fields are dropped by the schema). */
export type ContractReport = z.infer<typeof reportSchema>;
export type ContractGroup = ContractReport['groups'][number];

/** Signal type per signal name: `latency` statistics are quantiles, `ratio` statistics are `ratio`. */
export type SignalTypes = Readonly<Record<string, 'latency' | 'ratio'>>;

/** The signals of the embedded default configuration (CONTRACT §3). */
export const DEFAULT_SIGNAL_TYPES: SignalTypes = { latency: 'latency', retries: 'ratio' };

/** `service=gateway endpoint=/v1/route`-style key of a group, unique per (signal, labels). */
export function groupKey(group: Pick<ContractGroup, 'signal' | 'labels'>): string {
  const labels = Object.entries(group.labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `${group.signal} ${labels}`;
}

/** The group of `signal` whose labels include `labels`; fails the test when there is not exactly one. */
export function findGroup(report: ContractReport, signal: string, labels: Readonly<Record<string, string>>): ContractGroup {
  const found = report.groups.filter((g) => g.signal === signal && Object.entries(labels).every(([k, v]) => g.labels[k] === v));
  expect(found.map(groupKey), `groups of ${signal} matching ${JSON.stringify(labels)}`).toHaveLength(1);
  return found[0] as ContractGroup;
}

/** Parses `json` and checks it against CONTRACT §5; returns the typed report. */
export function parseContractReport(json: string, signalTypes: SignalTypes = DEFAULT_SIGNAL_TYPES): ContractReport {
  const parsed = reportSchema.safeParse(JSON.parse(json));
  if (!parsed.success) throw new Error(`report does not match CONTRACT §5:\n${z.prettifyError(parsed.error)}`);
  const report = parsed.data;
  expectSummaryMatches(report);
  expect(new Set(report.groups.map(groupKey)).size, 'every group appears once').toBe(report.groups.length);
  for (const group of report.groups) expectGroupRules(group, signalTypes);
  return report;
}

function expectSummaryMatches(report: ContractReport): void {
  const count = (verdict: (typeof VERDICTS)[number]): number => report.groups.filter((g) => g.verdict === verdict).length;
  expect(report.summary).toMatchObject({
    groups: report.groups.length,
    regressions: count('regression'),
    improvements: count('improvement'),
    inconclusive: count('inconclusive'),
  });
}

function expectGroupRules(group: ContractGroup, signalTypes: SignalTypes): void {
  const where = groupKey(group);
  const type = signalTypes[group.signal];
  expect(type, `${where}: signal of a known type`).toBeDefined();
  for (const s of group.statistics) {
    if (type === 'ratio') expect(s.name, where).toBe('ratio');
    else expect(s.name, where).toMatch(/^p\d/);
    if (group.verdict !== 'inconclusive') expectFiniteStatistic(s, where);
  }
  if (group.verdict === 'inconclusive') expect(group.reason ?? '', `${where}: inconclusive gives a reason`).not.toBe('');
  if (group.verdict !== 'regression') expect(group.suspects, `${where}: suspects only on regressions`).toEqual([]);
  const scores = group.suspects.map((s) => s.score);
  expect(scores, `${where}: suspects ordered by score`).toEqual([...scores].sort((a, b) => b - a));
  expect(scores.reduce((a, b) => a + b, 0), `${where}: scores sum to at most 1`).toBeLessThanOrEqual(1 + 1e-9);
}

/** Finite numbers, p in [0, 1], an ordered CI, and relativeChange = (after − baseline) / baseline in every design. */
function expectFiniteStatistic(s: ContractGroup['statistics'][number], where: string): void {
  const { baseline, after, relativeChange, ci, pValue } = s;
  const context = `${where} ${s.name}`;
  for (const v of [baseline, after, relativeChange, ci[0], ci[1], pValue]) expect(Number.isFinite(v), context).toBe(true);
  expect(pValue ?? NaN, context).toBeGreaterThanOrEqual(0);
  expect(pValue ?? NaN, context).toBeLessThanOrEqual(1);
  expect(ci[0] ?? NaN, context).toBeLessThanOrEqual(ci[1] ?? NaN);
  if (baseline !== null && after !== null && baseline !== 0) {
    expect(relativeChange ?? NaN, `${context}: relativeChange = (after − baseline) / baseline`).toBeCloseTo((after - baseline) / baseline, 9);
  }
}
