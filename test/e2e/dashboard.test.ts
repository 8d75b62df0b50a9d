import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { push, type TestSeries } from '../support/remote-write.ts';
import { REPO_ROOT, runCli, startServer, type TestServer } from '../support/server.ts';
import { missingTool } from '../support/tools.ts';

const WEB = join(REPO_ROOT, 'web');
const DIST = join(WEB, 'dist');
const ARTIFACTS = join(REPO_ROOT, 'test', 'artifacts', 'dashboard');
const CHROMIUM = process.env['XSCALER_CHROMIUM'] ?? '/usr/bin/chromium';
/** The budget for the JavaScript of the first page load, compressed. */
const FIRST_LOAD_BUDGET = 300 * 1024;

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((n) => newestMtime(join(path, n))));
}

/** Builds the dashboard (`npm run build:web`) unless web/dist is newer than its sources. */
function ensureWebBuilt(): void {
  let built = 0;
  try {
    built = statSync(join(DIST, 'index.html')).mtimeMs;
  } catch {
    built = 0;
  }
  const sources = Math.max(
    newestMtime(join(WEB, 'src')),
    newestMtime(join(WEB, 'index.html')),
    newestMtime(join(WEB, 'vite.config.ts')),
  );
  if (built > sources) return;
  const r = spawnSync('npm', ['run', 'build:web'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`npm run build:web failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}

/** The JavaScript the first page load fetches: the entry script and its module preloads. */
function firstLoadScripts(): string[] {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g)].map((m) => m[1] as string);
  const preloads = [...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g)].map(
    (m) => m[1] as string,
  );
  return [...scripts, ...preloads];
}

const chromiumMissing = missingTool('chromium');

/** axe-core, run in the page by the test driver (not a script tag, so the page's CSP stays on). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly string[];
}

/** WCAG 2.1 A and AA violations on the page as it is now (contrast, labels, roles, names). */
async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  return page.evaluate<AxeViolation[]>(`(async () => {
    ${AXE_SOURCE}
    const r = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  })()`);
}

describe('dashboard build', () => {
  before(() => ensureWebBuilt());

  it('keeps the first load under 300 KB of compressed JavaScript, the editor and charts lazy', () => {
    const files = firstLoadScripts();
    assert.ok(files.length >= 1, 'index.html loads a script');
    let gz = 0;
    for (const f of files) gz += gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length;
    assert.ok(gz < FIRST_LOAD_BUDGET, `first-load JS is ${gz} bytes gzipped, over ${FIRST_LOAD_BUDGET}`);
    const firstLoad = files.map((f) => readFileSync(join(DIST, f), 'utf8')).join('\n');
    assert.doesNotMatch(
      firstLoad,
      /cm-tooltip-autocomplete|class PromQLExtension/,
      'the editor is not in the first load',
    );
    assert.doesNotMatch(firstLoad, /u-legend/, 'the charts are not in the first load');
    for (const f of files) {
      statSync(join(DIST, f + '.br')); // precompressed siblings exist for the server
      statSync(join(DIST, f + '.gz'));
    }
  });
});

describe('dashboard in a real browser', { skip: chromiumMissing, timeout: 300_000 }, () => {
  let server: TestServer;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let oneTimePassword: string;
  const tenant = 'acme';
  const email = 'ada@example.com';
  const newPassword = 'correct horse battery staple';
  const tokens: Record<string, string> = {};
  const now = Date.now();
  const series: TestSeries[] = [
    {
      labels: { __name__: 'e2e_requests_total', job: 'e2e', instance: 'a' },
      samples: Array.from({ length: 8 }, (_, i) => [now - (7 - i) * 15_000, 10 * i] as const),
    },
    {
      labels: { __name__: 'e2e_requests_total', job: 'e2e', instance: 'b' },
      samples: Array.from({ length: 8 }, (_, i) => [now - (7 - i) * 15_000, 5 * i] as const),
    },
  ];

  /** A test step that, when it fails, leaves a screenshot and the page's HTML beside the others. */
  const step = (name: string, fn: () => Promise<void>): void => {
    it(name, async () => {
      try {
        await fn();
      } catch (err) {
        const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
        await page
          .screenshot({ path: join(ARTIFACTS, `failed-${slug}.png`), fullPage: true })
          .catch(() => undefined);
        writeFileSync(join(ARTIFACTS, `failed-${slug}.html`), await page.content().catch(() => ''));
        throw err;
      }
    });
  };

  /**
   * Runs the expression in the editor with Enter. While the completion list is open Enter picks a
   * completion (as in Prometheus's UI), so close it first and wait until it is gone.
   */
  const runWithEnter = async (): Promise<void> => {
    await page.keyboard.press('Escape');
    await page.locator('.cm-tooltip-autocomplete').waitFor({ state: 'detached' });
    await page.keyboard.press('Enter');
  };

  /** Keeps a screenshot of the page and checks it for accessibility problems. */
  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    const violations = await accessibilityViolations(page);
    assert.deepEqual(
      violations,
      [],
      `accessibility problems on ${name}: ${JSON.stringify(violations, null, 1)}`,
    );
  };

  before(async () => {
    ensureWebBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startServer({ args: ['--region', 'e2e-1'] });
    await server.createTenant(tenant);
    const created = await runCli([
      'user',
      'create',
      '--tenant',
      tenant,
      '--email',
      email,
      '--operator',
      '--data-dir',
      server.dataDir,
    ]);
    assert.equal(created.code, 0, created.stderr);
    oneTimePassword = created.stdout.trim();
    assert.match(oneTimePassword, /^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    profile = mkdtempSync(join(tmpdir(), 'xscaler-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 860 },
      permissions: ['clipboard-read', 'clipboard-write'],
      timeout: 60_000,
    });
    context.setDefaultTimeout(20_000);
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await context?.close();
    await server?.cleanup();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  });

  step(
    'signs in with the one-time password from `xscaler user create` and forces a new password',
    async () => {
      await page.goto(`${server.url}/`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await shot('01-sign-in');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Wrong email or password.').waitFor();

      await page.getByLabel('Password').fill(oneTimePassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Choose your password' }).waitFor();
      await page.getByLabel('One-time password').fill(oneTimePassword);
      await page.getByLabel('New password', { exact: true }).fill(newPassword);
      await page.getByLabel('New password, again').fill(newPassword);
      await shot('02-choose-password');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('heading', { name: 'Connect', level: 1 }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/connect');

      const cookies = await context.cookies(`${server.url}/ui/api/session`);
      const session = cookies.find((c) => c.name === 'xsc_session');
      assert.ok(session, 'a session cookie');
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Strict');
      assert.equal(await page.evaluate<string>('document.cookie'), '', 'scripts cannot read the session');
    },
  );

  step('creates a write token and a read token, each shown once with a copy button', async () => {
    await page.getByRole('link', { name: 'API Tokens' }).click();
    await page.getByRole('heading', { name: 'API Tokens', level: 1 }).waitFor();
    await page.getByText('No tokens yet').waitFor();
    for (const [name, scope] of [
      ['e2e-write', 'write'],
      ['e2e-read', 'read'],
    ] as const) {
      await page.getByLabel('Name').fill(name);
      await page.locator(`input[name="scope"][value="${scope}"]`).check();
      await page.getByRole('button', { name: 'Create token' }).click();
      const dialog = page.getByRole('dialog', { name: 'Copy your new token' });
      await dialog.waitFor();
      tokens[scope] = await dialog.getByLabel('Token').inputValue();
      assert.match(tokens[scope] as string, /^xsc_[A-Za-z0-9_-]{43}$/);
      await dialog.getByRole('button', { name: 'Copy token' }).click();
      await dialog.getByText('Copied ✓').waitFor();
      assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), tokens[scope]);
      if (scope === 'write') await shot('03-token-created');
      await dialog.getByRole('button', { name: 'I have copied it' }).click();
      await dialog.waitFor({ state: 'hidden' });
    }
    const rows = page.locator('table tbody tr');
    assert.equal(await rows.count(), 2);
    const text = await page.locator('table').innerText();
    assert.match(text, /e2e-write/);
    assert.match(text, /e2e-read/);
    assert.ok(
      text.includes((tokens['write'] as string).slice(0, 12)),
      'the list shows the non-secret prefix',
    );
    assert.ok(!text.includes(tokens['write'] as string), 'the list never shows a whole token');
    await shot('04-tokens');
  });

  step('accepts samples pushed with the write token (and refuses the read token)', async () => {
    const res = await push(server.url, series, { tenant, token: tokens['write'] as string });
    assert.equal(res.status, 204, await res.text());
    const refused = await push(server.url, series, { tenant, token: tokens['read'] as string });
    assert.equal(refused.status, 403);
  });

  step('finds the samples in Explore: completion from our API, a drawn graph and a table', async () => {
    await page.getByRole('link', { name: 'Explore' }).click();
    const editor = page.locator('[data-testid="promql-editor"] .cm-content');
    await editor.waitFor();
    await editor.click();
    await page.keyboard.type('e2e_req');
    const completion = page.locator('.cm-tooltip-autocomplete');
    await completion.getByText('e2e_requests_total').first().waitFor();
    await shot('05-explore-completion');
    await page.keyboard.press('Escape');
    await page.keyboard.type('uests_total');
    await runWithEnter();

    const graph = page.locator('[data-testid="graph"]');
    await graph.locator('canvas').waitFor();
    const box = await graph.locator('canvas').boundingBox();
    assert.ok(box !== null && box.width > 200 && box.height > 100, 'the graph canvas has a size');
    const legend = await graph.locator('.u-legend').innerText();
    assert.match(legend, /e2e_requests_total\{instance="a", job="e2e"\}/);
    assert.match(legend, /e2e_requests_total\{instance="b", job="e2e"\}/);
    assert.match((await graph.getAttribute('aria-label')) ?? '', /^Graph of 2 series/);
    // Something was drawn: the canvas is not one flat colour.
    const distinct = await page.evaluate<number>(`(() => {
      const c = document.querySelector('[data-testid="graph"] canvas');
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      const colours = new Set();
      for (let i = 0; i < data.length && colours.size < 50; i += 4 * 97) {
        colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      }
      return colours.size;
    })()`);
    assert.ok(distinct > 2, `the canvas shows lines (${distinct} colours sampled)`);
    await shot('06-explore-graph');

    // Running it again redraws the same series into the same plot (no new uPlot per refresh).
    await page.evaluate(`document.querySelector('[data-testid="graph"] canvas').dataset.mark = 'kept'`);
    const ran = page.waitForResponse((r) => r.url().endsWith('/api/v1/query_range'));
    await page.getByRole('button', { name: 'Execute' }).click();
    await (await ran).finished();
    await page.getByRole('button', { name: 'Execute' }).and(page.locator(':enabled')).waitFor();
    // Effects run after paint: let two frames and a task pass before looking.
    await page.evaluate(
      'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 50))))',
    );
    assert.equal(await graph.locator('canvas').count(), 1);
    assert.equal(await graph.locator('canvas').getAttribute('data-mark'), 'kept');

    await page.getByRole('tab', { name: 'Table' }).click();
    const table = page.locator('[data-testid="result-table"]');
    await table.waitFor();
    const tableText = await table.innerText();
    assert.match(tableText, /e2e_requests_total\{instance="a", job="e2e"\}\s+70/);
    assert.match(tableText, /e2e_requests_total\{instance="b", job="e2e"\}\s+35/);
    await shot('07-explore-table');
  });

  step('shows query errors the way Prometheus reports them', async () => {
    await page.getByRole('tab', { name: 'Graph' }).click();
    const editor = page.locator('[data-testid="promql-editor"] .cm-content');
    await editor.click();
    await page.keyboard.press('ControlOrMeta+a');
    // closeBrackets pairs the parenthesis: this becomes rate(e2e_requests_total), a type error.
    await page.keyboard.type('rate(e2e_requests_total');
    await runWithEnter();
    const error = page.locator('[data-testid="query-error"]');
    await error.waitFor();
    assert.match(await error.innerText(), /^bad_data: .*range vector/);
    await shot('08-explore-error');
  });

  step('copies a Connect snippet filled with the tenant and this server’s URL', async () => {
    await page.getByRole('link', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Connect', level: 1 }).waitFor();
    await page.getByRole('tab', { name: 'Prometheus' }).click();
    const block = page.locator('figure.code-block', { hasText: 'prometheus.yml' });
    await block.getByRole('button', { name: 'Copy' }).click();
    await block.getByText('Copied ✓').waitFor();
    const copied = await page.evaluate<string>('navigator.clipboard.readText()');
    assert.ok(copied.includes(`url: ${server.url}/api/v1/push`), copied);
    assert.ok(copied.includes(`X-Scope-OrgID: ${tenant}`), copied);
    assert.ok(copied.includes('credentials: <token>'), copied);
    await shot('09-connect');

    // A token the user already has fills the snippets too (Grafana needs the read one).
    await page.getByRole('tab', { name: 'Grafana data source' }).click();
    await page.getByLabel('or use a token you have').fill(tokens['read'] as string);
    const grafana = await page.locator('figure.code-block').first().innerText();
    assert.ok(grafana.includes(`Prometheus server URL:  ${server.url}/prometheus`), grafana);
    assert.ok(grafana.includes(`Value: Bearer ${tokens['read']}`), grafana);
    await page.getByLabel('or use a token you have').fill('');

    await page.getByRole('tab', { name: 'OpenTelemetry Collector' }).click();
    const collector = await page.locator('figure.code-block').first().innerText();
    assert.ok(collector.includes(`endpoint: ${server.url}\n`), 'the Collector gets the base URL only');

    // A token created here fills every snippet.
    await page.getByRole('button', { name: /Create a write token for OpenTelemetry Collector/ }).click();
    const fresh = await page.getByLabel('New token').inputValue();
    assert.match(fresh, /^xsc_/);
    assert.ok((await page.locator('figure.code-block').first().innerText()).includes(`Bearer ${fresh}`));
    await page.getByRole('button', { name: 'Check for data' }).click();
    await page.getByText(/Receiving data: \d+ metric name/).waitFor();
    await shot('10-connect-collector');
  });

  step('shows usage and cardinality', async () => {
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('heading', { name: 'Usage', level: 1 }).waitFor();
    await page.getByText('Active series', { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Top metrics by series' }).waitFor();
    assert.match(
      await page.locator('section', { hasText: 'Cardinality' }).innerText(),
      /e2e_requests_total\s+2/,
    );
    // The page asks again after a few seconds until it has two points; then the charts are drawn.
    await page
      .getByRole('img', { name: /^Ingestion rate vs limit/ })
      .locator('canvas')
      .waitFor();
    await shot('11-usage');
  });

  step('lets the operator see tenants, users and limits', async () => {
    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor();
    await page.getByLabel('Tenant ID').fill('globex');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByText('Created tenant “globex”').waitFor();
    await page.getByRole('rowheader', { name: 'globex' }).waitFor();
    await shot('12-admin-tenants');
    await page.getByRole('link', { name: 'Users' }).click();
    await page
      .getByRole('cell', { name: email })
      .or(page.getByRole('rowheader', { name: email }))
      .waitFor();
    await shot('13-admin-users');
    await page.getByRole('link', { name: 'Limits' }).click();
    const rate = page.getByLabel('ingestion_rate', { exact: true });
    await rate.fill('5000');
    await page.getByRole('button', { name: 'Save 1 change(s)' }).click();
    await page.getByText('Saved 1 override(s) for acme.').waitFor();
    const row = page.locator('tr', { has: page.getByLabel('ingestion_rate', { exact: true }) });
    assert.equal(await row.locator('.badge').innerText(), 'override');
    assert.equal(await rate.inputValue(), '5000');
    await shot('14-admin-limits');
    await row.getByRole('button', { name: 'Reset' }).click();
    await page.getByText('ingestion_rate is back to its default for acme.').waitFor();
    assert.equal(await row.locator('.badge').innerText(), 'default');
  });

  step('deletes the write token, after which the next push gets 401', async () => {
    await page.getByRole('link', { name: 'API Tokens' }).click();
    await page.getByRole('button', { name: 'Delete token e2e-write' }).click();
    const confirm = page.getByRole('dialog', { name: /Delete token “e2e-write”/ });
    await confirm.getByRole('button', { name: 'Delete token' }).click();
    await page.getByText(/Deleted token “e2e-write”/).waitFor();
    await page.locator('table tbody tr', { hasText: 'e2e-write' }).waitFor({ state: 'detached' });
    assert.equal(await page.locator('table tbody tr').count(), 2, 'e2e-read and the Collector token remain');
    await shot('15-token-deleted');
    // The server drops its token cache on delete, so this is the very next push.
    const res = await push(server.url, series, { tenant, token: tokens['write'] as string });
    assert.equal(res.status, 401);
    assert.match(await res.text(), /invalid or revoked token/);
  });

  step('works on a phone-sized screen with the keyboard', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${server.url}/connect`);
      await page.getByRole('heading', { name: 'Connect', level: 1 }).waitFor();
      // The first Tab reaches the skip link, which jumps to the page's content.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate<string>('document.activeElement.textContent'), 'Skip to content');
      const nav = page.locator('#sidebar');
      assert.equal(await nav.isVisible(), false, 'the menu starts closed on a phone');
      const menu = page.getByRole('button', { name: 'Menu' });
      assert.equal(await menu.getAttribute('aria-expanded'), 'false');
      await menu.click();
      assert.equal(await nav.isVisible(), true);
      assert.equal(await menu.getAttribute('aria-expanded'), 'true');
      await shot('16-phone-menu');
      await menu.click();
      await shot('17-phone-connect');
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  step('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const status = await page.evaluate<number>(
      `fetch('/ui/api/session', { headers: { 'x-xscaler-dashboard': '1' } }).then((r) => r.status)`,
    );
    assert.equal(status, 401);
  });
});
