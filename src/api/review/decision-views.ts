/**
 * Decisions on the review page: a table with each decision's state, its predicted effect (the retry
 * model's, or the finding it answers) and its measured effect (verification), and the approve /
 * reject confirmation page (operators only; a viewer sees why the buttons are missing).
 */
import { html } from 'hono/html';
import type { DecisionRecord } from '../../store/state-store.js';
import { describeValue } from '../../tune/decision-proposal.js';
import type { DecisionProposal } from '../../tune/decision-proposal.js';
import { safeProposal } from '../../tune/tuner-context.js';
import { formatRatio, formatSeconds } from './group-plots.js';
import { labelsText } from './review-layout.js';
import type { Html } from './review-layout.js';
import type { ReviewSession } from './review-session.js';
import { approvalRefusal } from '../decide-proposal.js';
import { quantileOfName } from '../../detect/statistic.js';

/** The table of `decisions`, newest first; `back` is where approve/reject return to. */
export function decisionsTable(decisions: readonly DecisionRecord[], session: ReviewSession, back: string): Html {
  if (decisions.length === 0) return html`<p class="muted">No decisions.</p>`;
  const rows = [...decisions].sort((a, b) => Number(b.id) - Number(a.id)).map((d) => {
    const p = safeProposal(d);
    return html`<tr data-decision="${d.id}" data-status="${d.status}">
  <td class="num">${d.id}</td>
  <td><code>${d.flag}</code><br><span class="muted">${p === null ? d.kind : `${p.action} ${describeValue(p.target.before)} → ${describeValue(p.target.after)}`}</span></td>
  <td><span class="badge s-${d.status}">${d.status}</span>${p?.mode === 'dry-run' ? html` <span class="badge">dry-run</span>` : ''}</td>
  <td>${p === null ? '' : p.summary}${p?.pendingReason ? html`<br><span class="muted">waits for an operator: ${p.pendingReason}</span>` : ''}</td>
  <td>${p === null ? '' : predicted(p)}</td>
  <td>${p === null ? '' : measured(p)}</td>
  <td class="muted">requested by ${d.requestedBy === session.name ? html`<strong>you</strong> (${d.requestedBy})` : d.requestedBy}${d.approvedBy === null ? '' : html`<br>approved by ${d.approvedBy}`}</td>
  <td>${d.status !== 'proposed' ? '' : actions(d, session, back)}</td>
</tr>`;
  });
  return html`<table class="decisions"><thead><tr><th>#</th><th>flag and change</th><th>state</th><th>why</th><th>predicted effect</th><th>measured effect</th><th>who</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Approve / reject links of a pending decision: an operator rejects their own request but never approves it. */
function actions(d: DecisionRecord, session: ReviewSession, back: string): Html {
  if (!session.roles.includes('operator')) return html`<span class="muted">an operator token can approve</span>`;
  const reject = html`<a href="/ui/decisions/${d.id}/reject?back=${encodeURIComponent(back)}">Reject…</a>`;
  // The same two-person rule the approval itself applies (decide-proposal.ts), said for this page.
  const refusal = approvalRefusal(d, session);
  if (refusal?.code === 'self_approval') return html`<span class="muted">another operator must approve your request</span> · ${reject}`;
  if (refusal !== null) return html`<span class="muted">a person requested it: approve with your own named token</span> · ${reject}`;
  return html`<a href="/ui/decisions/${d.id}/approve?back=${encodeURIComponent(back)}">Approve…</a> · ${reject}`;
}

/** What the decision was expected to do. */
export function predicted(p: DecisionProposal): string {
  if (p.prediction !== null) {
    const { current, predicted: next } = p.prediction;
    return `retries/request ${formatRatio(current.retriesPerRequest)} → ${formatRatio(next.retriesPerRequest)}; p99 ${Math.round(current.p99Ms)} → ${Math.round(next.p99Ms)} ms; failures ${pct(current.failureRate)} → ${pct(next.failureRate)} (retry model)`;
  }
  const s = p.trigger?.statistic;
  if (p.trigger !== null && s !== null && s !== undefined) {
    const value = quantileOfName(s.name) !== null ? formatSeconds : formatRatio;
    return `back toward ${s.name} ${value(s.baseline)} (now ${value(s.after)}) on ${p.trigger.signal} {${labelsText(p.trigger.labels)}}`;
  }
  return p.action === 'restore' ? 'the value before the tuner’s first change' : '';
}

/** What verification measured (or where it stands). */
export function measured(p: DecisionProposal): Html | string {
  const v = p.verification;
  if (p.failure !== null) return `failed: ${p.failure.message}`;
  if (v === null) return p.applied === null ? 'not applied yet' : '';
  if (v.outcome === null) return `verifying until ${new Date(v.untilMs).toISOString().slice(11, 19)} UTC`;
  return html`<span class="badge ${v.outcome === 'worse' ? 's-reverted' : v.outcome === 'better' ? 's-kept' : ''}">${v.outcome.replace('_', ' ')}</span> ${v.summary ?? ''}${p.reverted === null ? '' : html`<br><span class="muted">reverted by ${p.reverted.by}</span>`}`;
}

function pct(x: number): string {
  return `${Number((x * 100).toPrecision(2))}%`;
}

/** The confirmation form of approving or rejecting decision `d`. */
export function confirmBody(d: DecisionRecord, action: 'approve' | 'reject', session: ReviewSession, back: string): Html {
  const p = safeProposal(d);
  return html`<h1>${action === 'approve' ? 'Approve' : 'Reject'} decision ${d.id}?</h1>
<dl class="facts">
  <dt>flag</dt><dd><code>${d.flag}</code></dd>
  <dt>change</dt><dd>${p === null ? d.kind : `${p.action}: ${describeValue(p.target.before)} → ${describeValue(p.target.after)}`}</dd>
  <dt>why</dt><dd>${p?.summary ?? ''}</dd>
  ${p?.pendingReason ? html`<dt>waits because</dt><dd>${p.pendingReason}</dd>` : ''}
  <dt>predicted</dt><dd>${p === null ? '' : predicted(p) || '—'}</dd>
  <dt>state</dt><dd><span class="badge s-${d.status}">${d.status}</span></dd>
</dl>
${action === 'approve' ? html`<p>Once approved, the tuner carries it out at its next round (within its pacing limits) and verifies the effect; it reverts the change if the answered signal got worse.</p>` : html`<p>A rejected decision is closed; the tuner does not propose the same change for this finding again.</p>`}
<form method="post" action="/ui/decisions/${d.id}/${action}">
  <input type="hidden" name="csrf" value="${session.csrf}">
  <input type="hidden" name="back" value="${back}">
  <label for="reason">Reason (optional, kept in the audit trail)</label>
  <input type="text" id="reason" name="reason" maxlength="2000" autocomplete="off">
  <p><button type="submit" class="${action === 'approve' ? 'primary' : 'danger'}">${action === 'approve' ? 'Approve' : 'Reject'} decision ${d.id}</button> <a href="${back}">Cancel</a></p>
</form>`;
}
