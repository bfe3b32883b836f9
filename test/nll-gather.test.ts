// NLLLoss from JS memory runs its own runner (src/wasm/nll.ts: targets staged per chunk of 2048 positions; for
// (N, C) input with C ≤ 16 the chunk's rows copied and read by nll_loss_rows_*, otherwise the one element per
// position gathered in JS; the gradient scattered), with chunk buffers kept per module; alloc()ed inputs run
// CrossEntropy's runner, which reads them in place. The two must agree bit for bit — values, 'none' losses,
// gradients, errors — whatever the target encoding, across chunk boundaries, and for a small call after a large one
// (the reused buffers hold the large call's values beyond the small one's length). One known difference: the two
// runners sum their float64 partial sums over different chunks (2048 positions here, 16 KiB of rows there), so a
// reduced value over more positions than the smaller chunk can differ in its last bits; those are compared to 1e-12
// relative (every per-position value, 'none' loss and gradient element still bit for bit).
import { describe, expect, it } from 'vitest';
import { alloc, F, tensor, valueAndGrad } from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { rng } from '../bench/lib/data.js';

interface Problem {
  shape: number[];
  tShape: number[];
  x: Float32Array | Float64Array;
  t: Int32Array;
  w: Float32Array | Float64Array | null;
}

function problem(
  seed: number,
  shape: number[],
  dtype: 'float32' | 'float64',
  weighted: boolean,
  ignore: number,
): Problem {
  const r = rng(seed);
  const C = shape.length === 1 ? shape[0] : shape[1];
  const tShape = shape.length === 1 ? [] : [shape[0], ...shape.slice(2)];
  const P = tShape.reduce((a, b) => a * b, 1);
  const floats = (n: number, f: () => number): Float32Array | Float64Array =>
    dtype === 'float32' ? Float32Array.from({ length: n }, f) : Float64Array.from({ length: n }, f);
  const x = floats(
    shape.reduce((a, b) => a * b, 1),
    () => -8 * r(),
  );
  const t = Int32Array.from({ length: P }, () => (r() < 0.1 ? ignore : Math.floor(r() * C)));
  const w = weighted ? floats(C, () => 0.25 + 2 * r()) : null;
  return { shape, tShape, x, t, w };
}

/** The same tensor resident in wasm memory (CrossEntropy's runner reads it in place). */
function resident(x: Float32Array | Float64Array, shape: number[]): Tensor {
  const a = alloc(shape, x instanceof Float32Array ? 'float32' : 'float64');
  (a.data as Float32Array).set(x);
  return a;
}

/** Positions in the in-place runner's smallest block (float64: 16 KiB of whole [C, inner] slabs, src/wasm/rows.ts). */
function rowsChunk(shape: readonly number[]): number {
  const C = shape.length === 1 ? shape[0] : shape[1];
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  return Math.max(1, Math.floor(16384 / (8 * C * inner))) * inner;
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
  a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

// (N, C) with C ≤ 16 copies rows; C > 16 and (N, C, d) gather.
const SHAPES = [
  [5],
  [1, 4],
  [3, 10],
  [2047, 3],
  [2048, 2],
  [2049, 3],
  [5000, 10],
  [40, 17],
  [2500, 40],
  [3, 4, 700],
  [2, 3, 1100],
];

describe('NLLLoss: the gather runner (JS memory) against the in-place runner (resident)', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: values, 'none', gradients, every target encoding, weights and ignoreIndex`, () => {
      let seed = 1;
      // Large first, then small: the small calls run on buffers that hold the large ones' values.
      for (const shape of [...SHAPES].sort((a, b) => b.reduce((p, q) => p * q) - a.reduce((p, q) => p * q))) {
        for (const weighted of [false, true]) {
          for (const ignoreIndex of [-100, 1]) {
            const p = problem(seed++, shape, dtype, weighted, ignoreIndex);
            const xr = resident(p.x, p.shape);
            const targets = [
              tensor(p.t, { shape: p.tShape }),
              tensor(BigInt64Array.from(p.t, BigInt), { shape: p.tShape }),
              ...(p.tShape.length === 1 ? [p.t, BigInt64Array.from(p.t, BigInt)] : []),
            ];
            for (const t of targets) {
              for (const reduction of ['mean', 'sum', 'none'] as const) {
                const o = { reduction, ignoreIndex, weight: p.w };
                const a = F.nllLoss(tensor(p.x, { shape: p.shape }), t, o),
                  b = F.nllLoss(xr, t, o);
                const sameValue = (u: number, v: number): boolean =>
                  p.t.length <= rowsChunk(p.shape) ? Object.is(u, v) : Math.abs(u - v) <= 1e-12 * Math.abs(v);
                if (typeof a === 'number')
                  expect(sameValue(a, b as number), `${shape} ${reduction}: ${a} vs ${b}`).toBe(true);
                else expect(same(a.data as Float64Array, (b as Tensor).data as Float64Array)).toBe(true);
                if (reduction === 'none') continue;
                const ga = valueAndGrad(F.nllLoss)(tensor(p.x, { shape: p.shape }), t, o),
                  gb = valueAndGrad(F.nllLoss)(xr, t, o);
                expect(sameValue(ga.value as number, gb.value as number)).toBe(true);
                expect(same(ga.grads[0]!.data as Float64Array, gb.grads[0]!.data as Float64Array)).toBe(true);
              }
            }
            xr.free();
          }
        }
      }
    });
  }

  it('reports the first bad target, in a later chunk too, with the same error on both runners', () => {
    for (const at of [0, 2047, 2048, 4999]) {
      const p = problem(at, [5000, 10], 'float32', false, -100);
      for (const bad of [10, -1, 1e9]) {
        const t = BigInt64Array.from(p.t, BigInt);
        t[at] = BigInt(bad);
        const xr = resident(p.x, p.shape);
        let fromJs = '',
          fromResident = '';
        expect(() => F.nllLoss(tensor(p.x, { shape: p.shape }), t)).toThrow(RangeError);
        try {
          F.nllLoss(tensor(p.x, { shape: p.shape }), t);
        } catch (e) {
          fromJs = (e as Error).message;
        }
        try {
          F.nllLoss(xr, t);
        } catch (e) {
          fromResident = (e as Error).message;
        }
        expect(fromJs).toContain(`target ${bad} is out of bounds`);
        expect(fromJs).toContain(`at [${at}]`);
        expect(fromResident).toBe(fromJs);
        xr.free();
        // A valid call after the error.
        expect(Number.isFinite(F.nllLoss(tensor(p.x, { shape: p.shape }), p.t))).toBe(true);
      }
    }
  });

  it('every target ignored: NaN mean, 0 sum, zero gradient', () => {
    const p = problem(3, [3000, 4], 'float32', true, -100);
    const t = new Int32Array(3000).fill(-100);
    const x = tensor(p.x, { shape: p.shape });
    expect(F.nllLoss(x, t, { weight: p.w })).toBeNaN();
    expect(F.nllLoss(x, t, { reduction: 'sum' })).toBe(0);
    const g = valueAndGrad(F.nllLoss)(x, t, { reduction: 'sum' }).grads[0]!.data as Float32Array;
    expect(g.every((v) => Object.is(v, 0))).toBe(true);
  });
});
