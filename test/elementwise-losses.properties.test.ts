// Invariants (fast-check) of SoftMargin, KLDiv, GaussianNLL and PoissonNLL, independent of PyTorch fixtures: each
// relates two computations that share no kernel path or no operation order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F, tensor } from '../src/index.js';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -60, max: 60 });
const vectors = <T>(item: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.array(item, { minLength: 1, maxLength: 150 });
const close = (a: number, b: number, rel: number): void => {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(a), Math.abs(b)));
};

describe('softMarginLoss', () => {
  it('depends on y·x only: (x, ±1) gives the bits of (y·x, 1), float32 and float64', () => {
    fc.assert(
      fc.property(vectors(finite), fc.integer(), (xs, seed) => {
        // (typed as one constructor: only numbers are read back)
        for (const Arr of [Float32Array as unknown as Float64ArrayConstructor, Float64Array]) {
          const x = Arr.from(xs),
            y = Arr.from(xs, (_, i) => ((seed >> (i % 30)) & 1 ? 1 : -1));
          const yx = x.map((v, i) => v * y[i]);
          const a = F.softMarginLoss(x, y, { reduction: 'none' }).data as Float64Array;
          const b = F.softMarginLoss(yx, new Arr(x.length).fill(1), { reduction: 'none' }).data as Float64Array;
          expect(Array.from(a)).toEqual(Array.from(b));
        }
      }),
    );
  });
  it("is log(1 + e^(−y·x)) within one float32 rounding where PyTorch's float32 quirks do not apply", () => {
    fc.assert(
      fc.property(vectors(fc.double({ noNaN: true, min: -15, max: 15 })), (xs) => {
        const x = Float32Array.from(xs);
        const l = F.softMarginLoss(x, new Float32Array(x.length).fill(1), { reduction: 'none' }).data as Float32Array;
        x.forEach((v, i) => {
          close(l[i], Math.log1p(Math.exp(-v)), 2 ** -23);
        });
      }),
    );
  });
});

describe('klDiv', () => {
  it('with logTarget on log t is klDiv on t (float64, t > 0)', () => {
    fc.assert(
      fc.property(vectors(fc.tuple(finite, fc.double({ min: 1e-6, max: 1, noNaN: true }))), (pairs) => {
        const x = Float64Array.from(pairs, ([a]) => a / 10),
          t = Float64Array.from(pairs, ([, b]) => b);
        const a = F.klDiv(x, t, { reduction: 'none' }).data as Float64Array;
        const b = F.klDiv(x, t.map(Math.log), { reduction: 'none', logTarget: true }).data as Float64Array;
        // e^(log t) = t within 2 ulp, and t·(log t − x) then differs by that relative amount
        a.forEach((v, i) => {
          close(v, b[i], 8 * 2 ** -52 * (1 + Math.abs(Math.log(t[i])) + Math.abs(x[i])));
        });
      }),
    );
  });
  it("'batchmean' is 'sum' / input.shape[0] (float64)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer(), (n, c, seed) => {
        const x = tensor(
          Float64Array.from({ length: n * c }, (_, i) => -Math.abs(Math.sin(seed + i))),
          { shape: [n, c] },
        );
        const t = tensor(
          Float64Array.from({ length: c }, (_, i) => Math.abs(Math.cos(seed - i))),
          { shape: [c] },
        );
        expect(F.klDiv(x, t, { reduction: 'batchmean' })).toBe(F.klDiv(x, t, { reduction: 'sum' }) / n);
      }),
    );
  });
});

describe('gaussianNllLoss', () => {
  it("with full adds 0.5·log(2π) to each element, and a var of the input's shape equals its unsqueezed form", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer(), (n, d, seed) => {
        const x = tensor(
          Float64Array.from({ length: n * d }, (_, i) => Math.sin(seed + i)),
          { shape: [n, d] },
        );
        const y = tensor(
          Float64Array.from({ length: n * d }, (_, i) => Math.cos(seed * 3 + i)),
          { shape: [n, d] },
        );
        const v = Float64Array.from({ length: n }, (_, i) => 0.1 + Math.abs(Math.sin(seed - i)));
        const full = F.gaussianNllLoss(x, y, v, { reduction: 'none', full: true }).data as Float64Array;
        const part = F.gaussianNllLoss(x, y, tensor(v, { shape: [n, 1] }), { reduction: 'none' }).data as Float64Array;
        const expanded = tensor(
          Float64Array.from({ length: n * d }, (_, i) => v[Math.floor(i / d)]),
          { shape: [n, d] },
        );
        const same = F.gaussianNllLoss(x, y, expanded, { reduction: 'none' }).data as Float64Array;
        full.forEach((f, i) => {
          close(f, part[i] + 0.5 * Math.log(2 * Math.PI), 4e-16);
        });
        expect(Array.from(same)).toEqual(Array.from(part));
      }),
    );
  });
});

describe('poissonNllLoss', () => {
  it('with logInput false on e^x (eps 0) is the log-input loss on x (float64)', () => {
    fc.assert(
      fc.property(
        vectors(fc.tuple(fc.double({ min: -20, max: 20, noNaN: true }), fc.integer({ min: 0, max: 50 }))),
        (pairs) => {
          const x = Float64Array.from(pairs, ([a]) => a),
            t = Float64Array.from(pairs, ([, b]) => b);
          const a = F.poissonNllLoss(x, t, { reduction: 'none', full: true }).data as Float64Array;
          const b = F.poissonNllLoss(x.map(Math.exp), t, { reduction: 'none', full: true, logInput: false, eps: 0 })
            .data as Float64Array;
          a.forEach((v, i) => {
            close(v, b[i], 1e-14 * (1 + t[i] * (1 + Math.abs(x[i]))));
          });
        },
      ),
    );
  });
});
