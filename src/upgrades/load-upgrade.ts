/** Loads `upgrade.json` (CONTRACT §4) into the domain {@link Upgrade}, validating it once. */
import { deepFreeze } from '../config/deep-freeze.js';
import { parseJsonInput, readInputFile, validateJsonValue } from './json-input.js';
import { toUpgrade } from './upgrade.js';
import type { Upgrade } from './upgrade.js';
import { upgradeJsonSchema } from './upgrade-schema.js';

/**
 * Reads and validates an upgrade description file.
 * @returns the frozen domain upgrade; unknown keys are reported in `warnings`, not refused.
 * @throws UpgradeInputError listing every bad field as `file:line:col: path: expected …, got …`.
 */
export function loadUpgrade(path: string): Upgrade {
  return parseUpgrade(readInputFile(path), path);
}

/**
 * Validates upgrade-description JSON text; `fileName` names it in messages.
 * @throws UpgradeInputError listing every bad field with line:column (JSON syntax errors included).
 */
export function parseUpgrade(text: string, fileName: string): Upgrade {
  const { value, warnings } = parseJsonInput(text, fileName, upgradeJsonSchema);
  return deepFreeze(toUpgrade(value, fileName, warnings));
}

/**
 * Validates an already parsed upgrade description (e.g. the body of `POST /api/v1/upgrades`); messages
 * carry JSON paths without line numbers, prefixed with `sourceName`.
 * @throws UpgradeInputError listing every bad field.
 */
export function validateUpgrade(value: unknown, sourceName: string): Upgrade {
  const result = validateJsonValue(value, sourceName, upgradeJsonSchema);
  return deepFreeze(toUpgrade(result.value, sourceName, result.warnings));
}
