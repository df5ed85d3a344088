/**
 * zod schema of `shiftguard.yaml` (CONTRACT §3 plus extensions). Every section has defaults, so `{}` parses
 * to the embedded defaults; objects are strict, so a mistyped key is an error naming the key.
 */
import { z } from 'zod';
import { formatDuration } from './duration.js';
import { tryParseListenAddress } from './listen-address.js';
import { AlertsConfigSchema } from '../alerts/alerts-config.js';
import { durationMs, httpUrl, integerIn, labelName, metricName, numberWhere } from './schema-fields.js';
import { signalListSchema } from './signal-schema.js';
import { expected, nonEmptyString, patternString, strictSection } from './zod-messages.js';

const MAPPING = 'a mapping';

const envName = patternString(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');
const tokenRef = (env: string) => strictSection({ env: envName }, 'a mapping { env: VARIABLE }').prefault({ env });

const listen = z
  .string({ error: expected('host:port, e.g. 127.0.0.1:8080') })
  .refine((text) => tryParseListenAddress(text) !== undefined, { error: expected('host:port, e.g. 127.0.0.1:8080') });

const server = strictSection(
  {
    listen: listen.default('127.0.0.1:8080'),
    tokens: strictSection(
      {
        viewer: tokenRef('SHIFTGUARD_VIEWER_TOKEN'),
        operator: tokenRef('SHIFTGUARD_OPERATOR_TOKEN'),
        ingest: tokenRef('SHIFTGUARD_INGEST_TOKEN'),
      },
      MAPPING,
    ).prefault({}),
  },
  MAPPING,
);

const storeUrl = z
  .string({ error: expected('sqlite:<path> or postgres://…') })
  .refine((url) => /^sqlite:.+/.test(url) || /^postgres(ql)?:\/\/.+/.test(url), {
    error: expected('sqlite:<path> or postgres://…'),
  });

const prometheus = strictSection({ url: httpUrl().nullable().default(null), timeout: durationMs(1).prefault('30s') }, MAPPING)
  .transform(({ url, timeout }) => ({ url, timeoutMs: timeout }));

const labels = strictSection({ instance: labelName().default('instance'), service: labelName().default('service') }, MAPPING);

const buildInfo = strictSection(
  {
    metric: metricName().default('dten_build_info'),
    binaryLabel: labelName().default('binary'),
    versionLabel: labelName().default('version'),
  },
  'a mapping, or null to disable',
);

const windows = strictSection(
  {
    baseline: durationMs(1).prefault('2h'),
    after: durationMs(1).prefault('1h'),
    settle: durationMs(0).prefault('5m'),
    slice: durationMs(1000).prefault('1m'),
  },
  MAPPING,
)
  .transform(({ baseline, after, settle, slice }) => ({ baselineMs: baseline, afterMs: after, settleMs: settle, sliceMs: slice }))
  .superRefine((value, ctx) => {
    const shorter = Math.min(value.baselineMs, value.afterMs);
    if (value.sliceMs > shorter) {
      ctx.addIssue({ code: 'custom', path: ['slice'], input: value.sliceMs, message: `expected a slice no longer than baseline and after (${formatDuration(shorter)}), got ${formatDuration(value.sliceMs)}` });
    }
  });

const detection = strictSection(
  {
    bootstrapResamples: integerIn(1, 1_000_000).default(400),
    seed: integerIn(0, 4_294_967_295).default(1),
    minSlices: integerIn(2, Number.MAX_SAFE_INTEGER).default(5),
    minTailEvents: integerIn(1, Number.MAX_SAFE_INTEGER).default(10),
    minRatioEvents: integerIn(1, Number.MAX_SAFE_INTEGER).default(10),
  },
  MAPPING,
);

const monitoring = strictSection({ delay: durationMs(0).prefault('1m') }, MAPPING).transform(({ delay }) => ({ delayMs: delay }));

const tuner = strictSection(
  {
    guardrails: nonEmptyString('a file path').nullable().default(null),
    interval: durationMs(1000).prefault('15s'),
    leaseDuration: durationMs(3000).prefault('15s'),
  },
  MAPPING,
).transform(({ guardrails, interval, leaseDuration }) => ({ guardrails, intervalMs: interval, leaseMs: leaseDuration }));

/** The whole configuration file; `{}` yields the defaults. */
export const shiftguardConfigSchema = strictSection(
  {
    server: server.prefault({}),
    store: strictSection({ url: storeUrl.default('sqlite:./data/shiftguard.db') }, MAPPING).prefault({}),
    prometheus: prometheus.prefault({}),
    labels: labels.prefault({}),
    buildInfo: buildInfo.nullable().prefault({}),
    windows: windows.prefault({}),
    alpha: numberWhere('a number in (0, 0.5]', (value) => value > 0 && value <= 0.5).default(0.01),
    signals: signalListSchema,
    detection: detection.prefault({}),
    monitoring: monitoring.prefault({}),
    tuner: tuner.prefault({}),
    alerts: AlertsConfigSchema.prefault({}),
  },
  'a mapping at the top level',
);
