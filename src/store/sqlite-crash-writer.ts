/**
 * Child process of the SQLite `kill -9` durability test (`sqlite-durability.test.ts`): writes
 * decisions to the database file given as its argument, forever, and prints one line per commit
 * (`created <id>`, `approved <id>`) only after the store call that committed it returned. The test
 * SIGKILLs it and checks that every printed line is in the database.
 *
 * Usage: `node --import tsx src/store/sqlite-crash-writer.ts <database file>`
 */
import { pathToFileURL } from 'node:url';
import { T0, decisionInput, upgradeRecord } from './contract-fixtures.js';
import { SqliteStateStore } from './sqlite-state-store.js';
import { StoreConflictError } from './store-error.js';

/** Upgrade id the crash writer files its decisions under. */
export const CRASH_UPGRADE_ID = 'crash-test';

/**
 * Writes decisions to `path` until the process dies: every decision is created, every other one
 * approved; `print` receives each line after its commit.
 */
export async function runCrashWriter(path: string, print: (line: string) => void): Promise<never> {
  const store = new SqliteStateStore({ path });
  await store.open();
  try {
    await store.putUpgrade(upgradeRecord(CRASH_UPGRADE_ID, T0));
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
  }
  for (let i = 0; ; i++) {
    const decision = await store.createDecision(decisionInput(CRASH_UPGRADE_ID, { atMs: T0 + i }));
    print(`created ${decision.id}`);
    if (i % 2 === 0) {
      await store.transitionDecision(decision.id, 'proposed', 'approved', { atMs: T0 + i, actor: 'alice', approvedBy: 'alice' }, 1);
      print(`approved ${decision.id}`);
    }
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  const path = process.argv[2];
  if (path === undefined) {
    process.stderr.write('usage: sqlite-crash-writer.ts <database file>\n');
    process.exit(2);
  }
  // Writes to a pipe are synchronous on Linux, so a line is out before the next write starts.
  await runCrashWriter(path, (line) => process.stdout.write(`${line}\n`));
}
