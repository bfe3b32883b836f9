// HuberLoss invariants (fast-check), independent of PyTorch fixtures: Huber with delta δ is δ·SmoothL1 with β = δ
// (two kernels with their own operation orders), in value and gradient; sum = mean·n; symmetric in its arguments.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F, valueAndGrad } from '../src/index.js';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 });
const deltas = fc.double({ noNaN: true, min: 1e-3, max: 50 });
const pairs = fc
  .integer({ min: 1, max: 200 })
  .chain((n) =>
    fc.tuple(fc.array(finite, { minLength: n, maxLength: n }), fc.array(finite, { minLength: n, maxLength: n })),
  );

describe('huberLoss invariants', () => {
  it('is delta · smoothL1Loss(beta = delta), element by element (float64)', () => {
    fc.assert(
      fc.property(pairs, deltas, ([a, b], delta) => {
        const x = Float64Array.from(a),
          y = Float64Array.from(b);
        const h = F.huberLoss(x, y, { delta, reduction: 'none' }).data as Float64Array;
        const s = F.smoothL1Loss(x, y, { beta: delta, reduction: 'none' }).data as Float64Array;
        for (let i = 0; i < h.length; i++) {
          // quadratic side: 0.5·z·z against δ·(0.5·z·z/δ), four roundings apart (absolutely, δ times a subnormal step
          // when 0.5·z·z underflows); linear side: the same operations
          expect(Math.abs(h[i] - delta * s[i])).toBeLessThanOrEqual(4 * 2 ** -53 * h[i] + delta * 2 ** -1072);
        }
      }),
    );
  });

  it("has delta times smoothL1Loss's gradients (float64, both arguments)", () => {
    fc.assert(
      fc.property(pairs, deltas, ([a, b], delta) => {
        const x = Float64Array.from(a),
          y = Float64Array.from(b);
        const h = valueAndGrad(F.huberLoss)(x, y, { delta, reduction: 'sum' }).grads;
        const s = valueAndGrad(F.smoothL1Loss)(x, y, { beta: delta, reduction: 'sum' }).grads;
        for (const k of [0, 1]) {
          const hg = h[k]!.data as Float64Array,
            sg = s[k]!.data as Float64Array;
          for (let i = 0; i < hg.length; i++) {
            expect(Math.abs(hg[i] - delta * sg[i])).toBeLessThanOrEqual(
              2 * 2 ** -53 * Math.abs(hg[i]) + delta * 2 ** -1072,
            );
          }
        }
      }),
    );
  });

  it('float32: within 3 roundings of delta · smoothL1Loss in float32 per element', () => {
    fc.assert(
      fc.property(pairs, deltas, ([a, b], delta) => {
        const x = Float32Array.from(a),
          y = Float32Array.from(b);
        const h = F.huberLoss(x, y, { delta, reduction: 'none' }).data as Float32Array;
        const s = F.smoothL1Loss(x, y, { beta: delta, reduction: 'none' }).data as Float32Array;
        const d = Math.fround(delta);
        // (three float32 roundings apart; δ times a subnormal step where 0.5·z·z/δ underflows)
        for (let i = 0; i < h.length; i++)
          expect(Math.abs(h[i] - d * s[i])).toBeLessThanOrEqual(3 * 2 ** -24 * h[i] + d * 2 ** -147);
      }),
    );
  });

  it("'sum' is 'mean' · n and 'none' sums to 'sum' (float64)", () => {
    fc.assert(
      fc.property(pairs, deltas, ([a, b], delta) => {
        const x = Float64Array.from(a),
          y = Float64Array.from(b);
        const sum = F.huberLoss(x, y, { delta, reduction: 'sum' });
        const mean = F.huberLoss(x, y, { delta });
        // (plus n subnormal steps: a sum of underflowing terms can be 5e-324 while its mean rounds to 0)
        const floor = x.length * Number.MIN_VALUE;
        expect(Math.abs(sum - mean * x.length)).toBeLessThanOrEqual(Math.abs(sum) * 2 ** -50 + floor);
        let s = 0;
        for (const v of F.huberLoss(x, y, { delta, reduction: 'none' }).data as Float64Array) s += v;
        expect(Math.abs(s - sum)).toBeLessThanOrEqual(Math.abs(sum) * x.length * 2 ** -52 + floor);
      }),
    );
  });

  it('is symmetric in input and target, with the target gradient minus the input gradient', () => {
    fc.assert(
      fc.property(pairs, deltas, ([a, b], delta) => {
        const x = Float32Array.from(a),
          y = Float32Array.from(b);
        expect(F.huberLoss(y, x, { delta, reduction: 'none' }).data).toEqual(
          F.huberLoss(x, y, { delta, reduction: 'none' }).data,
        );
        const [gx, gy] = valueAndGrad(F.huberLoss)(x, y, { delta }).grads;
        for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) expect(gy!.data[i]).toBe(-gx!.data[i]);
      }),
      { numRuns: 50 },
    );
  });
});
