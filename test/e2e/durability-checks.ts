/**
 * Checks of the kill -9 durability test: the state a restarted service serves (and, at the end, what
 * the store holds, audit log included) against the client's ledger. Each check returns the list of
 * problems it found (empty when all is well), each naming the request and what was wrong.
 */
import type { AuditEntry, StateStore } from '../../src/store/state-store.js';
import { MAX_AUDIT_PAGE } from '../../src/store/state-store.js';
import type { DurabilityLedger } from './durability-ledger.js';
import { DURABILITY_TOKENS } from './durability-service.js';

/** An upgrade as the API lists it (or the store holds it), reduced to what the ledger knows. */
export interface UpgradeView {
  readonly id: string;
  readonly registeredAt: string;
}

/** A decision as the API lists it (or the store holds it), reduced to what the ledger knows. */
export interface DecisionView {
  readonly id: string;
  readonly status: string;
  readonly approvedBy: string | null;
  readonly updatedAt: string;
}

/** A list answer without an answer after this long fails the check, ms (a hang guard). */
const LIST_TIMEOUT_MS = 10_000;

/** Reads `GET /api/v1/upgrades` and `GET /api/v1/decisions` from the service at `base` as the viewer. */
export async function readThroughApi(base: string): Promise<{ upgrades: UpgradeView[]; decisions: DecisionView[] }> {
  const get = async (path: string): Promise<unknown> => {
    const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${DURABILITY_TOKENS.viewer}` }, signal: AbortSignal.timeout(LIST_TIMEOUT_MS) });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as unknown;
  };
  const upgrades = (await get('/api/v1/upgrades')) as UpgradeView[];
  const decisions = (await get('/api/v1/decisions')) as DecisionView[];
  return {
    upgrades: upgrades.map(({ id, registeredAt }) => ({ id, registeredAt })),
    decisions: decisions.map(({ id, status, approvedBy, updatedAt }) => ({ id, status, approvedBy, updatedAt })),
  };
}

/**
 * Every acknowledged registration is there (with the acknowledged `registeredAt`), no id twice, none
 * the client never sent; in-doubt ones may be there or not, but once seen they stay (`track` records
 * what was seen, for the checks after later restarts).
 */
export function checkUpgrades(upgrades: readonly UpgradeView[], ledger: DurabilityLedger, where: string, track: boolean): string[] {
  const problems: string[] = [];
  const byId = new Map<string, UpgradeView>();
  for (const upgrade of upgrades) {
    if (byId.has(upgrade.id)) problems.push(`${where}: upgrade ${upgrade.id} is listed twice`);
    byId.set(upgrade.id, upgrade);
    if (upgrade.id !== ledger.seedUpgradeId && !ledger.sentUpgrades.has(upgrade.id)) problems.push(`${where}: upgrade ${upgrade.id} was never sent`);
  }
  if (!byId.has(ledger.seedUpgradeId)) problems.push(`${where}: the seeded upgrade ${ledger.seedUpgradeId} is missing`);
  for (const [id, ack] of ledger.ackedUpgrades) {
    const found = byId.get(id);
    if (found === undefined) problems.push(`${where}: upgrade ${id}, registered with 201 in cycle ${ack.cycle}, is missing`);
    else if (ack.registeredAt !== null && found.registeredAt !== ack.registeredAt) {
      problems.push(`${where}: upgrade ${id} has registeredAt ${found.registeredAt}, acknowledged ${ack.registeredAt} in cycle ${ack.cycle}`);
    }
  }
  for (const id of ledger.doubtfulUpgrades) trackLanded(ledger, `upgrade/${id}`, byId.has(id), where, track, problems);
  return problems;
}

/**
 * Exactly the seeded decisions are there; each acknowledged approval/rejection shows the acknowledged
 * status, approver and `updatedAt`; untouched ones are still proposed; in-doubt ones are proposed or
 * at the status asked for (and once seen there, stay there).
 */
export function checkDecisions(decisions: readonly DecisionView[], ledger: DurabilityLedger, where: string, track: boolean): string[] {
  const problems: string[] = [];
  const byId = new Map<string, DecisionView>();
  const seeded = new Set(ledger.seededDecisions);
  for (const decision of decisions) {
    if (byId.has(decision.id)) problems.push(`${where}: decision ${decision.id} is listed twice`);
    byId.set(decision.id, decision);
    if (!seeded.has(decision.id)) problems.push(`${where}: decision ${decision.id} was never seeded`);
  }
  for (const id of ledger.seededDecisions) {
    const found = byId.get(id);
    if (found === undefined) {
      problems.push(`${where}: seeded decision ${id} is missing`);
      continue;
    }
    const ack = ledger.ackedTransitions.get(id);
    const doubt = ledger.doubtfulTransitions.get(id);
    if (ack !== undefined) {
      const approver = ack.status === 'approved' ? 'operator' : null;
      if (found.status !== ack.status || found.approvedBy !== approver || (ack.updatedAt !== null && found.updatedAt !== ack.updatedAt)) {
        problems.push(`${where}: decision ${id} is ${JSON.stringify(found)}, but cycle ${ack.cycle} acknowledged status ${ack.status}, approvedBy ${approver}, updatedAt ${ack.updatedAt}`);
      }
    } else if (doubt !== undefined) {
      if (found.status !== 'proposed' && found.status !== doubt.status) problems.push(`${where}: decision ${id} is ${found.status}; the in-doubt request asked for ${doubt.status}`);
      trackLanded(ledger, `decision/${id}`, found.status === doubt.status, where, track, problems);
    } else if (found.status !== 'proposed' || found.approvedBy !== null) {
      problems.push(`${where}: decision ${id} was never approved or rejected but is ${JSON.stringify(found)}`);
    }
  }
  return problems;
}

function trackLanded(ledger: DurabilityLedger, key: string, present: boolean, where: string, track: boolean, problems: string[]): void {
  if (present) {
    if (track) ledger.landed.add(key);
  } else if (ledger.landed.has(key)) {
    problems.push(`${where}: ${key} (an in-doubt request) was there after an earlier restart and is gone now`);
  }
}

/** Every row of the audit log, oldest first, paged with `afterSeq`. */
export async function readAudit(store: StateStore): Promise<AuditEntry[]> {
  const rows: AuditEntry[] = [];
  for (;;) {
    const page = await store.listAudit({ afterSeq: rows.at(-1)?.seq ?? 0, limit: MAX_AUDIT_PAGE });
    rows.push(...page);
    if (page.length < MAX_AUDIT_PAGE) return rows;
  }
}

/** Checks the stopped service's store: records as above, plus exactly one audit row per write. */
export async function checkStore(store: StateStore, ledger: DurabilityLedger): Promise<{ problems: string[]; auditRows: number }> {
  const where = 'store after the final stop';
  const upgrades = (await store.listUpgrades()).map((u) => ({ id: u.id, registeredAt: new Date(u.registeredAtMs).toISOString() }));
  const records = await store.listDecisions();
  const decisions = records.map((d) => ({ id: d.id, status: d.status, approvedBy: d.approvedBy, updatedAt: new Date(d.updatedAtMs).toISOString() }));
  const audit = await readAudit(store);
  const problems = [...checkUpgrades(upgrades, ledger, where, false), ...checkDecisions(decisions, ledger, where, false)];
  const bySubject = new Map<string, AuditEntry[]>();
  let lastSeq = 0;
  for (const row of audit) {
    if (row.seq <= lastSeq) problems.push(`${where}: audit seq ${row.seq} follows ${lastSeq}`);
    lastSeq = row.seq;
    bySubject.set(row.subject, [...(bySubject.get(row.subject) ?? []), row]);
  }
  const expected = new Set<string>();
  for (const upgrade of upgrades) {
    const subject = `upgrade/${upgrade.id}`;
    expected.add(subject);
    const actions = (bySubject.get(subject) ?? []).map((row) => row.action);
    if (actions.join() !== 'upgrade.registered') problems.push(`${where}: upgrade ${upgrade.id} ${registrationHistory(ledger, upgrade.id)} has audit rows [${actions.join(', ')}], expected exactly one upgrade.registered`);
  }
  for (const record of records) {
    const subject = `decision/${record.id}`;
    expected.add(subject);
    problems.push(...checkDecisionAudit(record, bySubject.get(subject) ?? [], ledger, where));
  }
  // Each start of the service claimed one leadership term (sole leader on SQLite, the lock on
  // PostgreSQL), audited with it: terms 1..newest, one `leader.elected` row each.
  const newest = (await store.currentLeaderTerm())?.epoch ?? 0;
  for (let epoch = 1; epoch <= newest; epoch++) {
    const subject = `leader/${epoch}`;
    expected.add(subject);
    const actions = (bySubject.get(subject) ?? []).map((row) => row.action);
    if (actions.join() !== 'leader.elected') problems.push(`${where}: leadership term ${epoch} has audit rows [${actions.join(', ')}], expected exactly one leader.elected`);
  }
  for (const [subject, rows] of bySubject) {
    if (!expected.has(subject)) problems.push(`${where}: ${rows.length} audit row(s) [${rows.map((r) => r.action).join(', ')}] for ${subject}, which does not exist`);
  }
  return { problems, auditRows: audit.length };
}

/** `decision.created`, then exactly one `decision.<status>` row when it left `proposed`, matching the record. */
function checkDecisionAudit(record: { id: string; status: string; version: number }, rows: readonly AuditEntry[], ledger: DurabilityLedger, where: string): string[] {
  const actions = rows.map((row) => row.action);
  const expected = record.status === 'proposed' ? ['decision.created'] : ['decision.created', `decision.${record.status}`];
  const expectedVersion = expected.length;
  const problems: string[] = [];
  if (actions.join() !== expected.join() || record.version !== expectedVersion) {
    problems.push(`${where}: decision ${record.id} is ${record.status} at version ${record.version} with audit rows [${actions.join(', ')}], expected [${expected.join(', ')}] at version ${expectedVersion}`);
    return problems;
  }
  const transition = rows[1];
  if (transition === undefined) return problems;
  const details = transition.details as { from?: unknown; to?: unknown; version?: unknown; details?: { reason?: unknown } };
  if (details.from !== 'proposed' || details.to !== record.status || details.version !== record.version) {
    problems.push(`${where}: audit row ${transition.seq} of decision ${record.id} says ${JSON.stringify(details)}, expected from proposed to ${record.status} at version ${record.version}`);
  }
  const reason = ledger.ackedTransitions.get(record.id)?.reason ?? ledger.doubtfulTransitions.get(record.id)?.reason ?? null;
  if ((details.details?.reason ?? null) !== reason) problems.push(`${where}: audit row ${transition.seq} of decision ${record.id} has reason ${JSON.stringify(details.details?.reason)}, sent ${JSON.stringify(reason)}`);
  return problems;
}

function registrationHistory(ledger: DurabilityLedger, id: string): string {
  if (id === ledger.seedUpgradeId) return '(seeded)';
  const ack = ledger.ackedUpgrades.get(id);
  if (ack !== undefined) return `(registered with 201 in cycle ${ack.cycle})`;
  return ledger.doubtfulUpgrades.has(id) ? '(in doubt: the service was killed before it answered)' : '';
}
