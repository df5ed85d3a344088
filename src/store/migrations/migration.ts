/**
 * Versioned schema migrations of the SQL adapters. Each adapter has one ordered list (versions 1, 2,
 * 3, … with no gaps); a database records every applied version in `schema_migrations`. Migrations are
 * append-only: a released migration is never edited or renumbered; a later issue adds a column by
 * appending a new version, so old databases are brought forward on their next start.
 */
import { StoreSchemaError } from '../store-error.js';

/** One schema change, applied once, in its own transaction. */
export interface Migration {
  /** 1-based, consecutive. */
  readonly version: number;
  /** Short kebab-case description, recorded with the version (a renamed migration is refused). */
  readonly name: string;
  /** The statements to run (several, separated by `;`). */
  readonly sql: string;
}

/** A row of `schema_migrations`. */
export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
}

/** Throws when a migration list is not numbered 1..n in order or has empty or repeated names (a code bug). */
export function checkMigrationList(migrations: readonly Migration[]): void {
  const names = new Set<string>();
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new Error(`migration list: entry ${i} has version ${migration.version}, expected ${i + 1}`);
    }
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(migration.name) || names.has(migration.name)) {
      throw new Error(`migration list: version ${migration.version} needs a unique kebab-case name, got ${JSON.stringify(migration.name)}`);
    }
    names.add(migration.name);
  });
}

/**
 * The migrations of `known` still to apply to a database that recorded `applied`, oldest first.
 * Refuses (`StoreSchemaError`) a database whose newest version is above the newest known (written by
 * a newer shiftguard), whose history has gaps, or whose recorded names differ from the code's.
 * `database` names the database in messages.
 */
export function pendingMigrations(applied: readonly AppliedMigration[], known: readonly Migration[], database: string): Migration[] {
  const newestKnown = known.length;
  const sorted = [...applied].sort((a, b) => a.version - b.version);
  const newestApplied = sorted.at(-1)?.version ?? 0;
  if (newestApplied > newestKnown) {
    throw new StoreSchemaError(
      `${database} has schema version ${newestApplied}, newer than this shiftguard knows (${newestKnown}): ` +
        'run a shiftguard at least as new as the one that wrote it, or point store.url at another database',
    );
  }
  sorted.forEach((row, i) => {
    if (row.version !== i + 1) {
      throw new StoreSchemaError(`${database}: schema_migrations has versions ${sorted.map((r) => r.version).join(', ')}, expected 1..${sorted.length}`);
    }
    const expected = known[i];
    if (expected !== undefined && expected.name !== row.name) {
      throw new StoreSchemaError(
        `${database}: migration ${row.version} was applied as ${JSON.stringify(row.name)} but this shiftguard names it ${JSON.stringify(expected.name)}`,
      );
    }
  });
  return known.slice(newestApplied);
}
