import { describe, expect, it } from 'vitest';
import { StoreSchemaError } from '../store-error.js';
import { checkMigrationList, pendingMigrations } from './migration.js';
import type { Migration } from './migration.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';

const known: Migration[] = [
  { version: 1, name: 'initial-schema', sql: 'CREATE TABLE a (x INTEGER)' },
  { version: 2, name: 'add-b', sql: 'CREATE TABLE b (x INTEGER)' },
  { version: 3, name: 'add-c', sql: 'CREATE TABLE c (x INTEGER)' },
];

describe('checkMigrationList', () => {
  it('accepts both adapters\' lists, which move in step', () => {
    expect(() => checkMigrationList(SQLITE_MIGRATIONS)).not.toThrow();
    expect(() => checkMigrationList(POSTGRES_MIGRATIONS)).not.toThrow();
    expect(POSTGRES_MIGRATIONS.map((m) => m.name)).toEqual(SQLITE_MIGRATIONS.map((m) => m.name));
  });

  it('refuses gaps, disorder and missing or repeated names', () => {
    const [one, two, three] = known as [Migration, Migration, Migration];
    expect(() => checkMigrationList([one, three])).toThrow('migration list: entry 1 has version 3, expected 2');
    expect(() => checkMigrationList([two, one])).toThrow('entry 0 has version 2, expected 1');
    expect(() => checkMigrationList([one, { ...two, name: 'initial-schema' }])).toThrow('version 2 needs a unique kebab-case name, got "initial-schema"');
    expect(() => checkMigrationList([{ ...one, name: 'Initial Schema' }])).toThrow('needs a unique kebab-case name');
  });
});

describe('pendingMigrations', () => {
  it('returns what a database is missing, oldest first', () => {
    expect(pendingMigrations([], known, 'db')).toEqual(known);
    expect(pendingMigrations([{ version: 2, name: 'add-b' }, { version: 1, name: 'initial-schema' }], known, 'db')).toEqual([known[2]]);
    expect(pendingMigrations(known, known, 'db')).toEqual([]);
  });

  it('refuses a database newer than the code, with a gap, or with a renamed migration', () => {
    const future = [...known, { version: 4, name: 'add-d' }];
    expect(() => pendingMigrations(future, known, 'SQLite database x.db')).toThrow(StoreSchemaError);
    expect(() => pendingMigrations(future, known, 'SQLite database x.db'))
      .toThrow('SQLite database x.db has schema version 4, newer than this shiftguard knows (3): run a shiftguard at least as new');
    expect(() => pendingMigrations([{ version: 1, name: 'initial-schema' }, { version: 3, name: 'add-c' }], known, 'db'))
      .toThrow('db: schema_migrations has versions 1, 3, expected 1..2');
    expect(() => pendingMigrations([{ version: 1, name: 'first' }], known, 'db'))
      .toThrow('db: migration 1 was applied as "first" but this shiftguard names it "initial-schema"');
  });
});
