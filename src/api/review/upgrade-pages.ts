/**
 * The review page's bodies: upgrades -> one upgrade's report -> one group (verdict, statistics,
 * plots, suspects with evidence, and the decisions that answer it).
 */
import { html, raw } from 'hono/html';
import type { GroupView } from '../../analysis/group-view.js';
import type { Report, ReportGroup, ReportStatistic } from '../../report/report.js';
import type { DecisionRecord, FindingRecord } from '../../store/state-store.js';
import { safeProposal } from '../../tune/tuner-context.js';
import type { Upgrade } from '../../upgrades/upgrade.js';
import type { RegisteredUpgrade } from '../upgrade-registry.js';
import { decisionsTable } from './decision-views.js';
import { distributionPlot, formatRatio, formatSeconds, timeSeriesPlot } from './group-plots.js';
import { labelsText, verdictBadge } from './review-layout.js';
import type { Html } from './review-layout.js';
import type { ReviewSession } from './review-session.js';
import { quantileName, quantileOfName } from '../../detect/statistic.js';

/** One row of the upgrades list. */
export interface UpgradeRow {
  readonly registered: RegisteredUpgrade;
  readonly report: Report | null;
  readonly openFindings: number;
}

/** Link to an upgrade's page. */
export function upgradeHref(id: string): string {
  return `/ui/upgrades/${encodeURIComponent(id)}`;
}

/** Link to a group's page (labels as query parameters). */
export function groupHref(upgradeId: string, group: { signal: string; labels: Readonly<Record<string, string>> }): string {
  const query = new URLSearchParams(Object.entries(group.labels).sort(([a], [b]) => (a < b ? -1 : 1))).toString();
  return `${upgradeHref(upgradeId)}/groups/${encodeURIComponent(group.signal)}${query === '' ? '' : `?${query}`}`;
}

/** The front page: every upgrade, and the decisions waiting for an operator. */
export function upgradesBody(rows: readonly UpgradeRow[], waiting: readonly DecisionRecord[], session: ReviewSession): Html {
  const list = rows.map(({ registered, report, openFindings }) => {
    const u = registered.upgrade;
    return html`<tr data-upgrade="${u.id}">
  <td><a href="${upgradeHref(u.id)}">${u.id}</a>${u.package === undefined ? '' : html`<br><span class="muted">${u.package}</span>`}</td>
  <td class="num">${new Date(u.startedAtMs).toISOString().replace('T', ' ').slice(0, 16)} UTC</td>
  <td>${changedBinaries(u)}</td>
  <td>${report === null ? html`<span class="muted">not evaluated yet</span>` : html`${report.monitoring?.status ?? (report.monitoring ? 'monitoring' : 'final')}`}</td>
  <td class="num">${report === null ? '' : html`${report.summary.regressions > 0 ? verdictBadge('regression') : ''} ${report.summary.regressions} of ${report.summary.groups} groups`}</td>
  <td class="num">${openFindings}</td>
</tr>`;
  });
  return html`<h1>Upgrades</h1>
${rows.length === 0 ? html`<p class="muted">No upgrade registered yet. Register one with <code>POST /api/v1/upgrades</code> (operator token).</p>` : html`<table><thead><tr><th>upgrade</th><th>started</th><th>changed binaries</th><th>state</th><th>regressions</th><th>open findings</th></tr></thead><tbody>${list}</tbody></table>`}
<h2>Waiting for an operator</h2>
${decisionsTable(waiting, session, '/')}`;
}

/** One upgrade: its report's groups, worst first, and its decisions. */
export function upgradeBody(registered: RegisteredUpgrade, report: Report, decisions: readonly DecisionRecord[], session: ReviewSession): Html {
  const u = registered.upgrade;
  const order = { regression: 0, inconclusive: 1, improvement: 2, no_change: 3 } as Record<string, number>;
  const groups = [...report.groups].sort((a, b) => (order[a.verdict] ?? 9) - (order[b.verdict] ?? 9));
  const rows = groups.map((g) => {
    const s = headline(g);
    return html`<tr data-group="${g.signal} ${labelsText(g.labels)}" data-verdict="${g.verdict}">
  <td><a href="${groupHref(u.id, g)}">${g.signal}</a><br><span class="muted">${labelsText(g.labels)}</span></td>
  <td>${verdictBadge(g.verdict)}</td>
  <td class="num">${s === null ? '' : statisticText(g, s)}</td>
  <td class="num">${s === null || !Number.isFinite(s.qValue) ? '—' : `q = ${s.qValue.toPrecision(2)}`}</td>
  <td>${g.suspects[0] === undefined ? '' : `${g.suspects[0].binary} (${g.suspects[0].score.toFixed(2)})`}</td>
</tr>`;
  });
  return html`<h1>Upgrade ${u.id}</h1>
<dl class="facts">
  ${u.package === undefined ? '' : html`<dt>package</dt><dd>${u.package}</dd>`}
  <dt>changed</dt><dd>${changedBinaries(u)}</dd>
  <dt>baseline</dt><dd>${span(report.windows.baseline)}</dd>
  <dt>after</dt><dd>${span(report.windows.after)}</dd>
  <dt>report</dt><dd>${report.monitoring === undefined ? 'final (one look)' : `${report.monitoring.status ?? 'monitoring'}, as of ${iso(report.monitoring.asOf)} (${report.monitoring.method})`}</dd>
  <dt>summary</dt><dd>${report.summary.regressions} regression(s), ${report.summary.improvements} improvement(s), ${report.summary.inconclusive} inconclusive of ${report.summary.groups} groups</dd>
</dl>
${report.warnings.length === 0 ? '' : html`<details><summary>${report.warnings.length} warning(s)</summary><ul>${report.warnings.map((w) => html`<li>${w}</li>`)}</ul></details>`}
<h2>Groups</h2>
<table><thead><tr><th>group</th><th>verdict</th><th>statistic</th><th>significance</th><th>top suspect</th></tr></thead><tbody>${rows}</tbody></table>
<h2>Decisions</h2>
${decisionsTable(decisions, session, upgradeHref(u.id))}`;
}

/** One group: verdict and statistics, the two plots, suspects with evidence, and its decisions. */
export function groupBody(registered: RegisteredUpgrade, report: Report, g: ReportGroup, view: GroupView | null, decisions: readonly DecisionRecord[], session: ReviewSession): Html {
  const u = registered.upgrade;
  const answering = decisions.filter((d) => {
    const t = safeProposal(d)?.trigger;
    return t !== undefined && t !== null && t.signal === g.signal && labelsText(t.labels) === labelsText(g.labels);
  });
  return html`<h1>${g.signal} <span class="muted">{${labelsText(g.labels)}}</span> ${verdictBadge(g.verdict)}</h1>
${g.reason === undefined ? '' : html`<p>${g.reason}</p>`}
<dl class="facts">
  <dt>design</dt><dd>${g.design}, ${g.instances.upgraded} upgraded instance(s), ${g.instances.controls} control(s)</dd>
  <dt>onset</dt><dd>${g.onset === null ? '—' : iso(g.onset)}${g.onsets === undefined || g.onsets.length === 0 ? '' : html` <span class="muted">(per instance: ${g.onsets.map((o) => `${o.instance} ${iso(o.at)}`).join(', ')})</span>`}</dd>
</dl>
<h2>Statistics</h2>
<table><thead><tr><th>statistic</th><th>baseline</th><th>after</th><th>change</th><th>95% interval</th><th>p</th><th>q</th><th>verdict</th><th>test</th></tr></thead><tbody>
${g.statistics.map((s) => html`<tr data-statistic="${s.name}"><td>${s.name}</td><td class="num">${value(g, s.baseline)}</td><td class="num">${value(g, s.observedAfter ?? s.after)}</td><td class="num">${signedPct(s.relativeChange)}</td><td class="num">${signedPct(s.ci[0])} … ${signedPct(s.ci[1])}</td><td class="num">${precision(s.pValue)}</td><td class="num">${precision(s.qValue)}</td><td>${verdictBadge(s.verdict)}</td><td class="muted">${s.test}${s.reason === undefined ? '' : html`<br>${s.reason}`}</td></tr>`)}
</tbody></table>
${g.notes.length === 0 ? '' : html`<ul class="muted">${g.notes.map((n) => html`<li>${n}</li>`)}</ul>`}
<h2>Before and after</h2>
${view === null ? html`<p class="muted">The group's data is no longer in the store (pushed data older than the store keeps, and no pull source).</p>` : html`<div class="plots">
<figure>${raw(distributionPlot(view, g))}<figcaption>${view.distribution.kind === 'histogram' ? 'Share of requests slower than each latency, pooled over the baseline and over the upgraded instances after the rollout; dots mark the reported quantiles.' : 'How the ratio was spread over instance-slices in each window; lines mark the group ratio of each window.'}</figcaption></figure>
<figure>${raw(timeSeriesPlot(view, g, report.windows, u.startedAtMs))}<figcaption>${view.quantile === null ? 'The ratio' : quantileName(view.quantile)} per instance in ${Math.round(view.binMs / 1000)} s bins. Solid: upgraded instances, dashed: controls. Shaded: baseline and after windows.</figcaption></figure>
</div>`}
<h2>Suspects</h2>
${g.suspects.length === 0 ? html`<p class="muted">None${g.verdict === 'regression' ? '' : ' (only regressions are attributed)'}.</p>` : html`<ol>${g.suspects.map((s) => html`<li data-suspect="${s.binary}"><strong>${s.binary}</strong> ${s.from ?? '∅'} → ${s.to ?? '∅'}, score ${s.score.toFixed(2)}<ul class="evidence">${s.evidence.map((e) => html`<li>${e}</li>`)}</ul></li>`)}</ol>`}
<h2>Decisions for this group</h2>
${decisionsTable(answering, session, groupHref(u.id, g))}`;
}

/** The statistic a one-line summary shows: the regressed one that moved most, else the largest quantile. */
function headline(g: ReportGroup): ReportStatistic | null {
  const regressed = g.statistics.filter((s) => s.verdict === 'regression').sort((a, b) => b.relativeChange - a.relativeChange);
  return regressed[0] ?? g.statistics.at(-1) ?? null;
}

function statisticText(g: ReportGroup, s: ReportStatistic): string {
  return `${s.name} ${value(g, s.baseline)} → ${value(g, s.observedAfter ?? s.after)} (${signedPct(s.relativeChange)})`;
}

function value(g: ReportGroup, v: number): string {
  return quantileOfName(g.statistics[0]?.name ?? '') !== null ? formatSeconds(v) : formatRatio(v);
}

function signedPct(x: number): string {
  if (!Number.isFinite(x)) return '—';
  return `${x >= 0 ? '+' : ''}${Number((x * 100).toPrecision(3))}%`;
}

function precision(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(2) : '—';
}

function changedBinaries(u: Upgrade): string {
  return u.binaries.filter((b) => b.changed).map((b) => `${b.name} ${b.from ?? '∅'} → ${b.to ?? '∅'}`).join(', ');
}

function span(range: { start: string; end: string }): string {
  return `${iso(range.start)} – ${iso(range.end)}`;
}

function iso(at: string): string {
  return `${at.replace('T', ' ').slice(0, 19)} UTC`;
}

/** The findings of an upgrade that are still open. */
export function openFindingsOf(findings: readonly FindingRecord[], upgradeId: string): number {
  return findings.filter((f) => f.upgradeId === upgradeId && f.resolvedAtMs === null).length;
}
