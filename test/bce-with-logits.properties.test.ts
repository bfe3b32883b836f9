// BCEWithLogitsLoss invariants (fast-check), independent of PyTorch fixtures: BCEWithLogits(x) = BCE(σ(x)) where
// both are finite and BCE's −100 clamp does not bite (|x| ≤ 30), in value and in the input's gradient (chain rule);
// posWeight = 1 is no posWeight (two kernels); a posWeight p scales the positive term by p.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F, tensor, valueAndGrad } from '../src/index.js';

const logit = fc.double({ noNaN: true, min: -30, max: 30 });
const unit = fc.double({ noNaN: true, min: 0, max: 1 });
const batches = fc
  .integer({ min: 1, max: 120 })
  .chain((n) =>
    fc.tuple(fc.array(logit, { minLength: n, maxLength: n }), fc.array(unit, { minLength: n, maxLength: n })),
  );
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

describe('binaryCrossEntropyWithLogits invariants', () => {
  it('equals binaryCrossEntropy of sigmoid(x), element by element (float64)', () => {
    fc.assert(
      fc.property(batches, ([xs, ts]) => {
        const x = Float64Array.from(xs),
          t = Float64Array.from(ts),
          p = x.map(sigmoid);
        const a = F.binaryCrossEntropyWithLogits(x, t, { reduction: 'none' }).data as Float64Array;
        const b = F.binaryCrossEntropy(p, t, { reduction: 'none' }).data as Float64Array;
        for (let i = 0; i < a.length; i++) {
          // BCE's log(1 − σ(x)) loses the bits 1 − σ(x) cancels: ≤ 2^-53 / (1 − σ(x)) ≈ 2^-53·e^x absolute
          const tol = 1e-13 * (1 + Math.abs(a[i])) + 2 ** -52 * (Math.exp(x[i]) + Math.exp(-x[i]));
          expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol);
        }
      }),
    );
  });

  it("has BCE's input gradient times sigmoid'(x) (chain rule), and a weight scales both the same", () => {
    fc.assert(
      fc.property(batches, ([xs, ts]) => {
        const n = xs.length;
        const x = Float64Array.from(xs),
          t = Float64Array.from(ts),
          p = x.map(sigmoid);
        const w = Float64Array.from({ length: n }, (_, i) => (i % 4) / 2);
        const ga = valueAndGrad(F.binaryCrossEntropyWithLogits)(x, t, { weight: w, reduction: 'sum' }).grads[0]!.data;
        const gb = valueAndGrad(F.binaryCrossEntropy)(p, t, { weight: w, reduction: 'sum' }).grads[0]!.data;
        for (let i = 0; i < n; i++) {
          const chain = gb[i] * p[i] * (1 - p[i]);
          // BCE's gradient clamps p(1 − p) at 1e-12: only compare where it does not
          if (p[i] * (1 - p[i]) > 1e-10)
            expect(Math.abs(ga[i] - chain)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(chain)));
        }
      }),
    );
  });

  it('with posWeight 1 is the loss without posWeight; posWeight p multiplies the positive term', () => {
    fc.assert(
      fc.property(batches, fc.double({ min: 0, max: 10, noNaN: true }), ([xs, ts], pw) => {
        const x = Float64Array.from(xs),
          t = Float64Array.from(ts);
        const plainLoss = F.binaryCrossEntropyWithLogits(x, t, { reduction: 'none' }).data as Float64Array;
        const one = F.binaryCrossEntropyWithLogits(x, t, { reduction: 'none', posWeight: [1] }).data as Float64Array;
        const weighted = F.binaryCrossEntropyWithLogits(x, t, { reduction: 'none', posWeight: [pw] })
          .data as Float64Array;
        for (let i = 0; i < x.length; i++) {
          expect(Math.abs(one[i] - plainLoss[i])).toBeLessThanOrEqual(
            1e-13 * (1 + Math.abs(plainLoss[i])) + 4e-15 * Math.abs(x[i]),
          );
          // ℓ = (1 − t)·(x + s) + p·t·s with s = log(1 + e^−x) = softplus(−x)
          const s = Math.log1p(Math.exp(-Math.abs(x[i]))) + Math.max(-x[i], 0);
          const want = (1 - t[i]) * (x[i] + s) + pw * t[i] * s;
          expect(Math.abs(weighted[i] - want)).toBeLessThanOrEqual(
            1e-12 * (1 + Math.abs(want) + Math.abs(x[i]) * (1 + pw)),
          );
        }
      }),
    );
  });

  it('stays finite for huge logits (float32 and float64)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = tensor([1e30, -1e30, 3e38, -3e38], { dtype }),
        t = tensor([0, 1, 0, 1], { dtype });
      const v = F.binaryCrossEntropyWithLogits(x, t, { reduction: 'none' }).data;
      expect(Array.from(v as Float64Array)).toEqual(
        Array.from(dtype === 'float32' ? Float32Array.from([1e30, 1e30, 3e38, 3e38]) : [1e30, 1e30, 3e38, 3e38]),
      );
    }
  });
});
