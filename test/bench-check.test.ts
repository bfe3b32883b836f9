// The benchmark's "checked before timed" logic, on tiny inputs, so the suite's competitors cannot rot: every
// implementation bench/run.ts times (plain loops, raw kernels of both builds, tfjs on both backends, PyTorch, the
// C reference) must give simdloss's value on the same data. Nothing here is timed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import { makeCase } from '../bench/lib/cases.js';
import type { Case } from '../bench/lib/cases.js';
import { mismatch, toleranceFor } from '../bench/lib/check.js';
import { generate, writeCase } from '../bench/lib/data.js';
import { buildC, buildPlainWorker, runC, runPlain, runTorch, torchAvailable } from '../bench/lib/external.js';
import type { Impl } from '../bench/lib/impl.js';
import { plainInProcess } from '../bench/lib/plain-impl.js';
import { callOf, rawKernel, resident } from '../bench/lib/simdloss.js';
import type { SimdlossApi } from '../bench/lib/simdloss.js';
import { tfjsImpl, useBackend } from '../bench/lib/tfjs.js';
import { truthOf } from '../bench/lib/truth.js';

const simd = api as unknown as SimdlossApi;
const TINY = { timeMs: 1, minSamples: 1 };

// Small enough to run in milliseconds, long enough for SIMD bodies and scalar tails (CrossEntropy: 10 rows).
const CASES: Case[] = [
  makeCase('mse', 'float32', 103),
  makeCase('l1', 'float32', 103),
  makeCase('smoothL1', 'float32', 103),
  makeCase('bce', 'float32', 103),
  makeCase('ce', 'float32', 100, 10),
  makeCase('mse', 'float64', 103),
  makeCase('smoothL1', 'float64', 103),
  makeCase('ce', 'float64', 100, 10),
].map((c) => ({ ...c!, id: `tiny-${c!.id}`, batch: 2 }));

/** simdloss's own value on set 0, or undefined while the loss has not landed. */
function simdlossValue(c: Case, d: ReturnType<typeof generate>): number | undefined {
  const call = callOf(simd, c);
  return call?.(d.xs[0], d.ys[0]);
}

describe('benchmark competitors agree with simdloss before they are timed', () => {
  const inProcess: Impl[] = [
    plainInProcess,
    resident('simdloss resident', simd),
    rawKernel('simdloss kernel', 'build/simdloss.wasm'),
    rawKernel('simdloss scalar kernel', 'build/simdloss.scalar.wasm'),
  ];
  for (const c of CASES) {
    const d = generate(c);
    const ours = simdlossValue(c, d);
    it.skipIf(ours === undefined)(`${c.id}: simdloss matches the float64 truth`, () => {
      expect(
        mismatch(ours!, {
          value: truthOf(c, d.xs[0], d.ys[0]),
          source: 'truth',
          tolerance: toleranceFor('simdloss', c.dtype),
        }),
      ).toBeNull();
    });
    for (const impl of inProcess) {
      it.skipIf(ours === undefined)(`${c.id}: ${impl.name}`, () => {
        const p = impl.prepare(c, d);
        // Every competitor must run every case: a renamed or missing kernel fails here rather than skipping.
        if (typeof p === 'string') throw new Error(`${impl.name} cannot run ${c.id}: ${p}`);
        try {
          for (let s = 0; s < c.sets; s++) {
            const want = simdlossValue(c, { ...d, xs: [d.xs[s]], ys: [d.ys[s]] })!;
            expect(
              mismatch(p.call(s), { value: want, source: 'simdloss', tolerance: toleranceFor(impl.name, c.dtype) }),
            ).toBeNull();
          }
        } finally {
          p.dispose?.();
        }
      });
    }
    // tfjs has no float64, so the benchmark gives it float32 cases only.
    for (const backend of c.dtype === 'float64' ? [] : (['cpu', 'wasm'] as const)) {
      it.skipIf(ours === undefined)(`${c.id}: tfjs-${backend}`, async () => {
        expect(await useBackend(backend)).toBe(true);
        const p = tfjsImpl(backend).prepare(c, d);
        if (typeof p === 'string') throw new Error(p);
        try {
          expect(
            mismatch(p.call(0), { value: ours!, source: 'simdloss', tolerance: toleranceFor('tfjs', c.dtype) }),
          ).toBeNull();
        } finally {
          p.dispose?.();
        }
      });
    }
  }
});

describe('out-of-process competitors (PyTorch, C, plain-loop worker) read the same files and agree', () => {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(`${tmpdir()}/simdloss-bench-check-`);
    for (const c of CASES) writeCase(dir, c, generate(c));
    await buildPlainWorker();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the plain-loop worker checks, then times, in a fresh process', () => {
    const c = CASES[2];
    const ours = simdlossValue(c, generate(c))!;
    const ok = runPlain(c, dir, TINY, { value: ours, source: 'simdloss', tolerance: 1e-6 });
    expect(ok.mismatch).toBeNull();
    expect(ok.nsPerElement).toBeGreaterThan(0);
    // A wrong reference is refused and not timed.
    const bad = runPlain(c, dir, TINY, { value: ours * 1.01, source: 'simdloss', tolerance: 1e-6 });
    expect(bad.mismatch).toMatch(/differs/);
    expect(bad.nsPerElement).toBeUndefined();
  });

  it.skipIf(buildC().version === null)('the C reference computes the same MSE', () => {
    const c = CASES[0];
    const r = runC(c, dir, TINY);
    expect(
      mismatch(r.mse.value, { value: simdlossValue(c, generate(c))!, source: 'simdloss', tolerance: 1e-6 }),
    ).toBeNull();
  });

  it.skipIf(torchAvailable() !== null)(
    'PyTorch computes the same values',
    () => {
      const landed = CASES.filter((c) => simdlossValue(c, generate(c)) !== undefined);
      const torch = runTorch(landed, dir, TINY, [1]);
      for (const c of landed) {
        const ours = simdlossValue(c, generate(c))!;
        expect(
          mismatch(torch.cases[c.id].value, {
            value: ours,
            source: 'simdloss',
            tolerance: toleranceFor('PyTorch', c.dtype),
          }),
          c.id,
        ).toBeNull();
      }
    },
    60_000,
  );
});
