/**
 * zod schema of `shiftguard.yaml` (CONTRACT §3 plus extensions). Every section has defaults, so `{}` parses
 * to the embedded defaults; objects are strict, so a mistyped key is an error naming the key. Field
 * descriptions (`.meta`) feed the configuration reference in the README (`npm run docs`).
 */
import { z } from 'zod';
import { formatDuration } from './duration.js';
import { tryParseListenAddress } from './listen-address.js';
import { AlertsConfigSchema } from '../alerts/alerts-config.js';
import { GrafanaConfigSchema } from '../annotations/grafana-config.js';
import { OutboundConfigSchema, checkConfiguredUrls } from '../net/outbound-config.js';
import { durationMs, httpUrl, integerIn, labelName, metricName, numberWhere } from './schema-fields.js';
import { signalListSchema } from './signal-schema.js';
import { expected, nonEmptyString, patternString, strictSection } from './zod-messages.js';

const MAPPING = 'a mapping';

const envName = patternString(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').meta({ yamlType: 'environment variable name' });
const tokenRef = (env: string, role: string) =>
  strictSection({ env: envName.meta({ description: `Environment variable holding the bearer token of the \`${role}\` role (see Security); unset or empty: that role's routes refuse every request.` }) }, 'a mapping { env: VARIABLE }').prefault({ env });

const listen = z
  .string({ error: expected('host:port, e.g. 127.0.0.1:8080') })
  .refine((text) => tryParseListenAddress(text) !== undefined, { error: expected('host:port, e.g. 127.0.0.1:8080') });

const server = strictSection(
  {
    listen: listen.default('127.0.0.1:8080').meta({
      yamlType: 'host:port',
      description: 'Address `serve` listens on: `host:port`, `[::1]:8080` for IPv6, `:8080` for all interfaces. Env `SHIFTGUARD_LISTEN` overrides it.',
    }),
    tokens: strictSection(
      {
        viewer: tokenRef('SHIFTGUARD_VIEWER_TOKEN', 'viewer'),
        operator: tokenRef('SHIFTGUARD_OPERATOR_TOKEN', 'operator'),
        ingest: tokenRef('SHIFTGUARD_INGEST_TOKEN', 'ingest'),
      },
      MAPPING,
    ).prefault({}),
    tokensFile: nonEmptyString('a file path').nullable().default(null).meta({
      yamlType: 'file path',
      description:
        'Per-person tokens (see Security): a YAML list of `{ name, role, sha256 }` holding SHA-256 digests of tokens, never tokens, relative to the working directory. Re-read within a second of a change (rotation without a restart); a bad new file keeps the last good one. null: only the role tokens above. Env `SHIFTGUARD_TOKENS_FILE` overrides it.',
    }),
  },
  MAPPING,
);

const storeUrl = z
  .string({ error: expected('sqlite:<path> or postgres://…') })
  .refine((url) => /^sqlite:.+/.test(url) || /^postgres(ql)?:\/\/.+/.test(url), {
    error: expected('sqlite:<path> or postgres://…'),
  });

const prometheus = strictSection(
  {
    url: httpUrl().nullable().default(null).meta({
      description:
        'Base URL of a Prometheus-compatible query API (a path prefix is kept, e.g. Mimir\'s `/prometheus`): the pull source of `serve`, and of `analyze` when it gets neither `--metrics` nor `--prometheus`. null: no pull source.',
    }),
    timeout: durationMs(1).prefault('30s').meta({ description: 'Timeout of one HTTP request to that API.' }),
  },
  MAPPING,
).transform(({ url, timeout }) => ({ url, timeoutMs: timeout }));

const labels = strictSection(
  {
    instance: labelName().default('instance').meta({ description: 'Label naming one running process or host (also what OTLP `service.instance.id`, else `host.name`, becomes).' }),
    service: labelName().default('service').meta({ description: 'Label naming the service a series belongs to (also what OTLP `service.name` becomes).' }),
  },
  MAPPING,
);

const buildInfo = strictSection(
  {
    metric: metricName().default('dten_build_info').meta({ description: 'Name of the build-info gauge.' }),
    binaryLabel: labelName().default('binary').meta({ description: 'Its label holding the binary name (`binaries[].name` in upgrade.json).' }),
    versionLabel: labelName().default('version').meta({ description: 'Its label holding the running version (`from`/`to` in upgrade.json).' }),
  },
  'a mapping, or null to disable',
);

const windows = strictSection(
  {
    baseline: durationMs(1).prefault('2h').meta({ description: 'Compared window before the upgrade started (and before each instance\'s own rollout).' }),
    after: durationMs(1).prefault('1h').meta({ description: 'Compared window after each instance\'s rollout plus `settle`.' }),
    settle: durationMs(0).prefault('5m').meta({ description: 'Time ignored right after each instance\'s rollout (restarts, warm-up).' }),
    slice: durationMs(1000).prefault('1m').meta({ description: 'Width of a time slice, the independent unit of detection; at most the shorter of `baseline` and `after`.' }),
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
    bootstrapResamples: integerIn(1, 1_000_000).default(400).meta({ description: 'Block-bootstrap resamples for quantile confidence intervals.' }),
    seed: integerIn(0, 4_294_967_295).default(1).meta({ description: 'Seed of every random process of an analysis: the same input gives the same report.' }),
    minSlices: integerIn(2, Number.MAX_SAFE_INTEGER).default(5).meta({ description: 'Fewer slices with data on either side make a group `inconclusive`.' }),
    minTailEvents: integerIn(1, Number.MAX_SAFE_INTEGER).default(10).meta({ description: 'Fewer expected requests beyond a compared quantile on either side make a latency group `inconclusive`.' }),
    minRatioEvents: integerIn(1, Number.MAX_SAFE_INTEGER).default(10).meta({ description: 'Fewer numerator events on both sides together make a ratio group `inconclusive`.' }),
  },
  MAPPING,
);

const monitoring = strictSection(
  { delay: durationMs(0).prefault('1m').meta({ description: 'How late pushed or scraped samples may arrive: `serve` evaluates a slice this long after it ends.' }) },
  MAPPING,
).transform(({ delay }) => ({ delayMs: delay }));

const tuner = strictSection(
  {
    guardrails: nonEmptyString('a file path').nullable().default(null).meta({
      yamlType: 'file path',
      description: 'The guardrails file (`guardrails.yaml`, below), relative to the working directory. null: no tuner, no flag changes.',
    }),
    interval: durationMs(1000).prefault('15s').meta({ description: 'Time between two tuner rounds (one also runs right after each detection pass).' }),
    leaseDuration: durationMs(3000).prefault('15s').meta({
      description:
        'With several replicas on PostgreSQL: how long a leader that stopped answering keeps the lead (the lock session\'s `idle_session_timeout`; heartbeats every third of it).',
    }),
  },
  MAPPING,
).transform(({ guardrails, interval, leaseDuration }) => ({ guardrails, intervalMs: interval, leaseMs: leaseDuration }));

/** The whole configuration file; `{}` yields the defaults. */
export const shiftguardConfigSchema = strictSection(
  {
    server: server.prefault({}),
    store: strictSection(
      {
        url: storeUrl.default('sqlite:./data/shiftguard.db').meta({
          yamlType: '`sqlite:<path>` or `postgres://…`',
          description: 'Where state lives: SQLite for one replica, PostgreSQL (`postgres://` or `postgresql://`) for one or several. Env `DATABASE_URL` overrides it.',
        }),
      },
      MAPPING,
    ).prefault({}),
    prometheus: prometheus.prefault({}),
    labels: labels.prefault({}),
    buildInfo: buildInfo.nullable().prefault({}).meta({
      description: 'A gauge whose labels say which binary and version run on each instance: per-instance rollout times and binary-to-service ties when upgrade.json lacks them. null disables it.',
    }),
    windows: windows.prefault({}),
    alpha: numberWhere('a number in (0, 0.5]', (value) => value > 0 && value <= 0.5).default(0.01).meta({
      description: 'False-discovery rate over every test of one analysis (Benjamini-Hochberg); while `serve` monitors an upgrade, the Bonferroni bound over its tests.',
    }),
    signals: signalListSchema.meta({ description: 'What is compared: at least one signal, names unique. Each analysed group is one distinct value tuple of the signal\'s `by` labels.' }),
    detection: detection.prefault({}),
    monitoring: monitoring.prefault({}),
    tuner: tuner.prefault({}),
    alerts: AlertsConfigSchema.prefault({}).meta({ description: 'Where findings go (`serve`); every sink is off while its `url` is null.' }),
    grafana: GrafanaConfigSchema.prefault({}).meta({ description: 'Push of upgrades and decisions to Grafana\'s annotation API (`serve`); off while `url` is null.' }),
    outbound: OutboundConfigSchema.prefault({}).meta({
      description: 'Where shiftguard may send requests (SSRF protection): every configured URL is checked at start and every connection at connect time, after DNS; redirects are never followed.',
    }),
  },
  'a mapping at the top level',
).superRefine(checkConfiguredUrls);
