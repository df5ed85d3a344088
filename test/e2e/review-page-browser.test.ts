/**
 * The review page in a real browser (Debian's chromium through playwright-core), on the live demo
 * (`shiftguard demo`, the built CLI): the page lists the demo's upgrade, opens the regressed group,
 * shows both plots with one line per instance (screenshots saved to test/artifacts/), an
 * unauthenticated visitor and a viewer cannot approve, and an operator approves the pending decision
 * and sees its state change; the tuner then carries it out.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_FLAG } from '../../src/sim/demo/live-demo.js';
import { startDemoProcess, untilDemo } from './live-demo-process.js';
import type { DemoProcess } from './live-demo-process.js';
import { REPO_ROOT, makeTempDir } from './run-cli.js';
import type { TempDir } from './run-cli.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const ARTIFACTS = join(REPO_ROOT, 'test', 'artifacts');

if (!available && process.env.CI === undefined) console.warn(`SKIPPED browser test: ${CHROMIUM} is not installed`);

describe.runIf(!available && process.env.CI !== undefined)('the review page in a browser (CI)', () => {
  it('needs chromium', () => {
    throw new Error(`${CHROMIUM} is missing; CI must run scripts/ensure-test-deps.sh (apt-get install chromium) first`);
  });
});

let tmp: TempDir | undefined;
let demo: DemoProcess | undefined;
let browser: Browser | undefined;

async function decisionOn(d: DemoProcess, flag: string): Promise<{ id: string; status: string } | undefined> {
  return (await d.get<{ id: string; flag: string; status: string }[]>('/api/v1/decisions')).find((x) => x.flag === flag);
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto(`${demo?.url ?? ''}/`);
  await page.fill('#token', token);
  await page.keyboard.press('Enter');
  await page.waitForSelector('h1:text("Upgrades")');
}

describe.skipIf(!available)('the review page in a browser, on the live demo', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    tmp = makeTempDir('review-browser');
    demo = await startDemoProcess(tmp.path);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    tmp?.remove();
  }, 60_000);

  it('asks an unauthenticated visitor for a token, and a viewer sees the upgrade, the regressed group and its plots, without an approve button', async () => {
    const d = demo as DemoProcess;
    const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 1000 } });
    const anonymous = await page.goto(`${d.url}/`);
    expect(anonymous?.status()).toBe(401);
    expect(await page.locator('#token').isVisible()).toBe(true);
    // Nothing to approve without signing in: the form post is refused.
    expect((await page.request.post(`${d.url}/ui/decisions/1/approve`, { form: { csrf: 'x', back: '/' } })).status()).toBe(401);

    await untilDemo(d, 'the pending decision on the gateway flag', () => decisionOn(d, GATEWAY_FLAG), 180_000);
    await signIn(page, d.viewer);
    expect(await page.locator('tr[data-upgrade="dten-demo"]').count()).toBe(1);
    expect(await page.locator('tr[data-status="proposed"]').count()).toBeGreaterThan(0);
    expect(await page.locator('tr[data-status="proposed"] a[href*="/approve"]').count()).toBe(0);
    expect(await page.getByText('an operator token can approve').first().isVisible()).toBe(true);
    await page.click('a[href="/ui/upgrades/dten-demo"]');
    await page.locator('tr[data-verdict="regression"] a', { hasText: 'latency' }).first().click();
    expect(await page.locator('h1 .badge').textContent()).toBe('regression');
    const distribution = page.locator('svg[data-plot="distribution"]');
    expect(await distribution.locator('path[data-series^="baseline"]').count()).toBe(1);
    expect(await distribution.locator('path[data-series^="after"]').count()).toBe(1);
    expect(await distribution.locator('g[data-point="p99 after"]').count()).toBe(1);
    const timeseries = page.locator('svg[data-plot="timeseries"]');
    const lines = await timeseries.locator('path[data-series^="dten-gateway-"]').evaluateAll((paths) => paths.map((p) => ({ name: p.getAttribute('data-series'), points: Number(p.getAttribute('data-points')) })));
    expect(lines.map((l) => l.name).sort()).toEqual(['dten-gateway-0', 'dten-gateway-1', 'dten-gateway-2', 'dten-gateway-3']);
    for (const line of lines) expect(line.points).toBeGreaterThan(10);
    expect(await timeseries.locator('g[data-marker^="rollout dten-gateway-"]').count()).toBe(4);
    expect(await timeseries.locator('g[data-marker="onset"]').count()).toBe(1);
    expect(await page.locator('li[data-suspect="dten-gateway"]').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'review-group.png'), fullPage: true });
    await page.close();
  }, 240_000);

  it('an operator approves the pending decision after a confirmation, sees its state change, and the tuner applies it', async () => {
    const d = demo as DemoProcess;
    const pending = await untilDemo(d, 'the pending decision on the gateway flag', () => decisionOn(d, GATEWAY_FLAG), 180_000);
    expect(pending.status).toBe('proposed');
    const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 1000 } });
    await signIn(page, d.operator);
    const row = page.locator(`tr[data-decision="${pending.id}"]`);
    expect(await row.getAttribute('data-status')).toBe('proposed');
    // Keyboard only: focus the approve link and follow it, then confirm.
    await row.locator('a', { hasText: 'Approve' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ui\/decisions\/\d+\/approve/);
    expect(await page.locator('h1').textContent()).toBe(`Approve decision ${pending.id}?`);
    await page.fill('#reason', 'the tail doubled on every upgraded gateway');
    await page.screenshot({ path: join(ARTIFACTS, 'review-confirm.png'), fullPage: true });
    await page.getByRole('button', { name: `Approve decision ${pending.id}` }).click();
    await page.waitForURL(/done=approved/);
    expect(await page.locator('p.flash').textContent()).toContain(`Decision ${pending.id} approved`);
    // The front page lists only decisions waiting for an operator: this one no longer is.
    expect(await page.locator(`tr[data-decision="${pending.id}"]`).count()).toBe(0);
    const applied = await untilDemo(d, 'the tuner applying the approved decision', async () => {
      const now = await decisionOn(d, GATEWAY_FLAG);
      return now !== undefined && ['applied', 'verifying', 'kept', 'reverted'].includes(now.status) ? now : undefined;
    }, 60_000);
    await page.click(`a[href="/ui/upgrades/dten-demo"]`);
    expect(await page.locator(`tr[data-decision="${applied.id}"]`).getAttribute('data-status')).not.toBe('proposed');
    await page.screenshot({ path: join(ARTIFACTS, 'review-upgrade.png'), fullPage: true });
    await page.close();
  }, 300_000);
});
