/** zod schema of `signals` in shiftguard.yaml: a discriminated union on `type` (latency | ratio). */
import { z } from 'zod';
import { labelNameList, metricName, numberWhere, reportDuplicates } from './schema-fields.js';
import { describeValue, expected, patternString, strictSection } from './zod-messages.js';

const signalName = patternString(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'a signal name ([A-Za-z0-9_][A-Za-z0-9_.-]*)');
const nonNegative = () => numberWhere('a number ≥ 0', (value) => value >= 0);
const quantile = numberWhere('a number in (0, 1)', (value) => value > 0 && value < 1);

const histogramBaseName = metricName().refine((name) => !/_(bucket|count|sum)$/.test(name), {
  error: (issue) => `expected the histogram's base name without _bucket/_count/_sum, got ${describeValue(issue.input)}`,
});

const quantileList = z
  .array(quantile, { error: expected('a list of quantiles in (0, 1)') })
  .min(1, { error: expected('at least one quantile') })
  .superRefine((values, ctx) => reportDuplicates(values, ctx, 'quantile'));

/** Fields of both kinds of signal, described once for the configuration reference. */
const common = {
  name: signalName.meta({ description: 'Name of the signal in reports, findings, metrics and guardrails rules (`when.signal`).' }),
  by: labelNameList().meta({ description: 'Labels whose distinct value tuples form one group each.' }),
  minRelativeChange: nonNegative().meta({ description: 'A significant relative change smaller than this is `no_change`.' }),
  minAbsoluteChange: nonNegative()
    .default(0)
    .meta({ description: "A significant absolute change smaller than this is `no_change`: in the metric's unit (latency), in ratio units (ratio)." }),
};
const TYPE_DESCRIPTION = '`latency`: a histogram of durations; `ratio`: numerator / denominator of two counters.';

const latencySignal = strictSection(
  {
    name: common.name,
    type: z.literal('latency').meta({ description: TYPE_DESCRIPTION }),
    metric: histogramBaseName.meta({ description: 'Base name of the histogram, without `_bucket`/`_count`/`_sum`.' }),
    by: common.by,
    quantiles: quantileList.meta({ description: 'The quantiles compared, distinct.', yamlType: 'list of numbers in (0, 1)' }),
    minRelativeChange: common.minRelativeChange,
    minAbsoluteChange: common.minAbsoluteChange,
  },
  'a signal (a mapping)',
);

const ratioSignal = strictSection(
  {
    name: common.name,
    type: z.literal('ratio').meta({ description: TYPE_DESCRIPTION }),
    numerator: metricName().meta({ description: 'The counter of the events, e.g. `http_client_retries_total`.' }),
    denominator: metricName().meta({ description: 'The counter they are a share of, e.g. `http_client_requests_total`.' }),
    by: common.by,
    minRelativeChange: common.minRelativeChange,
    minAbsoluteChange: common.minAbsoluteChange,
  },
  'a signal (a mapping)',
);

const signal = z.discriminatedUnion('type', [latencySignal, ratioSignal], {
  error: (issue) => {
    if (issue.code !== 'invalid_union') return expected('a signal (a mapping with type latency or ratio)')(issue);
    const type = (issue.input as { type?: unknown } | undefined)?.type;
    if (type === undefined) return 'missing; expected type latency or ratio';
    return `expected type latency or ratio, got ${describeValue(type)}`;
  },
});

/** The signals of the contract's defaults. */
export const DEFAULT_SIGNALS: readonly z.input<typeof signal>[] = [
  {
    name: 'latency',
    type: 'latency',
    metric: 'http_server_request_duration_seconds',
    by: ['service', 'endpoint'],
    quantiles: [0.5, 0.95, 0.99],
    minRelativeChange: 0.05,
    minAbsoluteChange: 0.002,
  },
  {
    name: 'retries',
    type: 'ratio',
    numerator: 'http_client_retries_total',
    denominator: 'http_client_requests_total',
    by: ['service', 'peer'],
    minRelativeChange: 0.1,
  },
];

/** `signals`: at least one, names unique (a duplicate is reported at its `name`). */
export const signalListSchema = z
  .array(signal, { error: expected('a list of signals') })
  .min(1, { error: expected('at least one signal') })
  .superRefine(
    (signals, ctx) => {
      const names = (Array.isArray(signals) ? signals : []).map((s: unknown) => (s as { name?: unknown } | null)?.name);
      const firstIndex = new Map<unknown, number>();
      names.forEach((name, index) => {
        if (typeof name !== 'string') return;
        const first = firstIndex.get(name);
        if (first === undefined) firstIndex.set(name, index);
        else ctx.addIssue({ code: 'custom', path: [index, 'name'], input: name, message: `duplicate signal name ${describeValue(name)} (also signals[${first}].name)` });
      });
    },
    { when: () => true },
  )
  .prefault(() => structuredClone([...DEFAULT_SIGNALS]));
