/**
 * The review page for SREs (`GET /`, viewer): upgrades -> one upgrade's report -> one group, and the
 * decisions with approve / reject behind a confirmation (operator). Server-rendered HTML with inline
 * SVG plots and one stylesheet, all served by shiftguard (no scripts, no network), so it works
 * without JavaScript and from the keyboard. Signing in stores the token in an HttpOnly cookie
 * (see review-session.ts); forms carry a CSRF token. Approvals are recorded under the token holder's
 * name, and nobody approves a decision they requested (two-person rule).
 */
import type { Context } from 'hono';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { GroupView } from '../../analysis/group-view.js';
import type { Report, ReportGroup } from '../../report/report.js';
import { labelsKey } from '../../series/model.js';
import type { DecisionStore, FindingStore } from '../../store/state-store.js';
import type { Upgrade } from '../../upgrades/upgrade.js';
import { ApiError } from '../api-error.js';
import type { TokenAuth } from '../auth.js';
import { approvalRefusal, decideProposal } from '../decide-proposal.js';
import type { UpgradeRegistry } from '../upgrade-registry.js';
import { confirmBody } from './decision-views.js';
import { STYLESHEET, STYLESHEET_PATH, labelsText, page } from './review-layout.js';
import type { Html } from './review-layout.js';
import { SESSION_COOKIE, SESSION_SECONDS, formIsGenuine, isSecure, sessionOf } from './review-session.js';
import type { ReviewSession } from './review-session.js';
import { groupBody, openFindingsOf, upgradeBody, upgradeHref, upgradesBody } from './upgrade-pages.js';

export interface ReviewDeps {
  readonly auth: TokenAuth;
  readonly registry: UpgradeRegistry;
  /** The upgrade's current report (as the API serves it). */
  readonly report: (upgrade: Upgrade) => Promise<Report>;
  /** Plot data of one group of that report; null when its data is gone. */
  readonly groupView: (upgrade: Upgrade, report: Report, group: ReportGroup) => Promise<GroupView | null>;
  readonly findings: FindingStore;
  readonly decisions: DecisionStore;
  readonly now: () => number;
}

/** Pages may load only their own stylesheet and post only to themselves. */
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const FLASH: Record<string, (id: string) => string> = {
  approved: (id) => `Decision ${id} approved: the tuner carries it out at its next round.`,
  rejected: (id) => `Decision ${id} rejected.`,
};

/** Mounts the review page's routes on `app`. */
export function mountReviewRoutes(app: OpenAPIHono, deps: ReviewDeps): void {
  app.get(STYLESHEET_PATH, (c) => c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }));
  app.use('/ui/*', bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text('form too large', 413) }));

  app.get('/ui/login', (c) => respond(c, 200, loginPage(localPath(c.req.query('next')), null)));
  app.post('/ui/login', async (c) => {
    const form = await c.req.parseBody();
    const next = localPath(form.next);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    if (token === '' || deps.auth.principalOf(token) === null) return respond(c, 401, loginPage(next, 'That token is not one this shiftguard knows.'));
    setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: 'Strict', secure: isSecure(c), path: '/', maxAge: SESSION_SECONDS });
    return c.redirect(next, 303);
  });
  app.post('/ui/logout', async (c) => {
    const session = sessionOf(c, deps.auth);
    const form = await c.req.parseBody();
    if (session !== null && !formIsGenuine(c, session, form.csrf)) return respond(c, 403, errorPage(session, 'This form did not come from this page (CSRF check failed); reload and try again.'));
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isSecure(c) });
    return c.redirect('/ui/login', 303);
  });

  app.get('/', (c) =>
    viewing(c, deps, async (session) => {
      const [registered, findings, waiting] = await Promise.all([deps.registry.list(), deps.findings.listFindings(), deps.decisions.listDecisions({ status: 'proposed' })]);
      const rows = await Promise.all(registered.map(async (r) => ({ registered: r, report: await deps.report(r.upgrade).catch(() => null), openFindings: openFindingsOf(findings, r.upgrade.id) })));
      return page({ title: 'Upgrades', session, crumbs: [['Upgrades', null]], flash: flashOf(c), body: upgradesBody(rows, waiting, session) });
    }),
  );

  app.get('/ui/upgrades/:id', (c) =>
    viewing(c, deps, async (session) => {
      const registered = await deps.registry.get(c.req.param('id'));
      if (registered === null) throw new ApiError(404, 'not_found', `no upgrade ${c.req.param('id')}`);
      const [report, decisions] = await Promise.all([deps.report(registered.upgrade), deps.decisions.listDecisions({ upgradeId: registered.upgrade.id })]);
      return page({ title: registered.upgrade.id, session, crumbs: [['Upgrades', '/'], [registered.upgrade.id, null]], flash: flashOf(c), body: upgradeBody(registered, report, decisions, session) });
    }),
  );

  app.get('/ui/upgrades/:id/groups/:signal', (c) =>
    viewing(c, deps, async (session) => {
      const registered = await deps.registry.get(c.req.param('id'));
      if (registered === null) throw new ApiError(404, 'not_found', `no upgrade ${c.req.param('id')}`);
      const report = await deps.report(registered.upgrade);
      const labels = c.req.query();
      const group = report.groups.find((g) => g.signal === c.req.param('signal') && labelsKey(g.labels) === labelsKey(labels));
      if (group === undefined) throw new ApiError(404, 'not_found', `upgrade ${registered.upgrade.id} has no ${c.req.param('signal')} group {${labelsText(labels)}}`);
      const [view, decisions] = await Promise.all([deps.groupView(registered.upgrade, report, group), deps.decisions.listDecisions({ upgradeId: registered.upgrade.id })]);
      const crumbs: [string, string | null][] = [['Upgrades', '/'], [registered.upgrade.id, upgradeHref(registered.upgrade.id)], [`${group.signal} {${labelsText(group.labels)}}`, null]];
      return page({ title: `${group.signal} {${labelsText(group.labels)}}`, session, crumbs, flash: flashOf(c), body: groupBody(registered, report, group, view, decisions, session) });
    }),
  );

  app.get('/ui/decisions/:id/:action{approve|reject}', (c) =>
    viewing(c, deps, async (session) => {
      const action = c.req.param('action') as 'approve' | 'reject';
      requireOperator(session, action);
      const d = await deps.decisions.getDecision(c.req.param('id'));
      if (d === null) throw new ApiError(404, 'not_found', `no decision ${c.req.param('id')}`);
      const back = localPath(c.req.query('back'));
      if (d.status !== 'proposed') throw new ApiError(409, 'conflict', `decision ${d.id} is ${d.status}, not pending`);
      const refusal = action === 'approve' ? approvalRefusal(d, session) : null;
      if (refusal !== null) throw refusal;
      return page({ title: `${action} decision ${d.id}`, session, crumbs: [['Upgrades', '/'], [`decision ${d.id}`, null]], body: confirmBody(d, action, session, back) });
    }),
  );

  app.post('/ui/decisions/:id/:action{approve|reject}', async (c) => {
    const session = sessionOf(c, deps.auth);
    if (session === null) return respond(c, 401, loginPage('/', 'Sign in first.'));
    const form = await c.req.parseBody();
    if (!formIsGenuine(c, session, form.csrf)) return respond(c, 403, errorPage(session, 'This form did not come from this page (CSRF check failed); reload and try again.'));
    const action = c.req.param('action') as 'approve' | 'reject';
    const id = c.req.param('id');
    try {
      requireOperator(session, action);
      const reason = typeof form.reason === 'string' && form.reason.trim() !== '' ? form.reason.trim().slice(0, 2000) : undefined;
      await decideProposal(deps.decisions, id, action, { atMs: deps.now(), actor: session, ...(reason === undefined ? {} : { reason }) });
    } catch (error) {
      if (error instanceof ApiError) return respond(c, error.status, errorPage(session, error.message));
      throw error;
    }
    const back = localPath(form.back);
    return c.redirect(`${back}${back.includes('?') ? '&' : '?'}done=${action === 'approve' ? 'approved' : 'rejected'}&decision=${encodeURIComponent(id)}`, 303);
  });
}

/** Runs a page handler for a signed-in viewer; unknown visitors get the sign-in form (401). */
async function viewing(c: Context, deps: ReviewDeps, render: (session: ReviewSession) => Promise<Html>): Promise<Response> {
  const session = sessionOf(c, deps.auth);
  if (session === null) return respond(c, 401, loginPage(`${c.req.path}${new URL(c.req.url).search}`, null), { 'WWW-Authenticate': 'Bearer realm="shiftguard"' });
  if (!session.roles.includes('viewer')) return respond(c, 403, errorPage(session, 'This token does not have the viewer role.'));
  try {
    return await respond(c, 200, render(session));
  } catch (error) {
    if (error instanceof ApiError) return respond(c, error.status, errorPage(session, error.message));
    throw error;
  }
}

function requireOperator(session: ReviewSession, action: string): void {
  if (!session.roles.includes('operator')) throw new ApiError(403, 'forbidden', `only an operator token may ${action} decisions; this one is a viewer's`);
}

async function respond(c: Context, status: number, body: Html | Promise<Html>, headers: Record<string, string> = {}): Promise<Response> {
  const markup = await body;
  return c.html(markup, status as 200, { ...SECURITY_HEADERS, ...headers });
}

function loginPage(next: string, error: string | null): Html {
  return page({
    title: 'Sign in',
    session: null,
    crumbs: [['Sign in', null]],
    body: html`<h1>Sign in</h1>
${error === null ? '' : html`<p class="error" role="alert">${error}</p>`}
<p>Paste your token: a viewer token (to look) or an operator token (to approve or reject decisions), either your own (from the tokens file) or a role's (the environment variable that <code>server.tokens.&lt;role&gt;.env</code> names). The token is kept in an HttpOnly cookie for ${SESSION_SECONDS / 3600} hours, or until it is revoked.</p>
<form method="post" action="/ui/login">
  <input type="hidden" name="next" value="${next}">
  <label for="token">Token</label>
  <input type="password" id="token" name="token" autocomplete="current-password" required autofocus>
  <p><button type="submit" class="primary">Sign in</button></p>
</form>`,
  });
}

function errorPage(session: ReviewSession, message: string): Html {
  return page({ title: 'Not possible', session, crumbs: [['Upgrades', '/']], body: html`<h1>Not possible</h1><p class="error" role="alert">${message}</p><p><a href="/">Back to the upgrades</a></p>` });
}

/** A same-site path to return to (anything else becomes `/`). */
function localPath(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') ? value : '/';
}

function flashOf(c: Context): string | null {
  const done = c.req.query('done');
  const id = c.req.query('decision');
  const message = done === undefined ? undefined : FLASH[done];
  return message === undefined || id === undefined || !/^\d{1,18}$/.test(id) ? null : message(id);
}

