// The pooled float64 work arrays (src/wasm/work.ts) and the losses that take their per-row arrays from them when a
// call keeps none (F.cosineEmbeddingLoss, F.tripletMarginLoss, F.tripletMarginWithDistanceLoss): zeroed arrays,
// nested scopes that do not share slots, slots given back on a throw, and results that equal the unpooled path's
// (nn forward) bit for bit and are never overwritten by a later call.
import { describe, expect, it } from 'vitest';
import { F, nn, tensor, valueAndGrad } from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { scoped } from '../src/wasm/work.js';
import { rng } from '../bench/lib/data.js';

function rows(seed: number, n: number, d: number): Tensor {
  const r = rng(seed);
  return tensor(
    Float32Array.from({ length: n * d }, () => r() * 2 - 1),
    { shape: [n, d] },
  );
}

function signs(seed: number, n: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1));
}

describe('work arrays', () => {
  it('hands out zeroed arrays, distinct within a scope and across nested scopes', () => {
    scoped((alloc) => {
      const a = alloc(5).fill(1);
      const b = alloc(5);
      expect(Array.from(b)).toEqual([0, 0, 0, 0, 0]);
      b.fill(2);
      scoped((inner) => {
        const c = inner(5);
        expect(Array.from(c)).toEqual([0, 0, 0, 0, 0]);
        c.fill(3);
      });
      expect(Array.from(a)).toEqual([1, 1, 1, 1, 1]);
      expect(Array.from(b)).toEqual([2, 2, 2, 2, 2]);
      // The inner scope's slot is free again, and zeroed when handed out anew.
      expect(Array.from(alloc(5))).toEqual([0, 0, 0, 0, 0]);
    });
  });

  it('gives its slots back when the body throws', () => {
    let first: Float64Array | undefined;
    scoped((alloc) => {
      first = alloc(3);
    });
    expect(() =>
      scoped((alloc) => {
        alloc(3);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    scoped((alloc) => {
      // The same first slot (same buffer), so nothing leaked past the throw.
      expect(alloc(3).buffer).toBe(first!.buffer);
    });
  });

  it('serves requests of any length (grown, and above the pooled size)', () => {
    scoped((alloc) => {
      for (const n of [0, 1, 64, 65, 1000, 40000]) {
        const a = alloc(n);
        expect(a.length).toBe(n);
        expect(a.every((v) => v === 0)).toBe(true);
      }
    });
  });
});

describe('losses on pooled work arrays', () => {
  const cases = [
    [3, 4],
    [17, 5],
    [1, 100],
    [200, 7],
    [5, 3],
  ] as const;

  it('F.cosineEmbeddingLoss equals nn.CosineEmbeddingLoss (fresh arrays) bit for bit, call after call', () => {
    for (const margin of [0, 0.3]) {
      const mean = new nn.CosineEmbeddingLoss({ margin }),
        sum = new nn.CosineEmbeddingLoss({ margin, reduction: 'sum' });
      cases.forEach(([n, d], k) => {
        const x1 = rows(k, n, d),
          x2 = rows(k + 50, n, d),
          y = signs(k + 99, n);
        expect(Object.is(F.cosineEmbeddingLoss(x1, x2, y, { margin }), mean.forward(x1, x2, y))).toBe(true);
        expect(Object.is(F.cosineEmbeddingLoss(x1, x2, y, { margin, reduction: 'sum' }), sum.forward(x1, x2, y))).toBe(
          true,
        );
      });
    }
  });

  it('F.tripletMarginLoss and F.tripletMarginWithDistanceLoss equal their nn forms bit for bit', () => {
    for (const swap of [false, true]) {
      const m = new nn.TripletMarginLoss({ swap });
      const w = new nn.TripletMarginWithDistanceLoss({ swap });
      cases.forEach(([n, d], k) => {
        const a = rows(k, n, d),
          p = rows(k + 10, n, d),
          q = rows(k + 20, n, d);
        expect(Object.is(F.tripletMarginLoss(a, p, q, { swap }), m.forward(a, p, q))).toBe(true);
        expect(Object.is(F.tripletMarginWithDistanceLoss(a, p, q, { swap }), w.forward(a, p, q))).toBe(true);
      });
    }
  });

  it("'none' results own their data: later calls do not overwrite them", () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const as = (t: Tensor): Tensor =>
        tensor(dtype === 'float32' ? t.data : Float64Array.from(t.data as Float32Array), { shape: t.shape });
      const x1 = as(rows(1, 6, 4)),
        x2 = as(rows(2, 6, 4));
      const c = F.cosineEmbeddingLoss(x1, x2, signs(3, 6), { reduction: 'none' });
      const t = F.tripletMarginLoss(x1, x2, as(rows(4, 6, 4)), { reduction: 'none' });
      const w = F.tripletMarginWithDistanceLoss(x1, x2, as(rows(4, 6, 4)), { reduction: 'none' });
      const before = [c, t, w].map((r) => Array.from(r.data as Float64Array));
      for (let i = 0; i < 3; i++) {
        F.cosineEmbeddingLoss(x2, x1, signs(5 + i, 6));
        F.tripletMarginLoss(x2, x1, as(rows(6 + i, 6, 4)));
        F.tripletMarginWithDistanceLoss(x2, x1, as(rows(6 + i, 6, 4)));
      }
      expect([c, t, w].map((r) => Array.from(r.data as Float64Array))).toEqual(before);
    }
  });

  // A custom distance is the only user code that runs inside a loss call; losses it calls take pooled arrays.
  it('a custom distance that calls pooled losses inside a triplet call leaves the outer result unchanged', () => {
    const a = rows(7, 9, 6),
      p = rows(8, 9, 6),
      q = rows(9, 9, 6);
    const plain = F.tripletMarginWithDistanceLoss(a, p, q, { distanceFunction: (x, y) => F.pairwiseDistance(x, y) });
    const nested = F.tripletMarginWithDistanceLoss(a, p, q, {
      distanceFunction: (x, y) => {
        F.tripletMarginLoss(x, y, q);
        F.cosineEmbeddingLoss(x, y, signs(1, 9));
        return F.pairwiseDistance(x, y);
      },
    });
    expect(Object.is(nested, plain)).toBe(true);
    // And the built-in distance gives the same bits as the explicit pairwiseDistance function.
    expect(Object.is(F.tripletMarginWithDistanceLoss(a, p, q), plain)).toBe(true);
  });

  it('valueAndGrad (pooled per-row arrays) equals nn forward + backward bit for bit; gradients stay as returned', () => {
    const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
      a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));
    const losses = [
      { f: F.cosineEmbeddingLoss, m: () => new nn.CosineEmbeddingLoss({ margin: 0.1 }), o: { margin: 0.1 }, cos: true },
      { f: F.tripletMarginLoss, m: () => new nn.TripletMarginLoss({ swap: true }), o: { swap: true }, cos: false },
      { f: F.tripletMarginLoss, m: () => new nn.TripletMarginLoss({ p: 1 }), o: { p: 1 }, cos: false },
      {
        f: F.tripletMarginWithDistanceLoss,
        m: () => new nn.TripletMarginWithDistanceLoss({ margin: 0.5 }),
        o: { margin: 0.5 },
        cos: false,
      },
    ] as const;
    for (const { f, m, o, cos } of losses) {
      const held: { grads: ArrayLike<number>[]; copy: number[][] }[] = [];
      cases.forEach(([n, d], k) => {
        const a = rows(k + 1, n, d),
          b = rows(k + 2, n, d);
        const third: unknown = cos ? signs(k + 3, n) : rows(k + 3, n, d);
        const fused = (valueAndGrad(f as never) as (...x: unknown[]) => { value: number; grads: (Tensor | null)[] })(
          a,
          b,
          third,
          o,
        );
        const mod = m() as unknown as { forward(...x: unknown[]): number; backward(): (Tensor | null)[] };
        const value = mod.forward(a, b, third);
        const grads = mod.backward();
        expect(Object.is(fused.value, value)).toBe(true);
        for (const i of [0, 1])
          expect(sameBits(fused.grads[i]!.data as Float32Array, grads[i]!.data as Float32Array)).toBe(true);
        const gs = [fused.grads[0]!.data, fused.grads[1]!.data] as ArrayLike<number>[];
        held.push({ grads: gs, copy: gs.map((g) => Array.from(g)) });
      });
      // Later calls (above) reused the pool: the gradients handed out before are unchanged.
      for (const h of held) {
        h.grads.forEach((g, i) => {
          expect(sameBits(g, h.copy[i])).toBe(true);
        });
      }
    }
  });
});
