/**
 * Reads and validates the JSON inputs of the upgrade model (upgrade.json, package manifest, inventory):
 * strict JSON syntax, zod validation with line:column per bad field, unknown keys kept as warnings
 * (forward compatible, yet a typo is never silent).
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { formatInputIssue } from '../config/input-error.js';
import { parseJsonSource } from '../config/source-document.js';
import type { SourceDocument } from '../config/source-document.js';
import { validateSource } from '../config/validate-source.js';
import { UpgradeInputError } from './upgrade-input-error.js';

/** A validated input value plus its warnings, each formatted as `file:line:col: path: message`. */
export interface ValidatedInput<T> {
  readonly value: T;
  readonly warnings: string[];
}

/**
 * Parses JSON `text` (named `fileName` in messages) and validates it with `schema`.
 * @throws UpgradeInputError listing every syntax or validation problem with line:column.
 */
export function parseJsonInput<S extends z.ZodType>(text: string, fileName: string, schema: S): ValidatedInput<z.output<S>> {
  const parsed = parseJsonSource(text);
  if (!parsed.ok) throw new UpgradeInputError(fileName, parsed.issues);
  return validateDocument(parsed.document, fileName, schema);
}

/**
 * Validates an already parsed JSON value (e.g. an HTTP request body): messages carry JSON paths but no lines.
 * @throws UpgradeInputError listing every validation problem.
 */
export function validateJsonValue<S extends z.ZodType>(value: unknown, sourceName: string, schema: S): ValidatedInput<z.output<S>> {
  return validateDocument({ value, locate: () => undefined }, sourceName, schema);
}

/**
 * Reads a UTF-8 file for {@link parseJsonInput}.
 * @throws UpgradeInputError when the file cannot be read.
 */
export function readInputFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UpgradeInputError(path, [{ path: '', message: `cannot read the file: ${reason}` }]);
  }
}

function validateDocument<S extends z.ZodType>(document: SourceDocument, fileName: string, schema: S): ValidatedInput<z.output<S>> {
  const result = validateSource(schema, document, 'warn');
  if (!result.ok) throw new UpgradeInputError(fileName, result.issues);
  return { value: result.value, warnings: result.warnings.map((warning) => formatInputIssue(fileName, warning)) };
}
