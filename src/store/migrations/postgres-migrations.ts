/**
 * Schema of the PostgreSQL adapter, as an append-only list of migrations (see `migration.ts`). Times
 * are BIGINT epoch ms; JSON payloads are JSONB; ids are identity columns. Enumerations are checked by
 * the store's code (not CHECK constraints), as in the SQLite schema. The audit log refuses UPDATE,
 * DELETE and TRUNCATE through triggers.
 */
import type { Migration } from './migration.js';

const initial = `
CREATE TABLE upgrades (
  id TEXT PRIMARY KEY,
  document JSONB NOT NULL,
  registered_at_ms BIGINT NOT NULL,
  status TEXT NOT NULL
);
CREATE INDEX upgrades_registered ON upgrades (registered_at_ms, id COLLATE "C");

CREATE TABLE findings (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  upgrade_id TEXT NOT NULL REFERENCES upgrades (id),
  signal TEXT NOT NULL,
  labels JSONB NOT NULL,
  labels_key TEXT NOT NULL,
  verdict TEXT NOT NULL,
  statistics JSONB NOT NULL,
  suspects JSONB NOT NULL,
  opened_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  resolved_at_ms BIGINT
);
CREATE UNIQUE INDEX findings_open_key ON findings (upgrade_id, signal, labels_key) WHERE resolved_at_ms IS NULL;
CREATE INDEX findings_upgrade ON findings (upgrade_id, id);

CREATE TABLE decisions (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  upgrade_id TEXT NOT NULL REFERENCES upgrades (id),
  flag TEXT NOT NULL,
  kind TEXT NOT NULL,
  proposal JSONB NOT NULL,
  status TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  approved_by TEXT,
  leader_epoch BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  version INTEGER NOT NULL
);
CREATE INDEX decisions_upgrade ON decisions (upgrade_id, id);
CREATE INDEX decisions_status ON decisions (status, id);

CREATE TABLE audit_log (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  details JSONB NOT NULL
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
`;

/** The final report of each finished upgrade (the in-memory series it came from are gone after retention). */
const upgradeReports = `
CREATE TABLE upgrade_reports (
  upgrade_id TEXT PRIMARY KEY REFERENCES upgrades (id),
  report JSONB NOT NULL,
  generated_at_ms BIGINT NOT NULL
);
`;

/** Service settings that survive restarts (the tuner's kill switch). */
const settings = `
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value JSONB NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  updated_by TEXT NOT NULL
);
`;

/**
 * The tuner's leadership terms. `leader_term` is a single row holding the newest epoch (0: none
 * claimed): a claim bumps it with `UPDATE … SET epoch = epoch + 1`, and a fenced decision write reads
 * it `FOR SHARE` in its own transaction, so the row lock orders every claim against every fenced
 * write (a MAX(epoch) over the history could not be locked). `leader_terms` keeps every term
 * (holder, time); it is append-only and keyed by epoch, so an epoch can never be handed out twice.
 */
const leaderTerms = `
CREATE TABLE leader_term (
  singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
  epoch BIGINT NOT NULL CHECK (epoch >= 0)
);
INSERT INTO leader_term (epoch) VALUES (0);

CREATE TABLE leader_terms (
  epoch BIGINT PRIMARY KEY CHECK (epoch > 0),
  holder TEXT NOT NULL,
  claimed_at_ms BIGINT NOT NULL
);
CREATE FUNCTION leader_terms_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'leader_terms is append-only';
END
$$;
CREATE TRIGGER leader_terms_no_change BEFORE UPDATE OR DELETE ON leader_terms
  FOR EACH ROW EXECUTE FUNCTION leader_terms_append_only();
CREATE TRIGGER leader_terms_no_truncate BEFORE TRUNCATE ON leader_terms
  FOR EACH STATEMENT EXECUTE FUNCTION leader_terms_append_only();
`;

/** Every PostgreSQL migration, oldest first; append new versions at the end, never edit released ones. */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial-schema', sql: initial },
  { version: 2, name: 'upgrade-reports', sql: upgradeReports },
  { version: 3, name: 'settings', sql: settings },
  { version: 4, name: 'leader-terms', sql: leaderTerms },
];
