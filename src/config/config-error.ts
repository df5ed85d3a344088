import { InputError } from './input-error.js';
import type { InputIssue } from './input-error.js';

/**
 * An invalid `shiftguard.yaml` (or an invalid environment override). `issues` lists every bad field;
 * `message` prints them as `config/x.yaml:12:7: signals[0].quantiles[1]: expected …, got …`.
 */
export class ConfigError extends InputError {
  constructor(file: string | null, issues: readonly InputIssue[]) {
    super('invalid_config', 'invalid configuration', file, issues);
  }
}
