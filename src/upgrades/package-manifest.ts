/**
 * The manifest an upgrade package ships (e.g. inside `Full-upgrade-package-dten.zip`): which binaries at
 * which versions, configuration edits and feature flags. Input of `shiftguard upgrade diff`.
 *
 * ```json
 * { "package": "Full-upgrade-package-dten.zip", "version": "2026.04",
 *   "binaries": [ { "name": "dten-gateway", "version": "4.3.0", "sha256": "…", "services": ["gateway"] },
 *                 { "name": "dten-legacy-proxy", "removed": true } ],
 *   "config": { "set": { "dten.gateway.timeout-ms": "5000" },
 *               "renamed": [ { "from": "dten.hybrid.enabled", "to": "dten.hybrid.enable" } ],
 *               "removed": [ "dten.legacy.poller" ] },
 *   "flags": [ { "name": "dten.sync.backoff-v2", "binary": "dten-sync" } ] }
 * ```
 */
import { z } from 'zod';
import { describeValue, expected, nonEmptyString, strictSection } from '../config/zod-messages.js';
import { parseJsonInput, readInputFile } from './json-input.js';
import type { ValidatedInput } from './json-input.js';
import { configValueSchema, distinctStrings, flagRefSchema, sha256Schema } from './upgrade-schema.js';

const OBJECT = 'an object';
const configKey = nonEmptyString('a configuration key');

const manifestBinary = strictSection(
  {
    name: nonEmptyString('a binary name'),
    version: nonEmptyString('a version string').optional(),
    sha256: sha256Schema.optional(),
    services: distinctStrings('service name').optional(),
    removed: z.boolean({ error: expected('true or false') }).optional(),
  },
  OBJECT,
).superRefine((binary, ctx) => {
  if (binary.removed === true && binary.version !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['version'], input: binary.version, message: 'a removed binary has no version' });
  }
  if (binary.removed !== true && binary.version === undefined) {
    ctx.addIssue({ code: 'custom', path: ['version'], input: undefined, message: 'missing; expected a version string (or "removed": true)' });
  }
});

const configEdits = strictSection(
  {
    set: z.record(z.string(), configValueSchema, { error: expected('an object of key: value') }).optional(),
    renamed: z.array(strictSection({ from: configKey, to: configKey }, OBJECT), { error: expected('a list of { from, to }') }).optional(),
    removed: distinctStrings('configuration key').optional(),
  },
  OBJECT,
);

/** zod schema of a package manifest; see the module comment for the format. */
export const packageManifestSchema = strictSection(
  {
    package: nonEmptyString('a package name'),
    version: nonEmptyString('a version string').optional(),
    binaries: z.array(manifestBinary, { error: expected('a list of binaries') }),
    config: configEdits.optional(),
    flags: z.array(flagRefSchema, { error: expected('a list of { name, binary }') }).optional(),
  },
  'an object at the top level',
).superRefine(checkManifestSemantics);

/** A validated package manifest. */
export type PackageManifest = z.output<typeof packageManifestSchema>;

/**
 * Reads and validates a package manifest file.
 * @throws UpgradeInputError listing every bad field with line:column.
 */
export function loadPackageManifest(path: string): ValidatedInput<PackageManifest> {
  return parsePackageManifest(readInputFile(path), path);
}

/**
 * Validates package-manifest JSON text; `fileName` names it in messages. Unknown keys become warnings.
 * @throws UpgradeInputError listing every bad field with line:column.
 */
export function parsePackageManifest(text: string, fileName: string): ValidatedInput<PackageManifest> {
  return parseJsonInput(text, fileName, packageManifestSchema);
}

type Manifest = z.output<typeof packageManifestSchema>;

/** Duplicate binaries; config keys that are both set and removed, renamed twice, or renamed onto themselves. */
function checkManifestSemantics(manifest: Manifest, ctx: z.core.$RefinementCtx): void {
  const seen = new Map<string, number>();
  manifest.binaries.forEach((binary, index) => {
    const first = seen.get(binary.name);
    if (first === undefined) seen.set(binary.name, index);
    else ctx.addIssue({ code: 'custom', path: ['binaries', index, 'name'], input: binary.name, message: `duplicate binary ${describeValue(binary.name)} (also binaries[${first}])` });
  });
  const set = manifest.config?.set ?? {};
  const removed = new Set(manifest.config?.removed ?? []);
  for (const key of removed) {
    if (Object.hasOwn(set, key)) ctx.addIssue({ code: 'custom', path: ['config', 'set', key], input: key, message: `key ${describeValue(key)} is both set and removed` });
  }
  const renamedFrom = new Set<string>();
  (manifest.config?.renamed ?? []).forEach((rename, index) => {
    const path = ['config', 'renamed', index];
    if (rename.from === rename.to) ctx.addIssue({ code: 'custom', path: [...path, 'to'], input: rename.to, message: 'a key cannot be renamed to itself' });
    if (renamedFrom.has(rename.from)) ctx.addIssue({ code: 'custom', path: [...path, 'from'], input: rename.from, message: `key ${describeValue(rename.from)} is renamed twice` });
    if (removed.has(rename.to)) ctx.addIssue({ code: 'custom', path: [...path, 'to'], input: rename.to, message: `key ${describeValue(rename.to)} is both a rename target and removed` });
    renamedFrom.add(rename.from);
  });
}
