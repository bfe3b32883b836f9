// Node 20: the conformance sample against PyTorch's fixtures (Node is then the bit-for-bit reference for the other
// runtimes), the start-up contract of src/wasm/instance.ts (synchronous start, init(), SIMD required), and the
// Node and Deno examples.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { F, tensor } from '../../src/index.js';
import { registry } from '../../src/core/loss.js';
import { WASM_BASE64 } from '../../src/wasm/binary.generated.js';
import type { CaseOutcome } from './conformance.js';
import { implemented, reference, ROOT, run, runtimeBinary } from './harness.js';
import { hasGradients } from './conformance.js';
import { caseProblems, coverage, loadFixtureCases, sampleCases } from './sample.js';

const all = loadFixtureCases();
const { cases, node } = reference();

describe('the conformance sample', () => {
  const missing = [...new Set(all.filter((c) => !implemented(c)).map((c) => c.fn))];
  for (const fn of missing) it.todo(`${fn}: has fixtures but is not exported by F/nn yet, so no runtime runs it`);

  it('covers every implemented loss with fixtures, both float dtypes and both error types', () => {
    const present = [...new Set(all.filter(implemented).map((c) => c.fn))].sort();
    const covered = coverage(cases);
    expect(covered.losses).toEqual(present);
    expect(covered.dtypes).toEqual(['float32', 'float64']);
    for (const fn of present) {
      const kinds = new Set(cases.filter((c) => c.fn === fn).map((c) => c.expected.kind));
      // A function without a reduction (pairwiseDistance) has no number results.
      const reduces = registry.find((d) => d.name === fn)?.reduction.option !== false;
      expect([...kinds].sort(), fn).toEqual(reduces ? ['error', 'number', 'tensor'] : ['error', 'tensor']);
    }
    expect(sampleCases(all)).toEqual(sampleCases(all)); // deterministic
    console.log(
      `conformance sample: ${cases.length} of ${all.length} fixture cases, losses ${covered.losses.join(', ')}`,
    );
  });

  it('runs gradients: every sampled loss has cases with gradients, with number and tensor upstream gradients', () => {
    const graded = cases.filter((c) => c.expected.kind !== 'error' && hasGradients(c));
    expect([...new Set(graded.map((c) => c.fn))].sort()).toEqual(coverage(cases).losses);
    expect(graded.some((c) => typeof c.gradOutput === 'number')).toBe(true);
    expect(graded.some((c) => typeof c.gradOutput === 'object')).toBe(true);
    expect(graded.some((c) => c.gradOutput === undefined)).toBe(true);
    for (const [i, c] of cases.entries()) {
      expect(node[i].backward !== undefined, `${c.name}: backward`).toBe(graded.includes(c));
      expect(node[i].valueAndGrad !== undefined, `${c.name}: valueAndGrad`).toBe(hasGradients(c));
    }
    console.log(`conformance sample: ${graded.length} cases with gradients`);
  });

  it.each(cases.map((c, i) => [c.name, c.fn, i] as const))(
    '%s (%s) matches PyTorch in F, nn, backward and valueAndGrad',
    (_name, _fn, i) => {
      const outcome: CaseOutcome = node[i];
      expect(caseProblems(cases[i], outcome).join('\n')).toBe('');
    },
  );
});

describe('starting the module (src/wasm/instance.ts)', () => {
  const bytes = () => Uint8Array.from(atob(WASM_BASE64), (ch) => ch.charCodeAt(0));

  /** A fresh copy of instance.ts, with no module instantiated yet. */
  async function freshInstance() {
    vi.resetModules();
    return import('../../src/wasm/instance.js');
  }

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('throws an error naming SIMD when WebAssembly.validate says the engine lacks it, and recovers', async () => {
    const fresh = await freshInstance();
    fresh.setDefaultSource(bytes);
    const validate = vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    expect(() => fresh.kernels()).toThrow(/lacks WebAssembly SIMD/);
    await expect(fresh.init()).rejects.toThrow(/lacks WebAssembly SIMD/);
    validate.mockRestore();
    expect(fresh.kernels().simd_enabled()).toBe(1);
  });

  it('where the engine refuses a synchronous compile, says to await init(); init() then works', async () => {
    const fresh = await freshInstance();
    fresh.setDefaultSource(bytes);
    const RealModule = WebAssembly.Module;
    // As Chromium does on the main thread for large modules.
    vi.spyOn(WebAssembly, 'Module').mockImplementation(function refuse() {
      throw new RangeError('WebAssembly.Module(): Buffer size is larger than 8 MB; use WebAssembly.compile');
    } as unknown as typeof RealModule);
    expect(() => fresh.kernels()).toThrow(/call `await init\(\)`/);
    await fresh.init();
    await fresh.init(); // idempotent
    expect(fresh.kernels().simd_enabled()).toBe(1);
  });

  it('init() accepts a WebAssembly.Module, bytes and a Response', async () => {
    for (const source of [
      new WebAssembly.Module(bytes()),
      bytes(),
      new Response(bytes(), { headers: { 'content-type': 'application/wasm' } }),
    ]) {
      const fresh = await freshInstance();
      await fresh.init(source);
      expect(fresh.kernels().simd_enabled()).toBe(1);
    }
  });
});

/** The example's losses, computed here in-process. */
function expectedScores(batch: { predictions: number[][]; targets: number[][] }) {
  const input = tensor(batch.predictions, { dtype: 'float64' });
  const target = tensor(batch.targets, { dtype: 'float64' });
  return {
    n: batch.predictions.length,
    mse: F.mseLoss(input, target),
    l1: F.l1Loss(input, target),
    smoothL1: F.smoothL1Loss(input, target, { beta: 0.5 }),
  };
}

describe('package exports', () => {
  it('resolves simdloss/simdloss.wasm to the release binary, for users who serve it themselves', async () => {
    const r = await run(process.execPath, [
      '--input-type=module',
      '-e',
      "console.log(import.meta.resolve('simdloss/simdloss.wasm'))",
    ]);
    expect(r.stdout.trim()).toBe(new URL('build/simdloss.wasm', `file://${ROOT}`).href);
  });
});

describe('examples', () => {
  it.each(['node', 'bun'] as const)(
    'examples/node/server.mjs scores a POSTed batch (%s, 127.0.0.1, ephemeral port)',
    async (runtime) => {
      const bin = runtime === 'node' ? process.execPath : runtimeBinary('bun');
      const child = spawn(bin, ['examples/node/server.mjs'], {
        cwd: ROOT,
        env: { ...process.env, PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      });
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (d: Buffer) => {
            out += d;
            const m = /http:\/\/127\.0\.0\.1:\d+\/score/.exec(out);
            if (m) resolve(m[0]);
          });
          child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
        });
        const batch = {
          predictions: [
            [0.5, 1.5, -2],
            [2, 3, 0.25],
          ],
          targets: [
            [1, 1, -1],
            [2, 2, 0],
          ],
        };
        const ok = await fetch(url, { method: 'POST', body: JSON.stringify(batch) });
        expect(await ok.json()).toEqual(expectedScores(batch));
        const bad = await fetch(url, {
          method: 'POST',
          body: JSON.stringify({ predictions: [[1, 2]], targets: [[1, 2, 3]] }),
        });
        expect(bad.status).toBe(400);
        expect((await bad.json()).error).toMatch(/^mseLoss: /);
      } finally {
        child.kill();
      }
    },
  );

  it('examples/deno/score.ts runs with --allow-read for its batch only, and fails without it', async () => {
    const deno = runtimeBinary('deno');
    const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
    const file = 'examples/deno/batch.json';
    const batch = JSON.parse(readFileSync(join(ROOT, file), 'utf8'));
    const ok = await run(
      deno,
      ['run', '--no-prompt', '--no-lock', `--allow-read=${file}`, 'examples/deno/score.ts', file],
      { env },
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual(expectedScores(batch));
    const denied = await run(deno, ['run', '--no-prompt', '--no-lock', 'examples/deno/score.ts', file], { env });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/read access/);
  });
});
