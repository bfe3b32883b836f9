// Invariants that must hold for any input (fast-check), independent of PyTorch fixtures.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F, nn, tensor, valueAndGrad } from '../src/index.js';
import type { Tensor } from '../src/index.js';

const finite32 = fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
const finite64 = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
const arrays32 = fc.array(finite32, { minLength: 1, maxLength: 300 }).map((a) => Float32Array.from(a));
const pairs32 = fc
  .integer({ min: 1, max: 300 })
  .chain((n) =>
    fc.tuple(fc.array(finite32, { minLength: n, maxLength: n }), fc.array(finite32, { minLength: n, maxLength: n })),
  )
  .map(([a, b]) => [Float32Array.from(a), Float32Array.from(b)] as const);
const pairs64 = fc
  .integer({ min: 1, max: 300 })
  .chain((n) =>
    fc.tuple(fc.array(finite64, { minLength: n, maxLength: n }), fc.array(finite64, { minLength: n, maxLength: n })),
  )
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
        fc.property(
          fc.integer({ min: 1, max: 6 }),
          fc.integer({ min: 1, max: 6 }),
          fc.integer(),
          (rows, cols, seed) => {
            const col = Float64Array.from({ length: rows }, (_, i) => Math.sin(seed + i));
            const row = Float64Array.from({ length: cols }, (_, j) => Math.cos(seed - j));
            const a = tensor(col, { shape: [rows, 1] });
            const b = tensor(row, { shape: [cols] });
            const ea = tensor(
              Float64Array.from({ length: rows * cols }, (_, k) => col[Math.floor(k / cols)]),
              { shape: [rows, cols] },
            );
            const eb = tensor(
              Float64Array.from({ length: rows * cols }, (_, k) => row[k % cols]),
              { shape: [rows, cols] },
            );
            const got = loss(a, b, { reduction: 'none' });
            expect(got.shape).toEqual([rows, cols]);
            expect(got.data).toEqual(loss(ea, eb, { reduction: 'none' }).data);
          },
        ),
        { numRuns: 50 },
      );
    });
  }

  it("smoothL1Loss with beta 0 has the value of l1Loss (two different kernels), and PyTorch's gradient at 0", () => {
    fc.assert(fc.property(pairs32, ([x, y]) => F.smoothL1Loss(x, y, { beta: 0 }) === F.l1Loss(x, y)));
    // PyTorch 1.13: smooth_l1_loss_backward with β = 0 gives −1 at a zero difference (for both arguments), where
    // L1's gradient is 0.
    const m = new nn.SmoothL1Loss({ beta: 0, reduction: 'sum' });
    m.forward([0, 1, -1], [0, 0, 0]);
    const [gx, gy] = m.backward();
    expect(Array.from(gx!.data)).toEqual([-1, 1, -1]);
    expect(Array.from(gy!.data)).toEqual([-1, -1, 1]);
  });

  for (const [name, loss] of [
    ['mseLoss', F.mseLoss],
    ['l1Loss', F.l1Loss],
    ['smoothL1Loss', F.smoothL1Loss],
  ] as const) {
    it(`${name}: the target's gradient is minus the input's (away from exact ties)`, () => {
      fc.assert(
        fc.property(pairs32, ([x, y]) => {
          const { grads } = valueAndGrad(loss)(x, y);
          const gx = grads[0]!.data,
            gy = grads[1]!.data;
          for (let i = 0; i < gx.length; i++) if (x[i] !== y[i]) expect(gy[i]).toBe(-gx[i]);
        }),
        { numRuns: 50 },
      );
    });
  }
});

describe('crossEntropy invariants', () => {
  /** (rows, classes, logits, targets) with logits in ±20. */
  const batches = fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 40 })).chain(([rows, classes]) =>
    fc.tuple(
      fc.constant(rows),
      fc.constant(classes),
      fc.array(fc.double({ min: -20, max: 20, noNaN: true }), {
        minLength: rows * classes,
        maxLength: rows * classes,
      }),
      fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: rows, maxLength: rows }),
    ),
  );

  it('is unchanged (within float32 rounding) by adding a constant to a row', () => {
    fc.assert(
      fc.property(batches, fc.double({ min: -50, max: 50, noNaN: true }), ([rows, classes, logits, targets], shift) => {
        const x = tensor(Float32Array.from(logits), { shape: [rows, classes] });
        const shifted = tensor(
          Float32Array.from(logits, (v, i) => (Math.floor(i / classes) === 0 ? v + shift : v)),
          {
            shape: [rows, classes],
          },
        );
        const t = Int32Array.from(targets);
        const a = F.crossEntropy(x, t, { reduction: 'none' }).data as Float32Array;
        const b = F.crossEntropy(shifted, t, { reduction: 'none' }).data as Float32Array;
        for (let i = 0; i < rows; i++) {
          // Shifting rounds each logit to float32 again: up to ½ ulp of |logit + shift| ≤ 70 per logit, twice
          // (target logit and log-sum-exp), plus the result's own rounding.
          expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(2 * 2 ** -24 * 128 + 2 ** -23 * Math.abs(a[i]));
        }
      }),
    );
  });

  it('gives the same loss for one-hot probabilities as for class indices (no weight)', () => {
    fc.assert(
      fc.property(batches, fc.constantFrom('mean', 'sum', 'none'), ([rows, classes, logits, targets], reduction) => {
        const x = tensor(Float64Array.from(logits), { shape: [rows, classes] });
        const oneHot = new Float64Array(rows * classes);
        targets.forEach((c, r) => {
          oneHot[r * classes + c] = 1;
        });
        const idx = F.crossEntropy(x, tensor(targets, { dtype: 'int64' }), { reduction: reduction as 'sum' });
        const prob = F.crossEntropy(x, tensor(oneHot, { shape: [rows, classes] }), { reduction: reduction as 'sum' });
        const a = typeof idx === 'number' ? [idx] : Array.from((idx as unknown as Tensor).data as Float64Array);
        const b = typeof prob === 'number' ? [prob] : Array.from((prob as unknown as Tensor).data as Float64Array);
        a.forEach((v, i) => {
          expect(Math.abs(v - b[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v)));
        });
      }),
    );
  });

  it('with label smoothing ε equals (1 − ε)·plain + ε·(cross entropy against uniform probabilities)', () => {
    // Index targets with smoothing and probability targets run different kernels; PyTorch composes smoothing as
    // (1 − ε)·nll + (ε/C)·Σ_c −lp_c, and Σ_c −lp_c / C is the cross entropy against the uniform distribution.
    fc.assert(
      fc.property(batches, fc.double({ min: 0.01, max: 1, noNaN: true }), ([rows, classes, logits, targets], eps) => {
        const x = tensor(Float64Array.from(logits), { shape: [rows, classes] });
        const t = Int32Array.from(targets);
        const uniform = tensor(new Float64Array(rows * classes).fill(1 / classes), { shape: [rows, classes] });
        const smoothed = F.crossEntropy(x, t, { labelSmoothing: eps, reduction: 'sum' });
        const composed =
          (1 - eps) * F.crossEntropy(x, t, { reduction: 'sum' }) +
          eps * F.crossEntropy(x, uniform, { reduction: 'sum' });
        expect(Math.abs(smoothed - composed)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(smoothed)) * classes);
      }),
    );
  });

  it('has gradients that sum to zero over each row (softmax minus a distribution), for indices and smoothing', () => {
    fc.assert(
      fc.property(batches, fc.double({ min: 0, max: 1, noNaN: true }), ([rows, classes, logits, targets], eps) => {
        const x = tensor(Float64Array.from(logits), { shape: [rows, classes] });
        const { grads } = valueAndGrad(F.crossEntropy)(x, Int32Array.from(targets), { labelSmoothing: eps });
        const g = grads[0]!.data as Float64Array;
        for (let r = 0; r < rows; r++) {
          // Σ_c gx_c = S·(1 − Σ_c q_c): the softmax sums to 1 within the exp's bound (expLse: ≤ |x − m|·1.6e-16
          // relative, |x − m| ≤ 40 here, so ≤ 6.4e-15), and |S| is the row's upstream scale, 1/rows for 'mean'
          // without weights. A wrong term would leave O(1/rows).
          let s = 0,
            abs = 0;
          for (let c = 0; c < classes; c++) {
            s += g[r * classes + c];
            abs += Math.abs(g[r * classes + c]);
          }
          expect(Math.abs(s)).toBeLessThanOrEqual(1e-14 / rows + 1e-15 * abs);
        }
        expect(grads[1]).toBeNull();
      }),
    );
  });
});
