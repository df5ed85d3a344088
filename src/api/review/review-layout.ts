/**
 * The review page's shell: one stylesheet served by shiftguard itself (`/ui/review.css`), no
 * scripts, a skip link, breadcrumbs, and a visible focus ring so everything works from the keyboard.
 */
import { html } from 'hono/html';
import type { ReviewSession } from './review-session.js';

/** A fragment of escaped markup (hono's `html` result). */
export type Html = ReturnType<typeof html>;

/** Path of the stylesheet. */
export const STYLESHEET_PATH = '/ui/review.css';

/** The whole page around `body`. */
export function page(options: { title: string; session: ReviewSession | null; crumbs?: readonly [string, string | null][]; flash?: string | null; body: Html }): Html {
  const crumbs = options.crumbs ?? [];
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · shiftguard</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">shiftguard</a>
  <nav aria-label="Breadcrumb"><ol>${crumbs.map(([label, href]) => (href === null ? html`<li aria-current="page">${label}</li>` : html`<li><a href="${href}">${label}</a></li>`))}</ol></nav>
  ${options.session === null ? '' : html`<span class="who">${signedInAs(options.session)}${options.session.via === 'cookie' ? html` · <form method="post" action="/ui/logout" class="inline"><input type="hidden" name="csrf" value="${options.session.csrf}"><button type="submit" class="link">Sign out</button></form>` : ''}</span>`}
</header>
<main id="main" tabindex="-1">
${options.flash ? html`<p class="flash" role="status">${options.flash}</p>` : ''}
${options.body}
</main>
</body>
</html>`;
}

/** "signed in as alice (operator)"; an env role token's holder is named after the role: "signed in as operator". */
function signedInAs(session: ReviewSession): Html {
  const role = session.roles.includes('operator') ? 'operator' : 'viewer';
  return html`signed in as <strong data-who="${session.name}">${session.name}</strong>${session.name === role ? '' : ` (${role})`}`;
}

/** A verdict as a coloured badge. */
export function verdictBadge(verdict: string): Html {
  return html`<span class="badge v-${verdict.replace(/[^a-z_]/g, '')}">${verdict.replace('_', ' ')}</span>`;
}

/** Labels as `k=v, k=v`. */
export function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ');
}

/** The stylesheet. */
export const STYLESHEET = `
:root { --fg: #212529; --muted: #5c636a; --line: #dee2e6; --bg: #fff; --accent: #1864ab; --focus: #f59f00; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, summary:focus-visible, main:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 1; }
.top { display: flex; gap: 16px; align-items: center; padding: 10px 20px; border-bottom: 1px solid var(--line); background: #f8f9fa; }
.brand { font-weight: 700; text-decoration: none; color: var(--fg); }
.top nav ol { list-style: none; display: flex; gap: 6px; margin: 0; padding: 0; }
.top nav li + li::before { content: "›"; margin-right: 6px; color: var(--muted); }
.who { margin-left: auto; color: var(--muted); }
main { padding: 16px 20px 40px; max-width: 1200px; }
h1 { font-size: 20px; margin: 4px 0 12px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #e9ecef; white-space: nowrap; }
.v-regression, .s-reverted, .s-failed { background: #ffe3e3; color: #a61e1e; }
.v-improvement, .s-kept { background: #d3f9d8; color: #1b5e20; }
.v-inconclusive, .s-proposed { background: #fff3bf; color: #7a5b00; }
.s-approved, .s-applied, .s-verifying { background: #d0ebff; color: #0b4a80; }
.muted { color: var(--muted); }
.flash { background: #e7f5ff; border: 1px solid #a5d8ff; padding: 8px 12px; border-radius: 4px; }
.error { background: #fff5f5; border: 1px solid #ffc9c9; padding: 8px 12px; border-radius: 4px; }
.plots { display: grid; grid-template-columns: 1fr; gap: 16px; }
figure { margin: 0; }
figure svg { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
form.inline { display: inline; margin: 0; }
button { font: inherit; padding: 4px 12px; border-radius: 4px; border: 1px solid #adb5bd; background: #f1f3f5; cursor: pointer; }
button.primary { background: #1864ab; border-color: #1864ab; color: #fff; }
button.danger { background: #c92a2a; border-color: #c92a2a; color: #fff; }
button.link { border: none; background: none; color: var(--accent); padding: 0; text-decoration: underline; }
ul.evidence { margin: 4px 0 0 18px; padding: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
label { display: block; margin: 8px 0 4px; }
input[type=password], input[type=text] { font: inherit; padding: 6px 8px; width: 100%; max-width: 420px; border: 1px solid #adb5bd; border-radius: 4px; }
`;
