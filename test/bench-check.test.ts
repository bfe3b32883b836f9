// The benchmark's "checked before timed" logic, on tiny inputs, so none of the suite's competitors can rot: every
// implementation bench/run.ts runs on a case (bench/lib/results.ts competitorsOf: simdloss in each mode and build,
// plain loops, raw kernels, tfjs on both backends, PyTorch, the C references) runs a tiny case of every series and
// must give the float64 truth's value (within the tolerance the bench applies), and every backward competitor the
// gradient too. A competitor that cannot run its case (a renamed loss or kernel) fails here rather than skipping.
// Nothing here is timed. PyTorch is skipped where /usr/bin/python3 has no torch, the C references where gcc is
// missing; everything else must run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCase, SERIES, BACKWARD_SERIES } from '../bench/lib/cases.js';
import type { Case } from '../bench/lib/cases.js';
import { mismatch, toleranceFor } from '../bench/lib/check.js';
import type { CaseData } from '../bench/lib/data.js';
import { generate, writeCase } from '../bench/lib/data.js';
import {
  buildC,
  buildCKernels,
  buildPlainWorker,
  C_KERNEL_AGREEMENT,
  C_KERNEL_BUILDS,
  runC,
  runCKernel,
  runPlain,
  runTorch,
  torchAvailable,
} from '../bench/lib/external.js';
import type { Impl } from '../bench/lib/impl.js';
import { MORE } from '../bench/lib/more.js';
import { plainInProcess } from '../bench/lib/plain-impl.js';
import { competitorsOf } from '../bench/lib/results.js';
import type { ImplName } from '../bench/lib/results.js';
import { checkValueOf, endToEnd, functionalName, rawKernel, resident } from '../bench/lib/simdloss.js';
import type { SimdlossApi } from '../bench/lib/simdloss.js';
import { tfjsImpl, useBackend } from '../bench/lib/tfjs.js';
import { truthOfCase } from '../bench/lib/truth.js';
import { registry } from '../src/core/loss.js';
import * as api from '../src/index.js';

const simd = api as unknown as SimdlossApi;
const TINY = { timeMs: 1, minSamples: 1 };

// Small enough to run in milliseconds, long enough for SIMD bodies and scalar tails: every series of the suite in
// float32, issue 3's also in float64, CrossEntropy with 10 rows; the row losses of issue 10 with 3 (width 100) or
// 30 (width 10) rows.
const tiny = (c: Case | null): Case => ({ ...c!, id: `tiny-${c!.id}`, batch: 2, sets: 3 });
const CASES: Case[] = [
  ...SERIES.filter((s) => !s.classes || s.classes === 10).flatMap((s) => [
    tiny(makeCase(s.loss, 'float32', s.classes ? 100 : 103, s.classes)),
    tiny(makeCase(s.loss, 'float64', s.classes ? 100 : 103, s.classes)),
  ]),
  ...BACKWARD_SERIES.map((s) => tiny(makeCase(s.loss, 'float32', 100, 10))),
  ...MORE.map((m) => tiny(makeCase('more', 'float32', 300, undefined, m.key))),
];
const DATA = new Map(CASES.map((c) => [c.id, generate(c)]));
const data = (c: Case): CaseData => DATA.get(c.id)!;
const truth = (c: Case): number => truthOfCase(c, data(c));
const tolerance = (impl: string, c: Case): number => toleranceFor(impl, c.dtype);

// The scalar build behind its own copy of the facade, as bench/run.ts runs it (a separate module instance, so
// starting it on the scalar binary does not change `api`).
let scalarApi: SimdlossApi;
let bundleDir = '';
beforeAll(async () => {
  bundleDir = mkdtempSync(`${tmpdir()}/simdloss-bench-scalar-`);
  await build({
    entryPoints: ['src/api.ts'],
    outfile: `${bundleDir}/api.mjs`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'es2022',
    logLevel: 'warning',
  });
  const mod = (await import(pathToFileURL(`${bundleDir}/api.mjs`).href)) as SimdlossApi & {
    init(source: Uint8Array): Promise<void>;
  };
  await mod.init(readFileSync('build/simdloss.scalar.wasm'));
  scalarApi = mod;
});
afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

describe('the case table covers the registry', () => {
  it("every registered loss is benchmarked: issue 3's series or a bench/lib/more.ts entry", () => {
    const classic = new Set(
      [...SERIES, ...BACKWARD_SERIES].map((s) => functionalName(makeCase(s.loss, 'float32', 1e7, s.classes)!)),
    );
    const benched = new Set([...classic, ...MORE.map((m) => m.fn)]);
    // CTC and torchvision's detection losses have their own experiments (bench/experiments/ctc.ts, detection.ts);
    // pairwiseDistance is a distance, benchmarked inside TripletMarginWithDistance.
    const exempt = new Set([
      'ctcLoss',
      'pairwiseDistance',
      'sigmoidFocalLoss',
      'generalizedBoxIouLoss',
      'distanceBoxIouLoss',
      'completeBoxIouLoss',
    ]);
    expect(registry.map((d) => d.name).filter((n) => !benched.has(n) && !exempt.has(n))).toEqual([]);
    for (const m of MORE) expect(registry.map((d) => d.name)).toContain(m.fn);
  });
});

describe('in-process competitors agree with the float64 truth before they are timed', () => {
  const inProcess = (): Partial<Record<ImplName, Impl>> => ({
    simdloss: endToEnd('simdloss', simd),
    'simdloss resident': resident('simdloss resident', simd),
    'simdloss kernel': rawKernel('simdloss kernel', 'build/simdloss.wasm'),
    'simdloss scalar': endToEnd('simdloss scalar', scalarApi),
    'simdloss scalar kernel': rawKernel('simdloss scalar kernel', 'build/simdloss.scalar.wasm'),
    'plain TS': plainInProcess,
  });
  for (const c of CASES) {
    it(`${c.id}: simdloss's value (and gradient) matches the float64 truth`, () => {
      const v = checkValueOf(simd, c, data(c));
      // A renamed F.<name> or valueAndGrad fails here rather than skipping the case.
      if (!v) throw new Error(`simdloss cannot run ${c.id} (F.${functionalName(c)} missing?)`);
      expect(mismatch(v.value, { value: truth(c), source: 'truth', tolerance: tolerance('simdloss', c) })).toBeNull();
      if (c.loss === 'ceBackward') expect(Number.isFinite(v.gradDot)).toBe(true);
    });
    const names = competitorsOf(c).filter(
      (i) => !i.startsWith('PyTorch') && !i.startsWith('C ') && !i.startsWith('tfjs'),
    );
    for (const name of names) {
      it(`${c.id}: ${name}`, () => {
        const impl = inProcess()[name];
        if (!impl) throw new Error(`bench-check has no in-process implementation for '${name}'`);
        const d = data(c);
        const p = impl.prepare(c, d);
        // Every competitor must run every case it is listed for: a renamed or missing kernel fails here.
        if (typeof p === 'string') throw new Error(`${name} cannot run ${c.id}: ${p}`);
        try {
          for (let s = 0; s < c.sets; s++) {
            const want = checkValueOf(simd, c, d, s)!;
            const got = p.call(s);
            expect(mismatch(got, { value: want.value, source: 'simdloss', tolerance: tolerance(name, c) })).toBeNull();
            if (c.loss === 'ceBackward') {
              expect(
                mismatch(p.gradDot!(s), { value: want.gradDot!, source: 'simdloss', tolerance: tolerance(name, c) }),
              ).toBeNull();
            }
          }
        } finally {
          p.dispose?.();
        }
      });
    }
    for (const backend of ['cpu', 'wasm'] as const) {
      if (!competitorsOf(c).includes(`tfjs-${backend}`)) continue;
      it(`${c.id}: tfjs-${backend}`, async () => {
        expect(await useBackend(backend)).toBe(true);
        const p = tfjsImpl(backend).prepare(c, data(c));
        if (typeof p === 'string') throw new Error(p);
        try {
          expect(mismatch(p.call(0), { value: truth(c), source: 'truth', tolerance: tolerance('tfjs', c) })).toBeNull();
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
    for (const c of CASES) writeCase(dir, c, data(c));
    await buildPlainWorker();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the plain-loop worker checks, then times, in a fresh process, for every case it is listed for', () => {
    for (const c of CASES.filter((x) => competitorsOf(x).includes('plain TS'))) {
      const want = truth(c);
      const ok = runPlain(c, dir, TINY, { value: want, source: 'truth', tolerance: tolerance('plain TS', c) });
      expect(ok.mismatch, c.id).toBeNull();
      expect(ok.nsPerElement, c.id).toBeGreaterThan(0);
    }
    // A wrong reference is refused and not timed.
    const c = CASES[0];
    const bad = runPlain(c, dir, TINY, { value: truth(c) * 1.01, source: 'truth', tolerance: 1e-6 });
    expect(bad.mismatch).toMatch(/differs/);
    expect(bad.nsPerElement).toBeUndefined();
  }, 120_000);

  const gcc = buildC().version !== null;
  it.skipIf(!gcc)('the C MSE reference computes the same MSE', () => {
    for (const c of CASES.filter((x) => competitorsOf(x).includes('C AVX2 MSE'))) {
      const r = runC(c, dir, TINY);
      expect(mismatch(r.mse.value, { value: truth(c), source: 'truth', tolerance: 1e-6 }), c.id).toBeNull();
      expect(r.read.nsPerElement).toBeGreaterThan(0);
    }
  });

  it.skipIf(!gcc)('both builds of the C kernel references compute the same BCE and CrossEntropy', () => {
    expect(buildCKernels()).toBeNull();
    const mine = CASES.filter((x) => competitorsOf(x).includes('C kernel SSE4.1'));
    expect(mine.map((c) => c.loss).sort()).toEqual(['bce', 'ce']);
    for (const c of mine) {
      for (const b of C_KERNEL_BUILDS) {
        const r = runCKernel(b.binary, c, dir, TINY);
        expect(
          mismatch(r.value, { value: truth(c), source: 'truth', tolerance: 1e-6 }),
          `${c.id} ${b.impl}`,
        ).toBeNull();
        expect(r.nsPerElement).toBeGreaterThan(0);
      }
    }
  });

  // The SSE4.1 build repeats the raw kernels' float32 steps in order (scripts/bench-c-kernels.c), so its value is
  // the raw kernel's to C_KERNEL_AGREEMENT (bit-equal in practice): on the tiny cases and on the row shapes of every
  // branch of the CE statistics (rowPair with and without a masked tail or an odd last row, rowMax/rowSumExp with
  // and without 64-class blocks and tails, C < 4) and BCE with a scalar tail. The native build (FMA contraction) is
  // only held to the float32 bound.
  it.skipIf(!gcc)("the SSE4.1 build of the C kernel references gives the simdloss raw kernel's value", () => {
    expect(buildCKernels()).toBeNull();
    const kernel = rawKernel('simdloss kernel', 'build/simdloss.wasm');
    const shapes: Array<[number, number]> = [
      [3, 3],
      [7, 21],
      [13, 11],
      [16, 6],
      [256, 3],
      [257, 3],
      [1000, 3],
      [1003, 2],
    ];
    const extra = [
      ...shapes.map(([C, rows]) => tiny(makeCase('ce', 'float32', C * rows, C))),
      tiny(makeCase('bce', 'float32', 1001)),
    ].map((c) => ({ ...c, id: `${c.id}-shape${c.elements}` }));
    const mine = [...CASES.filter((x) => competitorsOf(x).includes('C kernel SSE4.1')), ...extra];
    for (const c of mine) {
      const d = DATA.get(c.id) ?? generate(c);
      writeCase(dir, c, d);
      const p = kernel.prepare(c, d);
      if (typeof p === 'string') throw new Error(`${c.id}: ${p}`);
      const want = p.call(0);
      for (const b of C_KERNEL_BUILDS) {
        const got = runCKernel(b.binary, c, dir, TINY).value;
        const tol = b.impl === 'C kernel SSE4.1' ? C_KERNEL_AGREEMENT : 1e-6;
        expect(Math.abs(got - want), `${c.id} ${b.impl}: ${got} vs ${want}`).toBeLessThanOrEqual(tol * Math.abs(want));
      }
    }
  });

  it.skipIf(torchAvailable() !== null)(
    'PyTorch computes the same values (and CrossEntropy gradients) for every case',
    () => {
      const torch = runTorch(CASES, dir, TINY, [1]);
      for (const c of CASES) {
        const t = torch.cases[c.id];
        expect(t, c.id).toBeDefined();
        expect(
          mismatch(t.value, { value: truth(c), source: 'truth', tolerance: tolerance('PyTorch', c) }),
          c.id,
        ).toBeNull();
        expect(t.threads['1'].nsPerElement, c.id).toBeGreaterThan(0);
        if (c.loss === 'ceBackward') {
          const ours = checkValueOf(simd, c, data(c))!;
          expect(
            mismatch(t.gradDot!, { value: ours.gradDot!, source: 'simdloss', tolerance: tolerance('PyTorch', c) }),
            c.id,
          ).toBeNull();
        }
      }
    },
    120_000,
  );
});
