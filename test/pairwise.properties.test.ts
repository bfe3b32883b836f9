// Invariants of the pairwise and embedding losses (fast-check), independent of the PyTorch fixtures: symmetries
// that hold bit for bit, the formulas' special cases, the fused valueAndGrad against forward + backward, resident
// tensors against typed arrays, and the runner's column blocks (rows longer than a chunk) against a float64
// reference computed here.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alloc, F, nn, tensor, type Tensor, valueAndGrad } from '../src/index.js';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -100, max: 100 });
const vec = (n: number) => fc.array(finite, { minLength: n, maxLength: n });
/** (rows, cols, three float64 row blocks). */
const triples = fc
  .tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 13 }))
  .chain(([r, c]) => fc.tuple(fc.constant(r), fc.constant(c), vec(r * c), vec(r * c), vec(r * c)));
const t64 = (a: number[], shape: number[]) => tensor(Float64Array.from(a), { shape });
const t32 = (a: number[], shape: number[]) => tensor(Float32Array.from(a), { shape });
const data = (t: Tensor | null) => Array.from(t!.data as Float64Array);
/** A float tensor's elements as numbers. */
const f64 = (t: Tensor) => t.data as Float64Array;
/** Values with −0 read as 0 (for symmetries that hold up to the sign of a zero: (−0) + (−0) vs 0 + (−0)). */
const unsigned = (a: ArrayLike<number | bigint>) => Array.from(a, (v) => (v === 0 ? 0 : Number(v)));

describe('marginRankingLoss invariants', () => {
  it('swapping input1 and input2 and negating the target changes nothing, gradients included (up to signs of zeros)', () => {
    fc.assert(
      fc.property(triples, finite, ([, , a, b, y], margin) => {
        const ys = y.map((v) => (v >= 0 ? 1 : -1));
        const x1 = t32(a, [a.length]),
          x2 = t32(b, [b.length]),
          t = t32(ys, [ys.length]);
        const tn = t32(
          ys.map((v) => -v),
          [ys.length],
        );
        const o = { reduction: 'none' as const, margin };
        expect(unsigned(F.marginRankingLoss(x1, x2, t, o).data)).toEqual(
          unsigned(F.marginRankingLoss(x2, x1, tn, o).data),
        );
        const g = valueAndGrad(F.marginRankingLoss)(x1, x2, t, { margin }).grads;
        const h = valueAndGrad(F.marginRankingLoss)(x2, x1, tn, { margin }).grads;
        expect(unsigned(g[0]!.data)).toEqual(unsigned(h[1]!.data));
        expect(unsigned(g[1]!.data)).toEqual(unsigned(h[0]!.data));
      }),
    );
  });

  it('is 0 when each pair is ranked as its target says by at least the margin, and otherwise positive', () => {
    fc.assert(
      fc.property(vec(20), vec(20), fc.double({ min: 0, max: 5, noNaN: true }), (a, b, margin) => {
        const y = a.map((v, i) => (v - b[i] >= margin ? 1 : b[i] - v >= margin ? -1 : 0));
        const ranked = y.map((v) => (v === 0 ? 1 : v));
        const loss = F.marginRankingLoss(t64(a, [20]), t64(b, [20]), t64(ranked, [20]), {
          margin,
          reduction: 'none',
        }).data;
        y.forEach((v, i) => {
          v !== 0 ? expect(loss[i]).toBe(0) : expect(loss[i]).toBeGreaterThanOrEqual(0);
        });
      }),
    );
  });
});

describe('hingeEmbeddingLoss invariants', () => {
  it('is x for targets 1, max(0, margin − x) for −1, and their sum for any other target (float32 rounding as PyTorch)', () => {
    fc.assert(
      fc.property(vec(12), fc.double({ min: -3, max: 3, noNaN: true }), (x, margin) => {
        const y = x.map((_, i) => [1, -1, 0, 2, 0.5, -3][i % 6]);
        const xs = Float32Array.from(x),
          m = Math.fround(margin);
        const loss = F.hingeEmbeddingLoss(xs, Float32Array.from(y), { margin, reduction: 'none' }).data;
        xs.forEach((v, i) => {
          const hinge = Math.max(0, Math.fround(m - v));
          // PyTorch adds the two where() terms: 0 + x for y = 1 (so −0 becomes +0), max(…) + 0 for y = −1.
          const want = y[i] === 1 ? 0 + v : y[i] === -1 ? hinge + 0 : Math.fround(hinge + v);
          expect(loss[i]).toBe(want);
        });
      }),
    );
  });
});

describe('pairwiseDistance invariants', () => {
  const ps = fc.constantFrom(2, 1, 3, 0.5, 1.5, Infinity, -Infinity, 0, -1);

  it('is symmetric when eps = 0, for every p (bit for bit)', () => {
    fc.assert(
      fc.property(triples, ps, ([r, c, a, b], p) => {
        const x = t64(a, [r, c]),
          y = t64(b, [r, c]);
        expect(F.pairwiseDistance(x, y, { p, eps: 0 }).data).toEqual(F.pairwiseDistance(y, x, { p, eps: 0 }).data);
      }),
    );
  });

  it('is a norm for p ≥ 1 (eps = 0): non-negative, and the triangle inequality holds', () => {
    fc.assert(
      fc.property(triples, fc.constantFrom(1, 2, 3, Infinity), ([r, c, a, b, z], p) => {
        const x = t64(a, [r, c]),
          y = t64(b, [r, c]),
          w = t64(z, [r, c]);
        const xy = f64(F.pairwiseDistance(x, y, { p, eps: 0 })),
          yw = f64(F.pairwiseDistance(y, w, { p, eps: 0 }));
        const xw = f64(F.pairwiseDistance(x, w, { p, eps: 0 }));
        for (let i = 0; i < r; i++) {
          expect(xy[i]).toBeGreaterThanOrEqual(0);
          expect(xw[i]).toBeLessThanOrEqual((xy[i] + yw[i]) * (1 + 1e-12));
        }
      }),
    );
  });

  it("has a p = 2 gradient of unit length in every row whose distance is not 0, and x2's is minus x1's", () => {
    fc.assert(
      fc.property(triples, ([r, c, a, b]) => {
        const x = t64(a, [r, c]),
          y = t64(b, [r, c]);
        const m = new nn.PairwiseDistance();
        const d = m.forward(x, y);
        const [gx, gy] = m.backward(tensor(new Float64Array(r).fill(1), { shape: [r] }));
        for (let i = 0; i < r; i++) {
          if (d.data[i] === 0) continue;
          let s = 0;
          for (let j = 0; j < c; j++) s += Number(gx!.data[i * c + j]) ** 2;
          expect(Math.abs(Math.sqrt(s) - 1)).toBeLessThan(1e-12);
        }
        expect(data(gy)).toEqual(data(gx).map((v) => -v));
      }),
    );
  });

  it('accumulates a row longer than a chunk over column blocks (float64 reference, every branch of p)', () => {
    const n = 9000; // 16 KiB chunks: 2048 float64 or 4096 float32 elements, so 3–5 column blocks
    const a = Float64Array.from({ length: 2 * n }, (_, i) => Math.sin(i * 0.37) * 3);
    const b = Float64Array.from({ length: 2 * n }, (_, i) => Math.cos(i * 0.11));
    for (const p of [2, 1, 3, 0.5, Infinity, -Infinity, 0]) {
      for (const dtype of ['float64', 'float32'] as const) {
        const x = tensor(dtype === 'float32' ? Float32Array.from(a) : a, { shape: [2, n] });
        const y = tensor(dtype === 'float32' ? Float32Array.from(b) : b, { shape: [2, n] });
        const got = f64(F.pairwiseDistance(x, y, { p }));
        for (let r = 0; r < 2; r++) {
          let acc = p === -Infinity ? Infinity : 0;
          for (let j = 0; j < n; j++) {
            const d = Math.abs(Number(x.data[r * n + j]) - Number(y.data[r * n + j]) + 1e-6);
            acc =
              p === Infinity
                ? Math.max(acc, d)
                : p === -Infinity
                  ? Math.min(acc, d)
                  : p === 0
                    ? acc + (d !== 0 ? 1 : 0)
                    : acc + d ** p;
          }
          const want = p === 2 ? Math.sqrt(acc) : p === 1 || p === 0 || !Number.isFinite(p) ? acc : acc ** (1 / p);
          const tol = dtype === 'float32' ? 2 ** -23 : 1e-12;
          expect(Math.abs(got[r] - want) / want, `p=${p} ${dtype} row ${r}`).toBeLessThan(tol);
        }
      }
    }
  });
});

describe('triplet losses invariants', () => {
  it('with the positive equal to the anchor and eps = 0 is max(0, margin − d(anchor, negative))', () => {
    fc.assert(
      fc.property(triples, fc.double({ min: -2, max: 5, noNaN: true }), ([r, c, a, , n], margin) => {
        const x = t64(a, [r, c]),
          neg = t64(n, [r, c]);
        const loss = f64(F.tripletMarginLoss(x, x, neg, { margin, eps: 0, reduction: 'none' }));
        const d = f64(F.pairwiseDistance(x, neg, { eps: 0 }));
        for (let i = 0; i < r; i++) expect(loss[i]).toBe(Math.max(0, margin - d[i]));
      }),
    );
  });

  it('TripletMarginWithDistanceLoss with the default distance is TripletMarginLoss up to their operation order', () => {
    fc.assert(
      fc.property(triples, fc.boolean(), ([r, c, a, p, n], swap) => {
        const args = [t64(a, [r, c]), t64(p, [r, c]), t64(n, [r, c])] as const;
        const x = f64(F.tripletMarginLoss(...args, { swap, reduction: 'none' }));
        const y = f64(F.tripletMarginWithDistanceLoss(...args, { swap, reduction: 'none' }));
        // The loss is margin + d(a, p) − d(a, n): each distance carries rounding relative to its own size (at most
        // the rows' norms), which the difference can cancel down to a small loss.
        const norm = (v: number[], i: number) => Math.hypot(...v.slice(i * c, (i + 1) * c));
        for (let i = 0; i < r; i++) {
          const scale = 1 + Math.abs(x[i]) + 2 * (norm(a, i) + norm(p, i) + norm(n, i));
          expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(4 * Number.EPSILON * scale);
        }
      }),
    );
  });

  it('differentiates through nn.PairwiseDistance and F.pairwiseDistance exactly as through the default', () => {
    fc.assert(
      fc.property(triples, ([r, c, a, p, n]) => {
        const args = [t32(a, [r, c]), t32(p, [r, c]), t32(n, [r, c])] as const;
        const base = valueAndGrad(F.tripletMarginWithDistanceLoss)(...args, { swap: true });
        for (const distanceFunction of [F.pairwiseDistance, new nn.PairwiseDistance()]) {
          const other = valueAndGrad(F.tripletMarginWithDistanceLoss)(...args, { swap: true, distanceFunction });
          expect(other.value).toBe(base.value);
          other.grads.forEach((g, i) => {
            expect(data(g)).toEqual(data(base.grads[i]));
          });
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('cosineEmbeddingLoss invariants', () => {
  it('stays in [0, 2] for targets 1 and in [0, 1 − margin] for targets −1, and is 0 for other targets', () => {
    fc.assert(
      fc.property(triples, fc.double({ min: -1, max: 1, noNaN: true }), ([r, c, a, b], margin) => {
        const y = Array.from({ length: r }, (_, i) => [1, -1, 0][i % 3]);
        const loss = F.cosineEmbeddingLoss(t64(a, [r, c]), t64(b, [r, c]), y, { margin, reduction: 'none' }).data;
        y.forEach((t, i) => {
          if (t === 0) {
            expect(loss[i]).toBe(0);
            return;
          }
          expect(loss[i]).toBeGreaterThanOrEqual(0);
          expect(loss[i]).toBeLessThanOrEqual(t === 1 ? 2 + 1e-15 : 1 - margin + 1e-15);
        });
      }),
    );
  });

  it('is unchanged (to rounding) by scaling a row by a positive factor, away from its tiny epsilon', () => {
    fc.assert(
      fc.property(triples, fc.double({ min: 0.01, max: 100, noNaN: true }), ([r, c, a, b], k) => {
        const norms = (v: number[]) => Array.from({ length: r }, (_, i) => Math.hypot(...v.slice(i * c, (i + 1) * c)));
        // torch's EPSILON (1e-12) is added to the squared norms: keep every norm, scaled ones included, above 0.1
        // so that it moves the cosine by under 1e-10 relative.
        if ([...norms(a).map((v) => v * Math.min(1, k)), ...norms(b)].some((v) => v < 0.1)) return;
        const y = Array.from({ length: r }, () => 1);
        const base = f64(F.cosineEmbeddingLoss(t64(a, [r, c]), t64(b, [r, c]), y, { reduction: 'none' }));
        const scaled = f64(
          F.cosineEmbeddingLoss(
            t64(
              a.map((v) => v * k),
              [r, c],
            ),
            t64(b, [r, c]),
            y,
            { reduction: 'none' },
          ),
        );
        for (let i = 0; i < r; i++) expect(Math.abs(base[i] - scaled[i])).toBeLessThan(1e-9);
      }),
    );
  });
});

describe('every pairwise loss: fused valueAndGrad, forward + backward and resident tensors agree bit for bit', () => {
  const losses: Array<[string, (r: number, c: number, a: number[], b: number[], z: number[]) => unknown[]]> = [
    ['marginRankingLoss', (r, c, a, b, z) => [a, b, z.map((v) => (v >= 0 ? 1 : -1))].map((v) => t32(v, [r * c]))],
    [
      'hingeEmbeddingLoss',
      (r, c, a, _b, z) => [
        t32(a, [r * c]),
        t32(
          z.map((v) => (v >= 0 ? 1 : -1)),
          [r * c],
        ),
      ],
    ],
    [
      'cosineEmbeddingLoss',
      (r, c, a, b, z) => [
        t32(a, [r, c]),
        t32(b, [r, c]),
        t32(
          z.slice(0, r).map((v) => (v >= 0 ? 1 : -1)),
          [r],
        ),
      ],
    ],
    ['tripletMarginLoss', (r, c, a, b, z) => [t32(a, [r, c]), t32(b, [r, c]), t32(z, [r, c])]],
    ['tripletMarginWithDistanceLoss', (r, c, a, b, z) => [t32(a, [r, c]), t32(b, [r, c]), t32(z, [r, c])]],
  ];
  for (const [name, make] of losses) {
    it(name, () => {
      const fn = (F as unknown as Record<string, (...a: unknown[]) => number>)[name];
      const Cls = (
        nn as unknown as Record<
          string,
          new (
            o: unknown,
          ) => { forward: (...a: unknown[]) => number; backward: () => (Tensor | null)[] }
        >
      )[name[0].toUpperCase() + name.slice(1)];
      fc.assert(
        fc.property(triples, fc.constantFrom('mean', 'sum'), ([r, c, a, b, z], reduction) => {
          const args = make(r, c, a, b, z) as Tensor[];
          const fused = valueAndGrad(fn as never)(...(args as []), { reduction } as never) as {
            value: number;
            grads: (Tensor | null)[];
          };
          const resident = args.map((t) => {
            const x = alloc(t.shape, t.dtype);
            (x.data as Float32Array).set(t.data as Float32Array);
            return x;
          });
          const into = args.map((t) => (t.dtype === 'float32' ? alloc(t.shape, 'float32') : null));
          const viaResident = valueAndGrad(fn as never, { into })(...(resident as []), { reduction } as never) as {
            value: number;
            grads: (Tensor | null)[];
          };
          expect(fn(...args, { reduction })).toBe(fused.value);
          const m = new Cls({ reduction });
          expect(m.forward(...args)).toBe(fused.value);
          m.backward().forEach((g, i) => {
            if (g === null) expect(fused.grads[i]).toBeNull();
            else expect(Array.from(g.data as Float32Array)).toEqual(Array.from(fused.grads[i]!.data as Float32Array));
          });
          expect(viaResident.value).toBe(fused.value);
          fused.grads.forEach((g, i) => {
            if (g === null) return;
            expect(Array.from(viaResident.grads[i]!.data as Float32Array)).toEqual(Array.from(g.data as Float32Array));
          });
          for (const t of [...resident, ...into]) t?.free();
        }),
        { numRuns: 40 },
      );
    });
  }
});
