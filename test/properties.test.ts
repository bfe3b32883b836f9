// Invariants that must hold for any input (fast-check), independent of PyTorch fixtures.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F, tensor } from '../src/index.js';
import type { Tensor } from '../src/index.js';

const finite32 = fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
const finite64 = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
const arrays32 = fc.array(finite32, { minLength: 1, maxLength: 300 }).map((a) => Float32Array.from(a));
const pairs32 = fc
  .integer({ min: 1, max: 300 })
  .chain((n) => fc.tuple(fc.array(finite32, { minLength: n, maxLength: n }), fc.array(finite32, { minLength: n, maxLength: n })))
  .map(([a, b]) => [Float32Array.from(a), Float32Array.from(b)] as const);
const pairs64 = fc
  .integer({ min: 1, max: 300 })
  .chain((n) => fc.tuple(fc.array(finite64, { minLength: n, maxLength: n }), fc.array(finite64, { minLength: n, maxLength: n })))
  .map(([a, b]) => [Float64Array.from(a), Float64Array.from(b)] as const);

/** The three regression losses share one signature; fixed reductions make their result types exact. */
interface RegressionLoss {
  (x: Float32Array | Float64Array | Tensor, y: Float32Array | Float64Array | Tensor): number;
  (x: Float32Array | Float64Array | Tensor, y: Float32Array | Float64Array | Tensor, o: { reduction: 'sum' }): number;
  (x: Float32Array | Float64Array | Tensor, y: Float32Array | Float64Array | Tensor, o: { reduction: 'none' }): Tensor;
}
const REGRESSION: Array<[string, RegressionLoss]> = [
  ['mseLoss', F.mseLoss as RegressionLoss],
  ['l1Loss', F.l1Loss as RegressionLoss],
  ['smoothL1Loss', F.smoothL1Loss as RegressionLoss],
];

describe('regression loss invariants', () => {
  for (const [name, loss] of REGRESSION) {
    it(`${name}(x, x) = 0`, () => {
      fc.assert(fc.property(arrays32, (x) => loss(x, x) === 0 && loss(x, x, { reduction: 'sum' }) === 0));
    });

    it(`${name}: sum = mean · n (float32: both are one rounding of the same float64 sum)`, () => {
      fc.assert(
        fc.property(pairs32, ([x, y]) => {
          const mean = loss(x, y);
          const sum = loss(x, y, { reduction: 'sum' });
          // mean = fl32(S/n), sum = fl32(S): each within 2⁻²⁴ relative of exact, so they agree within 2⁻²²;
          // in the subnormal range each rounding is off by up to 2⁻¹⁵⁰ absolute instead (×n for the mean).
          const slack = (x.length + 1) * 2 ** -149;
          expect(Math.abs(sum - mean * x.length)).toBeLessThanOrEqual(Math.abs(sum) * 2 ** -22 + slack);
        }),
      );
    });

    it(`${name}: sum = mean · n (float64)`, () => {
      fc.assert(
        fc.property(pairs64, ([x, y]) => {
          const mean = loss(x, y);
          const sum = loss(x, y, { reduction: 'sum' });
          const slack = (x.length + 1) * 2 ** -1074; // subnormal results round absolutely, as above
          expect(Math.abs(sum - mean * x.length)).toBeLessThanOrEqual(Math.abs(sum) * 2 ** -51 + slack);
        }),
      );
    });

    it(`${name}: 'none' sums to 'sum' and is symmetric in input and target`, () => {
      fc.assert(
        fc.property(pairs64, ([x, y]) => {
          const none = loss(x, y, { reduction: 'none' });
          let s = 0;
          for (const v of none.data as Float64Array) s += v;
          const sum = loss(x, y, { reduction: 'sum' });
          expect(Math.abs(s - sum)).toBeLessThanOrEqual(Math.abs(sum) * x.length * 2 ** -52);
          expect(loss(y, x, { reduction: 'none' }).data).toEqual(none.data);
        }),
      );
    });

    it(`${name}: broadcasting equals the explicitly expanded tensors`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (rows, cols, seed) => {
          const col = Float64Array.from({ length: rows }, (_, i) => Math.sin(seed + i));
          const row = Float64Array.from({ length: cols }, (_, j) => Math.cos(seed - j));
          const a = tensor(col, { shape: [rows, 1] });
          const b = tensor(row, { shape: [cols] });
          const ea = tensor(Float64Array.from({ length: rows * cols }, (_, k) => col[Math.floor(k / cols)]), { shape: [rows, cols] });
          const eb = tensor(Float64Array.from({ length: rows * cols }, (_, k) => row[k % cols]), { shape: [rows, cols] });
          const got = loss(a, b, { reduction: 'none' });
          expect(got.shape).toEqual([rows, cols]);
          expect(got.data).toEqual(loss(ea, eb, { reduction: 'none' }).data);
        }),
        { numRuns: 50 },
      );
    });
  }

  it('smoothL1Loss with beta 0 is exactly l1Loss', () => {
    fc.assert(fc.property(pairs32, ([x, y]) => F.smoothL1Loss(x, y, { beta: 0 }) === F.l1Loss(x, y)));
  });
});
