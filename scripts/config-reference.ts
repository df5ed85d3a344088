/**
 * `npm run docs`: rewrites the configuration reference in README.md (between
 * `<!-- config-reference:begin -->` and `<!-- config-reference:end -->`) from the zod schemas of
 * `shiftguard.yaml` and `guardrails.yaml`. Writes nothing when the README is already up to date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigReference, spliceConfigReference } from '../src/config/config-reference.js';

const readmeUrl = new URL('../README.md', import.meta.url);
const before = readFileSync(readmeUrl, 'utf8');
let after: string;
try {
  after = spliceConfigReference(before, renderConfigReference());
} catch (error) {
  console.error(`README.md: ${(error as Error).message}`);
  process.exit(1);
}
if (after === before) {
  console.log('README.md: configuration reference already up to date');
} else {
  writeFileSync(readmeUrl, after);
  console.log('README.md: configuration reference rewritten from the schemas');
}
