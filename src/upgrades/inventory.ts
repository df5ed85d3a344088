/**
 * The inventory of what runs now, before an upgrade: binaries with versions and where they run, plus the
 * current configuration. Input of `shiftguard upgrade diff`.
 *
 * ```json
 * { "binaries": [ { "name": "dten-gateway", "version": "4.2.1", "sha256": "…",
 *                   "services": ["gateway"], "instances": ["gw-1", "gw-2", "gw-3"] } ],
 *   "config": { "dten.hybrid.enabled": "true" } }
 * ```
 */
import { z } from 'zod';
import { describeValue, expected, nonEmptyString, strictSection } from '../config/zod-messages.js';
import { parseJsonInput, readInputFile } from './json-input.js';
import type { ValidatedInput } from './json-input.js';
import { configValueSchema, distinctStrings, sha256Schema } from './upgrade-schema.js';

const inventoryBinary = strictSection(
  {
    name: nonEmptyString('a binary name'),
    version: nonEmptyString('a version string'),
    sha256: sha256Schema.optional(),
    services: distinctStrings('service name').optional(),
    instances: distinctStrings('instance name').optional(),
  },
  'an object',
);

/** zod schema of an inventory; see the module comment for the format. */
export const inventorySchema = strictSection(
  {
    binaries: z.array(inventoryBinary, { error: expected('a list of binaries') }),
    config: z.record(z.string(), configValueSchema, { error: expected('an object of key: value') }).optional(),
  },
  'an object at the top level',
).superRefine((inventory, ctx) => {
  const seen = new Map<string, number>();
  inventory.binaries.forEach((binary, index) => {
    const first = seen.get(binary.name);
    if (first === undefined) seen.set(binary.name, index);
    else ctx.addIssue({ code: 'custom', path: ['binaries', index, 'name'], input: binary.name, message: `duplicate binary ${describeValue(binary.name)} (also binaries[${first}])` });
  });
});

/** A validated inventory. */
export type Inventory = z.output<typeof inventorySchema>;

/**
 * Reads and validates an inventory file.
 * @throws UpgradeInputError listing every bad field with line:column.
 */
export function loadInventory(path: string): ValidatedInput<Inventory> {
  return parseInventory(readInputFile(path), path);
}

/**
 * Validates inventory JSON text; `fileName` names it in messages. Unknown keys become warnings.
 * @throws UpgradeInputError listing every bad field with line:column.
 */
export function parseInventory(text: string, fileName: string): ValidatedInput<Inventory> {
  return parseJsonInput(text, fileName, inventorySchema);
}
