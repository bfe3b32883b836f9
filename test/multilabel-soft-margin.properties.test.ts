// MultiLabelSoftMarginLoss invariants (fast-check), independent of the PyTorch fixtures: per row it is the class
// mean of BCE of sigmoid(x) where both are finite; (x, y) and (−x, 1 − y) give the same bits; the gradient is
// (σ(x) − y)·w/(R·C) for 'mean'; a per-class weight equals its expansion to the input's shape, and a broadcast
// target its expansion; resident tensors give the JS-memory bits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alloc, F, tensor, valueAndGrad } from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { rng as mulberry } from '../bench/lib/data.js';

/** (R, C) float64 scores in [−5, 5] and dyadic targets in [0, 1] (so 1 − y is exact). */
const problems = fc
  .record({
    n: fc.integer({ min: 1, max: 8 }),
    c: fc.integer({ min: 1, max: 37 }),
    seed: fc.integer({ min: 0, max: 1e6 }),
  })
  .map(({ n, c, seed }) => {
    const r = mulberry(seed);
    const x = Float64Array.from({ length: n * c }, () => (r() - 0.5) * 10);
    const y = Float64Array.from({ length: n * c }, () => Math.floor(r() * 9) / 8);
    const w = Float64Array.from({ length: c }, () => 0.25 + Math.floor(r() * 8) / 4);
    return { n, c, x, y, w };
  });

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

describe('MultiLabelSoftMarginLoss invariants', () => {
  it('equals the class mean of binaryCrossEntropy(sigmoid(x), y) per row (float64, moderate scores)', () => {
    fc.assert(
      fc.property(problems, ({ n, c, x, y, w }) => {
        const shape = [n, c];
        const got = F.multilabelSoftMarginLoss(tensor(x, { shape }), tensor(y, { shape }), {
          reduction: 'none',
          weight: w,
        });
        const bce = F.binaryCrossEntropy(tensor(x.map(sigmoid), { shape }), tensor(y, { shape }), {
          reduction: 'none',
          weight: tensor(w),
        });
        for (let r = 0; r < n; r++) {
          let s = 0;
          for (let k = 0; k < c; k++) s += Number(bce.data[r * c + k]);
          // log(σ) and log(1 − σ) of a rounded σ: within ~|x|·1e-16 relative per term.
          expect(Math.abs(Number(got.data[r]) - s / c)).toBeLessThanOrEqual(1e-12 * (s / c) + 1e-15);
        }
      }),
    );
  });

  it('(x, y) and (−x, 1 − y) give the same bits, value and (negated) input gradient', () => {
    fc.assert(
      fc.property(problems, fc.boolean(), ({ n, c, x, y }, f32) => {
        const shape = [n, c];
        const X = f32 ? Float32Array.from(x) : x;
        const a = valueAndGrad(F.multilabelSoftMarginLoss)(
          tensor(X, { shape }),
          tensor(f32 ? Float32Array.from(y) : y, { shape }),
        );
        const negX = f32 ? Float32Array.from(X, (v) => -v) : X.map((v) => -v);
        const oneMinusY = y.map((v) => 1 - v);
        const b = valueAndGrad(F.multilabelSoftMarginLoss)(
          tensor(negX, { shape }),
          tensor(f32 ? Float32Array.from(oneMinusY) : oneMinusY, { shape }),
        );
        expect(b.value).toBe(a.value);
        expect([...b.grads[0]!.data]).toEqual([...a.grads[0]!.data].map((v) => -v));
      }),
    );
  });

  it("'mean' gradient is (σ(x) − y)·w/(R·C) (float64)", () => {
    fc.assert(
      fc.property(problems, ({ n, c, x, y, w }) => {
        const shape = [n, c];
        const g = valueAndGrad(F.multilabelSoftMarginLoss)(tensor(x, { shape }), tensor(y, { shape }), {
          weight: w,
        }).grads;
        const gx = g[0]!.data as Float64Array,
          gy = g[1]!.data as Float64Array;
        for (let i = 0; i < gx.length; i++) {
          const s = w[i % c] / (n * c);
          expect(Math.abs(gx[i] - (sigmoid(x[i]) - y[i]) * s)).toBeLessThanOrEqual(1e-15 * s);
          // ∂/∂y = −x·w/(R·C): log σ(x) − log σ(−x) = x
          expect(Math.abs(gy[i] + x[i] * s)).toBeLessThanOrEqual(1e-14 * s * (1 + Math.abs(x[i])));
        }
      }),
    );
  });

  it('a per-class weight equals its expansion; a broadcast target its expansion (and the summed-back gradient)', () => {
    fc.assert(
      fc.property(problems, ({ n, c, x, y, w }) => {
        const shape = [n, c];
        const X = tensor(Float32Array.from(x), { shape });
        const Y = tensor(Float32Array.from(y), { shape });
        const full = Float32Array.from({ length: n * c }, (_, i) => w[i % c]);
        for (const reduction of ['none', 'sum'] as const) {
          const a = F.multilabelSoftMarginLoss(X, Y, { reduction, weight: Float32Array.from(w) });
          const b = F.multilabelSoftMarginLoss(X, Y, { reduction, weight: tensor(full, { shape }) });
          expect(typeof a === 'number' ? a : [...a.data]).toEqual(typeof b === 'number' ? b : [...b.data]);
        }
        const row = Float64Array.from(y.subarray(0, c));
        const expanded = tensor(
          Float64Array.from({ length: n * c }, (_, i) => row[i % c]),
          { shape },
        );
        const xs = tensor(x, { shape });
        const a = valueAndGrad(F.multilabelSoftMarginLoss)(xs, tensor(row), { reduction: 'sum' });
        const b = valueAndGrad(F.multilabelSoftMarginLoss)(xs, expanded, { reduction: 'sum' });
        expect(Math.abs(a.value - b.value)).toBeLessThanOrEqual(1e-14 * Math.abs(b.value));
        expect([...a.grads[0]!.data]).toEqual([...b.grads[0]!.data]);
        const gb = b.grads[1]!.data as Float64Array;
        for (let k = 0; k < c; k++) {
          let s = 0,
            scale = 0;
          for (let r = 0; r < n; r++) {
            s += gb[r * c + k];
            scale += Math.abs(gb[r * c + k]);
          }
          expect(Math.abs(Number(a.grads[1]!.data[k]) - s)).toBeLessThanOrEqual(1e-15 * scale + 1e-300);
        }
      }),
    );
  });

  it('resident input, target and gradient destinations give the JS-memory bits (several row blocks)', () => {
    const r = mulberry(3);
    const n = 500,
      c = 11; // 5500 elements: three blocks
    const x = Float32Array.from({ length: n * c }, () => (r() - 0.5) * 8);
    const y = Float32Array.from({ length: n * c }, () => (r() < 0.5 ? 0 : 1));
    const xr = alloc([n, c]),
      yr = alloc([n, c]),
      gx = alloc([n, c]),
      gy = alloc([n, c]);
    (xr.data as Float32Array).set(x);
    (yr.data as Float32Array).set(y);
    try {
      const xj = tensor(x, { shape: [n, c] }),
        yj = tensor(y, { shape: [n, c] });
      const w = Float32Array.from({ length: c }, (_, k) => 1 + k / 4);
      expect(F.multilabelSoftMarginLoss(xr, yr, { weight: w })).toBe(F.multilabelSoftMarginLoss(xj, yj, { weight: w }));
      const up = tensor(Float32Array.from({ length: n }, (_, i) => (i % 7) - 3));
      const want = valueAndGrad(F.multilabelSoftMarginLoss, { gradOutput: up })(xj, yj, { reduction: 'none' });
      const got = valueAndGrad(F.multilabelSoftMarginLoss, { gradOutput: up, into: [gx, gy] })(xr, yr, {
        reduction: 'none',
      });
      expect([...(got.value as Tensor).data]).toEqual([...(want.value as Tensor).data]);
      expect(got.grads[0]).toBe(gx);
      expect(got.grads[1]).toBe(gy);
      expect([...gx.data]).toEqual([...want.grads[0]!.data]);
      expect([...gy.data]).toEqual([...want.grads[1]!.data]);
    } finally {
      for (const t of [xr, yr, gx, gy]) t.free();
    }
  });
});
