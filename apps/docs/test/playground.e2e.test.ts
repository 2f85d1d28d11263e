/**
 * End-to-end test of the built docs site in a real browser: Debian's Chromium driven by
 * playwright-core, with the flags that give a SwiftShader WebGPU adapter on a machine without a
 * GPU. It serves apps/docs/.vitepress/dist (built by `pnpm docs`) on a localhost port, runs Adam
 * and Lion on Rosenbrock in the playground (descent itself, in the page), checks the loss fell,
 * that the page reports the WebGPU backend, that the CBO swarm runs, and that the API reference
 * page of `adam` exists; screenshots go to apps/docs/test-results/ (git-ignored).
 *
 * A second test opens the playground with `?backend=cpu`: descent's fused kernels then run as
 * WebAssembly SIMD inside the page, and Adam and diffGrad must descend there as well.
 *
 * It runs once, on the cpu lane (the page chooses its own backend). Where Chromium or the built
 * site is missing it fails, unless CI_SKIP_BROWSER is set, where it skips saying why.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Page, chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-gpu-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const DIST = fileURLToPath(new URL('../.vitepress/dist/', import.meta.url));
const SHOTS = fileURLToPath(new URL('../test-results/', import.meta.url));
/**
 * Steps per optimizer, and the factor f(start) / f(end) each must reach on Rosenbrock from (−1.5, 2.5). Measured in
 * the page (WebGPU, SwiftShader) and identically on the CPU backend in Node: Adam (lr 0.1) 35.7×, Lion (lr 0.02) 211×
 * after 300 steps; the bound leaves room for float32 differences between backends without admitting a stalled run
 * (a run that stays in the start region keeps f ≈ 2–12).
 */
const STEPS = 300;
const MIN_FACTOR = 10;
/** Hyper-parameters set in the page (they are also the page's defaults). */
const HYPER: Record<string, Record<string, number>> = { adam: { learningRate: 0.1 }, lion: { learningRate: 0.02 } };

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** A static server for the built site, resolving VitePress's clean URLs (`/a/b` → `a/b.html`, `/a/` → `a/index.html`). */
function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)).replace(/^(\.\.[/\\])+/, '');
    const candidates = path.endsWith('/') ? [join(root, path, 'index.html')] : [join(root, path), join(root, `${path}.html`), join(root, path, 'index.html')];
    const file = candidates.find((c) => c.startsWith(root) && existsSync(c) && statSync(c).isFile());
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Fails (or, with CI_SKIP_BROWSER, skips saying why) when Chromium or the built site is missing. */
function requireBrowserAndSite(ctx: { skip(note?: string): never; task: { file: { projectName?: string } } }): void {
  if (ctx.task.file.projectName !== 'cpu') ctx.skip('the browser test runs once, on the cpu lane (the page chooses its own backend)');
  const missing = [
    existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`,
    existsSync(join(DIST, 'playground.html')) ? undefined : `the built site is missing (${DIST}playground.html; run \`pnpm run docs\`)`,
  ].filter((m): m is string => m !== undefined);
  if (missing.length > 0) {
    const reason = missing.join('; ');
    if (process.env.CI_SKIP_BROWSER) {
      console.warn(`[docs e2e] skipping (CI_SKIP_BROWSER is set): ${reason}`);
      ctx.skip(reason);
    }
    throw new Error(reason);
  }
}

interface Site {
  page: Page;
  base: string;
  /** Uncaught errors, console errors and failed requests of the page, as they happen. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Serves the built site on a localhost port and opens it in a fresh Chromium profile. */
async function openSite(): Promise<Site> {
  mkdirSync(SHOTS, { recursive: true });
  const server = await serve(DIST);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const userDataDir = mkdtempSync(join(tmpdir(), 'descent-chromium-'));
  const browser = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: FLAGS, headless: true, viewport: { width: 1280, height: 1800 } });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    // Failed requests are reported below with their URL.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });
  page.on('response', (r) => {
    // Browsers ask for /favicon.ico on their own; the site has none.
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) pageErrors.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  const close = async (): Promise<void> => {
    await browser.close();
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  };
  return { page, base, pageErrors, close };
}

/** Opens the playground at `query`, waits until it is ready, and returns the backend it reports. */
async function openPlayground(site: Site, query = ''): Promise<string | null> {
  await site.page.goto(`${site.base}/playground${query}`);
  await expect.poll(() => site.page.getByTestId('status').textContent(), { timeout: 60_000, interval: 250 }).toMatch(/^(ready|error)$/);
  expect(await site.page.getByTestId('error').count(), `page error: ${site.pageErrors.join(' | ')}`).toBe(0);
  return site.page.getByTestId('backend').textContent();
}

/** Runs the given optimizers for STEPS steps on Rosenbrock from (−1.5, 2.5); returns f(start)/f(end) per optimizer. */
async function descendRosenbrock(page: Page, ids: readonly string[]): Promise<Record<string, number>> {
  await page.getByTestId('surface').selectOption('rosenbrock');
  for (const id of ['adam', 'sgd', 'lion', 'diffgrad', 'adabelief', 'rmsprop']) await page.getByTestId(`opt-${id}`).setChecked(ids.includes(id));
  for (const id of ids) {
    for (const [name, value] of Object.entries(HYPER[id] ?? {})) await page.getByTestId(`hyper-${id}-${name}`).fill(String(value));
  }
  await page.getByTestId('steps').fill(String(STEPS));
  await page.getByTestId('run').click();
  await expect.poll(() => page.getByTestId('status').textContent(), { timeout: 90_000, interval: 250 }).toBe('done');
  const factors: Record<string, number> = {};
  for (const id of ids) {
    expect(await page.getByTestId(`steps-${id}`).textContent()).toBe(String(STEPS));
    const start = Number(await page.getByTestId(`loss-start-${id}`).textContent());
    const end = Number(await page.getByTestId(`loss-${id}`).textContent());
    expect(start).toBeCloseTo(100 * (2.5 - 1.5 ** 2) ** 2 + 2.5 ** 2, 3); // f(−1.5, 2.5) = 12.5
    factors[id] = start / end;
  }
  return factors;
}

describe('docs site in Chromium', () => {
  it('runs Adam and Lion on Rosenbrock in the playground on WebGPU, runs the CBO swarm, and serves the API, bench and paper pages', async (ctx) => {
    requireBrowserAndSite(ctx);
    const site = await openSite();
    const { page, base, pageErrors } = site;
    try {
      expect(await openPlayground(site)).toBe('webgpu');
      const factors = await descendRosenbrock(page, ['adam', 'lion']);
      console.log(`[docs e2e] backend webgpu; f(start)/f(after ${STEPS} steps) on Rosenbrock: adam ${factors.adam?.toPrecision(4)}×, lion ${factors.lion?.toPrecision(4)}×`);
      expect(factors.adam).toBeGreaterThanOrEqual(MIN_FACTOR);
      expect(factors.lion).toBeGreaterThanOrEqual(MIN_FACTOR);
      await page.getByTestId('contour').screenshot({ path: join(SHOTS, 'playground-rosenbrock-adam-lion.png') });
      await page.screenshot({ path: join(SHOTS, 'playground-page.png'), fullPage: true });
      await page.getByTestId('cbo-run').click();
      await expect.poll(async () => Number(await page.getByTestId('cbo-iterations').textContent()), { timeout: 60_000, interval: 250 }).toBeGreaterThanOrEqual(50);
      await page.getByTestId('cbo-run').click();
      await expect.poll(() => page.getByTestId('cbo-status').textContent(), { timeout: 30_000 }).toContain('done');
      const consensusValue = Number(await page.getByTestId('cbo-value').textContent());
      console.log(`[docs e2e] CBO on Rosenbrock: f(consensus) ${consensusValue} after ${await page.getByTestId('cbo-iterations').textContent()} iterations`);
      expect(Number.isFinite(consensusValue)).toBe(true);
      await page.getByTestId('cbo-canvas').screenshot({ path: join(SHOTS, 'playground-cbo.png') });

      const api = await page.goto(`${base}/api/@descent/optim/functions/adam`);
      expect(api?.status()).toBe(200);
      const text = await page.locator('main').textContent();
      expect(text).toContain('adam');
      expect(text).toContain('Function: adam()');
      await page.screenshot({ path: join(SHOTS, 'api-adam.png') });

      // The benchmark page renders the bench JSON (tables and bar charts); a paper page says how it was checked.
      expect((await page.goto(`${base}/bench/`))?.status()).toBe(200);
      expect(await page.locator('main table').count()).toBeGreaterThanOrEqual(5);
      expect(await page.locator('main .bench-charts svg rect').count()).toBeGreaterThanOrEqual(10);
      expect(await page.locator('main').textContent()).toContain('tf.train.adam');
      await page.screenshot({ path: join(SHOTS, 'bench.png'), fullPage: true });
      expect((await page.goto(`${base}/papers/diffgrad`))?.status()).toBe(200);
      expect(await page.locator('main').textContent()).toContain('How it was checked');
      expect(pageErrors, pageErrors.join(' | ')).toEqual([]);
    } finally {
      await site.close();
    }
  }, 180_000);

  it('runs Adam, Lion and diffGrad on Rosenbrock on the CPU backend (?backend=cpu), with WebAssembly SIMD kernels in the page', async (ctx) => {
    requireBrowserAndSite(ctx);
    const site = await openSite();
    try {
      expect(await openPlayground(site, '?backend=cpu')).toBe('cpu');
      expect(await site.page.getByTestId('cpu-kernels').textContent()).toBe('wasm-simd');
      const factors = await descendRosenbrock(site.page, ['adam', 'lion', 'diffgrad']);
      console.log(
        `[docs e2e] backend cpu (wasm-simd); f(start)/f(after ${STEPS} steps) on Rosenbrock: ` +
          `adam ${factors.adam?.toPrecision(4)}×, lion ${factors.lion?.toPrecision(4)}×, diffgrad ${factors.diffgrad?.toPrecision(4)}×`,
      );
      expect(factors.adam).toBeGreaterThanOrEqual(MIN_FACTOR);
      expect(factors.lion).toBeGreaterThanOrEqual(MIN_FACTOR);
      // diffGrad's friction slows it on Rosenbrock's valley: 6.26× in Node after 300 steps at lr 0.1 (both CPU kernel
      // forms); a stalled run stays ≤ 1.
      expect(factors.diffgrad).toBeGreaterThanOrEqual(3);
      expect(site.pageErrors, site.pageErrors.join(' | ')).toEqual([]);
    } finally {
      await site.close();
    }
  }, 180_000);
});
