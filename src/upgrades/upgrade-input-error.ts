import { InputError } from '../config/input-error.js';
import type { InputIssue } from '../config/input-error.js';

/**
 * An invalid upgrade description, package manifest or inventory. `issues` lists every bad field; `message`
 * prints them as `upgrade.json:7:22: binaries[0].rollout[1].at: expected an RFC 3339 timestamp, got "yesterday"`.
 */
export class UpgradeInputError extends InputError {
  constructor(file: string | null, issues: readonly InputIssue[]) {
    super('invalid_upgrade', 'invalid upgrade input', file, issues);
  }
}
