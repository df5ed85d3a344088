/**
 * Schema of the SQLite adapter, as an append-only list of migrations (see `migration.ts`). Times are
 * INTEGER epoch ms; JSON payloads are TEXT. Tables are STRICT so a wrongly typed value is refused
 * rather than coerced. Enumerations (statuses, verdicts) are checked by the store's code, not by CHECK
 * constraints, so a later status needs no table rebuild.
 */
import type { Migration } from './migration.js';

const initial = `
CREATE TABLE upgrades (
  id TEXT PRIMARY KEY,
  document TEXT NOT NULL,
  registered_at_ms INTEGER NOT NULL,
  status TEXT NOT NULL
) STRICT;
CREATE INDEX upgrades_registered ON upgrades (registered_at_ms, id);

CREATE TABLE findings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  upgrade_id TEXT NOT NULL REFERENCES upgrades (id),
  signal TEXT NOT NULL,
  labels TEXT NOT NULL,
  labels_key TEXT NOT NULL,
  verdict TEXT NOT NULL,
  statistics TEXT NOT NULL,
  suspects TEXT NOT NULL,
  opened_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  resolved_at_ms INTEGER
) STRICT;
CREATE UNIQUE INDEX findings_open_key ON findings (upgrade_id, signal, labels_key) WHERE resolved_at_ms IS NULL;
CREATE INDEX findings_upgrade ON findings (upgrade_id, id);

CREATE TABLE decisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  upgrade_id TEXT NOT NULL REFERENCES upgrades (id),
  flag TEXT NOT NULL,
  kind TEXT NOT NULL,
  proposal TEXT NOT NULL,
  status TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  approved_by TEXT,
  leader_epoch INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  version INTEGER NOT NULL
) STRICT;
CREATE INDEX decisions_upgrade ON decisions (upgrade_id, id);
CREATE INDEX decisions_status ON decisions (status, id);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  details TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`;

/** The final report of each finished upgrade (the in-memory series it came from are gone after retention). */
const upgradeReports = `
CREATE TABLE upgrade_reports (
  upgrade_id TEXT PRIMARY KEY REFERENCES upgrades (id),
  report TEXT NOT NULL,
  generated_at_ms INTEGER NOT NULL
) STRICT;
`;

/** Service settings that survive restarts (the tuner's kill switch). */
const settings = `
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  updated_by TEXT NOT NULL
) STRICT;
`;

/**
 * The tuner's leadership terms, one row per claim (the history doubles as the counter: a claim inserts
 * MAX(epoch) + 1 inside `BEGIN IMMEDIATE`, which also serialises it against fenced decision writes).
 * Append-only, so an epoch is never reused.
 */
const leaderTerms = `
CREATE TABLE leader_terms (
  epoch INTEGER PRIMARY KEY,
  holder TEXT NOT NULL,
  claimed_at_ms INTEGER NOT NULL
) STRICT;
CREATE TRIGGER leader_terms_no_update BEFORE UPDATE ON leader_terms
BEGIN SELECT RAISE(ABORT, 'leader_terms is append-only'); END;
CREATE TRIGGER leader_terms_no_delete BEFORE DELETE ON leader_terms
BEGIN SELECT RAISE(ABORT, 'leader_terms is append-only'); END;
`;

/** Every SQLite migration, oldest first; append new versions at the end, never edit released ones. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial-schema', sql: initial },
  { version: 2, name: 'upgrade-reports', sql: upgradeReports },
  { version: 3, name: 'settings', sql: settings },
  { version: 4, name: 'leader-terms', sql: leaderTerms },
];
