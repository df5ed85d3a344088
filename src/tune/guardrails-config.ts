/**
 * `config/guardrails.yaml` (CONTRACT §7): what the tuner may change on its own. Validated at start
 * like the main configuration: every bad field is reported at once with file:line:column. A rule
 * either allows on/off actions on a gate (`may`) or bounds the numeric constants of a variant
 * payload (`tune`); `when` says which attributed regressions it answers. Field descriptions (`.meta`)
 * feed the configuration reference in the README (`npm run docs`).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config/config-error.js';
import { deepFreeze } from '../config/deep-freeze.js';
import { durationMs, httpUrl, integerIn, numberWhere } from '../config/schema-fields.js';
import { parseYamlSource } from '../config/source-document.js';
import { validateSource } from '../config/validate-source.js';
import { expected, nonEmptyString, strictSection } from '../config/zod-messages.js';
import { refuseUrl } from '../net/outbound-policy.js';
import type { OutboundPolicy } from '../net/outbound-policy.js';

/** What the tuner may do to a gate without approval. */
export type GateAction = 'disable' | 'enable';

/** Bounds of one numeric constant of a variant payload. */
export interface TuneBound {
  readonly min: number;
  readonly max: number;
  /** Largest move of one change, as a fraction of the current value (integers move by at least 1). */
  readonly maxStep: number;
}

/** Which attributed regressions a rule answers: any of the signals, caused by any of the binaries. */
export interface RuleTrigger {
  readonly signals: readonly string[];
  readonly binaries: readonly string[];
}

/** A rule for an on/off gate. */
export interface GateRule {
  readonly kind: 'gate';
  readonly flag: string;
  readonly may: readonly GateAction[];
  readonly when: RuleTrigger;
}

/**
 * What tuned constants should achieve; a missing field means "back to the baseline": the value the
 * regressed group had before the upgrade (plus the signal's `minRelativeChange`, below which nothing
 * counts as a regression anyway).
 */
export interface TuneObjective {
  /** Retry budget: most retries per request wanted. */
  readonly retriesPerRequest: number | null;
  /** Latency SLO: end-to-end p99 the requests should stay under, ms. */
  readonly p99Ms: number | null;
}

/** A rule for numeric constants kept in a strategy variant's JSON payload. */
export interface TuneRule {
  readonly kind: 'tune';
  readonly flag: string;
  readonly tune: Readonly<Record<string, TuneBound>>;
  readonly when: RuleTrigger;
  readonly objective: TuneObjective;
  /**
   * How long a transient fault of the called API lasts, when the operator knows it (a rate limiter's
   * window, a failover time): retries sooner than this meet the fault again. Null: the model assumes
   * every attempt fails alike, whatever the sleep before it.
   */
  readonly transientFaultMs: number | null;
  /** Which strategy holds the variant: its title, or null for the first `flexibleRollout` one. */
  readonly strategyTitle: string | null;
  /** Which variant holds the constants, or null for the strategy's only variant. */
  readonly variant: string | null;
}

export type GuardrailRule = GateRule | TuneRule;

/** Pacing of changes, per flag. */
export interface GuardrailLimits {
  readonly cooldownMs: number;
  readonly maxChangesPerDay: number;
  readonly verifyWindowMs: number;
}

/** The whole validated guardrails file, deeply frozen. */
export interface Guardrails {
  /** `dry-run`: decide and log, never call Unleash. */
  readonly mode: 'enforce' | 'dry-run';
  /** Stops every change at once (also settable through the API; either one stops the tuner). */
  readonly killSwitch: boolean;
  readonly unleash: { readonly url: string | null; readonly environment: string; readonly project: string; readonly tokenEnv: string };
  readonly rules: readonly GuardrailRule[];
  readonly limits: GuardrailLimits;
}

const MAPPING = 'a mapping';
const flagName = nonEmptyString('a flag name');
const oneOrMany = z
  .union([nonEmptyString('a name'), z.array(nonEmptyString('a name')).min(1, { message: 'expected at least one name' })], {
    error: expected('a name or a list of names'),
  })
  .meta({ yamlType: 'name or list of names' });
const trigger = strictSection(
  {
    signal: oneOrMany.meta({ description: 'The signal(s) (`signals[].name` in shiftguard.yaml) whose regressions this rule answers.' }),
    binary: oneOrMany.meta({ description: 'The binary (or binaries) that must be the regression\'s top suspect.' }),
  },
  MAPPING,
).transform(
  ({ signal, binary }): RuleTrigger => ({ signals: typeof signal === 'string' ? [signal] : signal, binaries: typeof binary === 'string' ? [binary] : binary }),
);
const finite = numberWhere('a finite number', (v) => Number.isFinite(v));
const bound = strictSection(
  {
    min: finite.meta({ description: 'Smallest value the tuner may write.' }),
    max: finite.meta({ description: 'Largest value the tuner may write (at least `min`).' }),
    maxStep: numberWhere('a fraction in (0, 1]', (v) => v > 0 && v <= 1).meta({
      description: 'Largest move of one change, as a fraction of the current value (integers move by at least 1).',
    }),
  },
  MAPPING,
).superRefine((b, ctx) => {
  if (b.min > b.max) ctx.addIssue({ code: 'custom', path: ['max'], input: b.max, message: `expected max >= min (${b.min}), got ${b.max}` });
});
const rule = strictSection(
  {
    flag: flagName.meta({ description: 'The Unleash flag this rule governs; one rule per flag.' }),
    may: z
      .array(z.enum(['disable', 'enable'], { error: expected('disable or enable') }))
      .min(1, { message: 'expected at least one action' })
      .optional()
      .meta({ description: 'On/off gate: the actions the tuner may take without approval. A rule has exactly one of `may` and `tune`.' }),
    tune: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected a payload key (letters, digits, _)' }), bound, { error: expected('a mapping of payload keys to bounds') })
      .optional()
      .meta({
        yamlType: 'mapping of payload key to bounds',
        description: 'Numeric constants in a strategy variant\'s JSON payload, by payload key, with the bounds of each. A rule has exactly one of `may` and `tune`.',
      }),
    when: trigger,
    objective: strictSection(
      {
        retriesPerRequest: numberWhere('a number >= 0', (v) => Number.isFinite(v) && v >= 0)
          .optional()
          .meta({ description: 'Tune rules: the retry budget, most retries per request wanted. Unset: back to the group\'s baseline.' }),
        p99: durationMs(1).optional().meta({ description: 'Tune rules: the latency SLO, an end-to-end p99 to stay under. Unset: back to the group\'s baseline.' }),
      },
      MAPPING,
    ).optional(),
    transientFault: durationMs(1)
      .optional()
      .meta({ description: 'Tune rules: how long a transient fault of the called API lasts, when known (retries sooner meet it again). Unset: every attempt fails alike.' }),
    strategy: strictSection(
      { title: nonEmptyString('a strategy title').meta({ description: 'Tune rules: title of the strategy holding the variant. Unset: the first `flexibleRollout` strategy.' }) },
      MAPPING,
    ).optional(),
    variant: nonEmptyString('a variant name').optional().meta({ description: 'Tune rules: the variant holding the constants. Unset: the strategy\'s only variant.' }),
  },
  MAPPING,
)
  .superRefine((r, ctx) => {
    if ((r.may === undefined) === (r.tune === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], input: r, message: 'expected exactly one of `may` (a gate) or `tune` (payload constants)' });
    }
    if (r.tune !== undefined && Object.keys(r.tune).length === 0) ctx.addIssue({ code: 'custom', path: ['tune'], input: r.tune, message: 'expected at least one payload key' });
    if (r.may !== undefined) {
      for (const key of ['objective', 'transientFault', 'strategy', 'variant'] as const) {
        if (r[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], input: r[key], message: `\`${key}\` belongs to \`tune\` rules, not to a gate` });
      }
    }
  })
  .transform((r): GuardrailRule =>
    r.may !== undefined
      ? { kind: 'gate', flag: r.flag, may: [...new Set(r.may)], when: r.when }
      : {
          kind: 'tune',
          flag: r.flag,
          tune: r.tune ?? {},
          when: r.when,
          objective: { retriesPerRequest: r.objective?.retriesPerRequest ?? null, p99Ms: r.objective?.p99 ?? null },
          transientFaultMs: r.transientFault ?? null,
          strategyTitle: r.strategy?.title ?? null,
          variant: r.variant ?? null,
        },
  );

/** The schema of the guardrails file; `{}` is valid and allows nothing. */
export const guardrailsSchema = strictSection(
  {
    mode: z
      .enum(['enforce', 'dry-run'], { error: expected('enforce or dry-run') })
      .default('enforce')
      .meta({ description: '`dry-run`: plan and log decisions, never write to Unleash (flags are still read to plan).' }),
    killSwitch: z
      .boolean({ error: expected('true or false') })
      .default(false)
      .meta({ description: '`true` stops every flag write at once, reverts included. The API has the same switch; either one stops the tuner.' }),
    unleash: strictSection(
      {
        url: httpUrl().nullable().default(null).meta({ description: 'Base URL of the Unleash API, e.g. `http://unleash:4242/api`; required when the tuner is on.' }),
        environment: nonEmptyString('an environment name').default('production').meta({ description: 'The Unleash environment whose flag strategies are read and changed.' }),
        project: nonEmptyString('a project id').default('default').meta({ description: 'The Unleash project holding the flags.' }),
        tokenEnv: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected an environment variable name' })
          .default('UNLEASH_ADMIN_TOKEN')
          .meta({ yamlType: 'environment variable name', description: 'Environment variable holding an Unleash admin API token; the tuner does not start without it.' }),
      },
      MAPPING,
    ).prefault({}),
    rules: z
      .array(rule, { error: expected('a list of rules') })
      .default([])
      .meta({ description: 'What the tuner may do without approval. A regression\'s signal and top suspect binary select the rules (`when`), first rule first. Nothing outside these rules happens without an operator\'s approval.' }),
    limits: strictSection(
      {
        cooldown: durationMs(0).prefault('15m').meta({ description: 'Per flag: least time between two changes (a revert is exempt).' }),
        maxChangesPerDay: integerIn(1, 1000).default(6).meta({ description: 'Per flag: most changes over any 24 h (a revert is exempt but counts for the changes after it).' }),
        verifyWindow: durationMs(1000).prefault('10m').meta({ description: 'After a change: how long it is observed before it is kept or reverted.' }),
      },
      MAPPING,
    )
      .transform((l): GuardrailLimits => ({ cooldownMs: l.cooldown, maxChangesPerDay: l.maxChangesPerDay, verifyWindowMs: l.verifyWindow }))
      .prefault({}),
  },
  'a mapping at the top level',
).superRefine((g, ctx) => {
  const seen = new Map<string, number>();
  g.rules.forEach((r, i) => {
    const first = seen.get(r.flag);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['rules', i, 'flag'], input: r.flag, message: `flag ${r.flag} already has a rule (rules[${first}]): one rule per flag` });
    else seen.set(r.flag, i);
  });
});

/**
 * Validates guardrails text (YAML) named `fileName` in messages; with `outbound`, `unleash.url` must
 * also pass the outbound policy of shiftguard.yaml (scheme, userinfo, literal host, names).
 * @throws ConfigError listing every bad field with file:line:column.
 */
export function parseGuardrails(text: string, fileName: string, outbound?: OutboundPolicy): Guardrails {
  const parsed = parseYamlSource(text);
  if (!parsed.ok) throw new ConfigError(fileName, parsed.issues);
  const result = validateSource(guardrailsSchema, { ...parsed.document, value: parsed.document.value ?? {} }, 'error');
  if (!result.ok) throw new ConfigError(fileName, result.issues);
  const url = result.value.unleash.url;
  const refusal = outbound === undefined || url === null ? null : refuseUrl(outbound, url);
  if (refusal !== null) throw new ConfigError(fileName, [{ path: 'unleash.url', ...parsed.document.locate(['unleash', 'url']), message: refusal }]);
  return deepFreeze(result.value as Guardrails);
}

/** Reads and validates a guardrails file (`unleash.url` against `outbound` when given). */
export function loadGuardrails(path: string, outbound?: OutboundPolicy): Guardrails {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigError(path, [{ path: '', message: `cannot read the guardrails file: ${reason}` }]);
  }
  return parseGuardrails(text, path, outbound);
}

/** The rules that answer a regression of `signal` attributed to `binary`. */
export function rulesFor(guardrails: Guardrails, signal: string, binary: string): GuardrailRule[] {
  return guardrails.rules.filter((r) => r.when.signals.includes(signal) && r.when.binaries.includes(binary));
}
