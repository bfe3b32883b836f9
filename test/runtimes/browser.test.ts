// Headless Debian chromium driven by playwright-core. The package is bundled by esbuild for the browser
// (--target=es2022), served on 127.0.0.1 with simdloss.wasm as application/wasm, and the page runs the conformance
// sample once after init() from the URL and once from the inlined binary; both must match Node bit for bit. The
// example page (examples/browser) is served the same way and must score its batch as Node does.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { F, tensor } from '../../src/index.js';
import type { CaseOutcome, FixtureCase } from './conformance.js';
import { diffOutcomes } from './conformance.js';
import { bundle, reference, ROOT, serveStatic, workDir } from './harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];

interface BrowserReport {
  mode: string | null;
  syncStart: string;
  outcomes: CaseOutcome[];
  error?: string;
}

let data: { cases: FixtureCase[]; node: CaseOutcome[] };
let server: Awaited<ReturnType<typeof serveStatic>>;
let context: BrowserContext;
let profile: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  data = reference();
  const dir = workDir('browser');
  const browserBuild = { platform: 'browser', format: 'esm', target: 'es2022' } as const;
  await bundle('test/runtimes/drivers/browser.ts', join(dir, 'conformance.js'), data, browserBuild);
  await bundle('examples/browser/main.js', join(dir, 'example.js'), data, browserBuild);
  const js = (file: string) => ({ type: 'text/javascript', body: readFileSync(join(dir, file)) });
  const page = '<!doctype html><meta charset="utf-8"><script type="module" src="/conformance.js"></script>';
  server = await serveStatic({
    '/': { type: 'text/html', body: page },
    '/conformance.js': js('conformance.js'),
    '/simdloss.wasm': { type: 'application/wasm', body: readFileSync(join(ROOT, 'build/simdloss.wasm')) },
    '/example/': { type: 'text/html', body: readFileSync(join(ROOT, 'examples/browser/index.html')) },
    '/example/main.bundle.js': js('example.js'),
  });
  profile = mkdtempSync(join(tmpdir(), 'simdloss-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    timeout: 30_000,
  });
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function report(mode: 'url' | 'inline'): Promise<BrowserReport> {
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  try {
    await page.goto(`${server.origin}/?mode=${mode}`);
    await page.waitForFunction(() => '__report' in globalThis, undefined, { timeout: 20_000 });
    return await page.evaluate(() => (globalThis as unknown as { __report: Promise<BrowserReport> }).__report);
  } finally {
    await page.close();
  }
}

describe('chromium', () => {
  it('after init() from a URL (application/wasm), reproduces Node bit for bit', async () => {
    const before = server.hits.get('/simdloss.wasm') ?? 0;
    const r = await report('url');
    expect(r.error).toBeUndefined();
    expect(server.hits.get('/simdloss.wasm')).toBe(before + 1);
    expect(diffOutcomes(r.outcomes, data.node)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('from the inlined bundle, starts synchronously or says to await init(), then reproduces Node', async () => {
    const r = await report('inline');
    expect(r.error).toBeUndefined();
    if (r.syncStart !== 'ok') expect(r.syncStart).toContain('await init()');
    console.log(`chromium synchronous start from the inlined binary: ${r.syncStart}`);
    expect(diffOutcomes(r.outcomes, data.node)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('runs the example page, scoring its batch as Node does', async () => {
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    try {
      await page.goto(`${server.origin}/example/`);
      await page.waitForFunction(() => document.querySelector('#result')?.textContent !== '', undefined, {
        timeout: 20_000,
      });
      const shown = JSON.parse((await page.textContent('#result')) ?? '');
      const batch = JSON.parse(await page.inputValue('#batch'));
      const input = tensor(batch.predictions, { dtype: 'float64' });
      const target = tensor(batch.targets, { dtype: 'float64' });
      expect(shown).toEqual({
        n: 2,
        mse: F.mseLoss(input, target),
        l1: F.l1Loss(input, target),
        smoothL1: F.smoothL1Loss(input, target, { beta: 0.5 }),
      });
    } finally {
      await page.close();
    }
    expect(pageErrors).toEqual([]);
  });
});
