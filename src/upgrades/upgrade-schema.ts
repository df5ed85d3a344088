/**
 * zod schema of `upgrade.json` (CONTRACT §4). `id`, `startedAt` and `binaries[].name` are required;
 * everything else is optional. Objects are strict, but the loader turns unknown keys into warnings
 * (forward compatible). Extensions beyond the contract: `binaries[].changed`, `fromSha256`,
 * `instances`, `notes`; `configChanges[].renamedFrom` / `replacedBy`; top-level `notes`.
 */
import { z } from 'zod';
import { expected, nonEmptyString, patternString, strictSection } from '../config/zod-messages.js';
import { parseRfc3339Ms } from './rfc3339.js';
import { checkUpgradeSemantics } from './upgrade-semantics.js';

const OBJECT = 'an object';

/** An RFC 3339 timestamp string (validated, kept as text on the wire). */
export const timestampSchema = z
  .string({ error: expected('an RFC 3339 timestamp') })
  .refine((text) => parseRfc3339Ms(text) !== undefined, { error: expected('an RFC 3339 timestamp') });

/** A SHA-256 digest: 64 hexadecimal characters. */
export const sha256Schema = patternString(/^[0-9a-fA-F]{64}$/, 'a SHA-256 digest (64 hex characters)');

/** A version string; `null` stands for "not installed" (added or removed binaries). */
export const versionSchema = nonEmptyString('a version string or null').nullable();

/** A list of distinct non-empty strings. */
export function distinctStrings(what: string) {
  return z.array(nonEmptyString(what), { error: expected(`a list of ${what}s`) }).superRefine((values, ctx) => {
    values.forEach((value, index) => {
      const first = values.indexOf(value);
      if (first < index) ctx.addIssue({ code: 'custom', path: [index], input: value, message: `duplicate ${what} ${JSON.stringify(value)} (also at [${first}])` });
    });
  });
}

/** A configuration value as upgrade descriptions carry them. */
export const configValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: expected('a string, number, boolean or null'),
});

const rolloutStep = strictSection({ instance: nonEmptyString('an instance name'), at: timestampSchema }, OBJECT);

/** One binary of the upgrade. */
export const upgradeBinarySchema = strictSection(
  {
    name: nonEmptyString('a binary name'),
    from: versionSchema.optional(),
    to: versionSchema.optional(),
    changed: z.boolean({ error: expected('true or false') }).optional(),
    sha256: sha256Schema.optional(),
    fromSha256: sha256Schema.optional(),
    services: distinctStrings('service name').optional(),
    instances: distinctStrings('instance name').optional(),
    rollout: z.array(rolloutStep, { error: expected('a list of { instance, at }') }).optional(),
    notes: z.array(z.string({ error: expected('a string') }), { error: expected('a list of strings') }).optional(),
  },
  OBJECT,
);

/** One configuration change. */
export const configChangeSchema = strictSection(
  {
    key: nonEmptyString('a configuration key'),
    from: configValueSchema.optional(),
    to: configValueSchema.optional(),
    renamedFrom: nonEmptyString('a configuration key').optional(),
    replacedBy: nonEmptyString('a configuration key').optional(),
  },
  OBJECT,
);

/** A feature flag shipped with (or governing) a binary of the upgrade. */
export const flagRefSchema = strictSection(
  { name: nonEmptyString('a flag name'), binary: nonEmptyString('a binary name').optional() },
  OBJECT,
);

/** The whole `upgrade.json`. */
export const upgradeJsonSchema = strictSection(
  {
    id: patternString(/^[^\s/]{1,128}$/, 'an id of 1-128 characters without spaces or slashes'),
    package: nonEmptyString('a package name').optional(),
    startedAt: timestampSchema,
    finishedAt: timestampSchema.nullable().optional(),
    binaries: z.array(upgradeBinarySchema, { error: expected('a list of binaries') }),
    configChanges: z.array(configChangeSchema, { error: expected('a list of { key, from, to }') }).optional(),
    flags: z.array(flagRefSchema, { error: expected('a list of { name, binary }') }).optional(),
    notes: z.array(z.string({ error: expected('a string') }), { error: expected('a list of strings') }).optional(),
  },
  'an object at the top level',
).superRefine(checkUpgradeSemantics, { when: () => true });

/** The wire form of an upgrade description (what `upgrade diff` writes and `POST /api/v1/upgrades` accepts). */
export type UpgradeJson = z.input<typeof upgradeJsonSchema>;
