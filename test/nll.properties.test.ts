// NLLLoss invariants (fast-check), independent of the PyTorch fixtures: NLL of a log-softmax is CrossEntropy
// (values and, through the log-softmax's Jacobian, gradients), 'mean' is 'sum' over the kept targets' weights, the
// gradient is −w_t·G at each kept target and zero elsewhere, and every target encoding gives the same bits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alloc, F, nn, tensor, valueAndGrad } from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { rng as mulberry } from '../bench/lib/data.js';

/** An (N, C, d) problem: logits, targets (some ignored), and class weights, all float64. */
const problems = fc
  .record({
    n: fc.integer({ min: 1, max: 7 }),
    c: fc.integer({ min: 1, max: 9 }),
    d: fc.integer({ min: 1, max: 3 }),
    seed: fc.integer({ min: 0, max: 1e6 }),
    weighted: fc.boolean(),
    spatial: fc.boolean(),
  })
  .map(({ n, c, d, seed, weighted, spatial }) => {
    const inner = spatial ? d : 1;
    const r = mulberry(seed);
    const shape = spatial ? [n, c, d] : [n, c];
    const x = Float64Array.from({ length: n * c * inner }, () => (r() - 0.5) * 12);
    const t = BigInt64Array.from({ length: n * inner }, () => BigInt(r() < 0.15 ? -100 : Math.floor(r() * c)));
    const w = weighted ? Float64Array.from({ length: c }, () => 0.25 + r() * 2) : null;
    return { shape, n, c, inner, x, t, w, tShape: spatial ? [n, d] : [n] };
  });

/** log_softmax over the class dimension of [n, c, inner] (float64, from the definition). */
function logSoftmax(x: Float64Array, n: number, c: number, inner: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let o = 0; o < n; o++) {
    for (let j = 0; j < inner; j++) {
      let m = -Infinity;
      for (let k = 0; k < c; k++) m = Math.max(m, x[(o * c + k) * inner + j]);
      let s = 0;
      for (let k = 0; k < c; k++) s += Math.exp(x[(o * c + k) * inner + j] - m);
      const ls = Math.log(s);
      for (let k = 0; k < c; k++) out[(o * c + k) * inner + j] = x[(o * c + k) * inner + j] - m - ls;
    }
  }
  return out;
}

function near(a: number, b: number, rel: number): boolean {
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

describe('NLLLoss invariants', () => {
  it('NLL of log_softmax(x) equals CrossEntropy of x (values, every reduction, weights, ignored targets)', () => {
    fc.assert(
      fc.property(problems, (p) => {
        const x = tensor(p.x, { shape: p.shape });
        const lp = tensor(logSoftmax(p.x, p.n, p.c, p.inner), { shape: p.shape });
        const t = tensor(p.t, { shape: p.tShape });
        for (const reduction of ['mean', 'sum'] as const) {
          const opts = { reduction, weight: p.w };
          const a = F.nllLoss(lp, t, opts),
            b = F.crossEntropy(x, t, opts);
          if (Number.isNaN(b)) expect(a).toBeNaN();
          else expect(near(a, b, 1e-12) || Math.abs(a - b) < 1e-13, `${reduction}: nll ${a}, ce ${b}`).toBe(true);
        }
        const a = F.nllLoss(lp, t, { reduction: 'none', weight: p.w }).data as Float64Array;
        const b = F.crossEntropy(x, t, { reduction: 'none', weight: p.w }).data as Float64Array;
        for (let i = 0; i < a.length; i++)
          expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(b[i])));
      }),
    );
  });

  it("NLL's gradient through log_softmax's Jacobian (g − softmax·Σg) equals CrossEntropy's gradient", () => {
    fc.assert(
      fc.property(problems, (p) => {
        const lpData = logSoftmax(p.x, p.n, p.c, p.inner);
        const t = tensor(p.t, { shape: p.tShape });
        const opts = { weight: p.w, reduction: 'sum' as const };
        const gNll = valueAndGrad(F.nllLoss)(tensor(lpData, { shape: p.shape }), t, opts).grads[0]!
          .data as Float64Array;
        const gCe = valueAndGrad(F.crossEntropy)(tensor(p.x, { shape: p.shape }), t, opts).grads[0]!
          .data as Float64Array;
        for (let o = 0; o < p.n; o++) {
          for (let j = 0; j < p.inner; j++) {
            let S = 0;
            for (let k = 0; k < p.c; k++) S += gNll[(o * p.c + k) * p.inner + j];
            for (let k = 0; k < p.c; k++) {
              const i = (o * p.c + k) * p.inner + j;
              const want = gNll[i] - Math.exp(lpData[i]) * S;
              expect(Math.abs(gCe[i] - want), `[${i}] ce ${gCe[i]}, via nll ${want}`).toBeLessThanOrEqual(
                1e-12 * (1 + Math.abs(S)),
              );
            }
          }
        }
      }),
    );
  });

  it("'mean' is 'sum' divided by Σ w_t over the kept targets; the gradient is −w_t·G/Σw at each kept target, 0 elsewhere", () => {
    fc.assert(
      fc.property(problems, fc.double({ min: -4, max: 4, noNaN: true }), (p, G) => {
        const x = tensor(p.x, { shape: p.shape });
        const t = tensor(p.t, { shape: p.tShape });
        let W = 0;
        for (const v of p.t) if (v !== -100n) W += p.w ? p.w[Number(v)] : 1;
        const sum = F.nllLoss(x, t, { reduction: 'sum', weight: p.w });
        const mean = F.nllLoss(x, t, { weight: p.w });
        if (W === 0) expect(mean).toBeNaN();
        else expect(near(mean, sum / W, 1e-15) || mean === sum / W).toBe(true);
        const m = new nn.NLLLoss({ weight: p.w });
        m.forward(x, t);
        const g = m.backward(G)[0]!.data as Float64Array;
        for (let o = 0; o < p.n; o++) {
          for (let j = 0; j < p.inner; j++) {
            const tv = p.t[o * p.inner + j];
            for (let k = 0; k < p.c; k++) {
              const v = g[(o * p.c + k) * p.inner + j];
              const want = tv !== -100n && Number(tv) === k ? -((p.w ? p.w[k] : 1) * (G / W)) : 0;
              if (W === 0 && want !== 0) expect(v).toBeNaN();
              else expect(Math.abs(v - want)).toBeLessThanOrEqual(1e-15 * Math.abs(want) + 1e-300); // G·(1/W) vs G/W: subnormal G rounds apart
            }
          }
        }
      }),
    );
  });

  it('gives the same bits for int64, int32, typed-array and plain-number targets, and for resident tensors', () => {
    fc.assert(
      fc.property(problems, (p) => {
        const x = tensor(Float32Array.from(p.x), { shape: p.shape });
        const t = tensor(p.t, { shape: p.tShape });
        const opts = { weight: p.w ? Float32Array.from(p.w) : null, reduction: 'none' as const };
        const want = [...F.nllLoss(x, t, opts).data];
        const ints = Array.from(p.t, Number);
        const shaped = (a: Int32Array | number[]): Tensor => tensor(Int32Array.from(a), { shape: p.tShape });
        expect([...F.nllLoss(x, shaped(ints), opts).data]).toEqual(want);
        const plain =
          p.tShape.length === 1
            ? ints
            : Array.from({ length: p.n }, (_, o) => ints.slice(o * p.inner, (o + 1) * p.inner));
        expect([...F.nllLoss(x, plain, opts).data]).toEqual(want);
        if (p.tShape.length === 1) {
          expect([...F.nllLoss(x, p.t, opts).data]).toEqual(want);
          expect([...F.nllLoss(x, Int32Array.from(ints), opts).data]).toEqual(want);
        }
        const xr = alloc(p.shape);
        (xr.data as Float32Array).set(x.data as Float32Array);
        const gr = alloc(p.shape);
        try {
          expect([...F.nllLoss(xr, t, opts).data]).toEqual(want);
          const ref = valueAndGrad(F.nllLoss)(x, t, { weight: opts.weight });
          const got = valueAndGrad(F.nllLoss, { into: [gr] })(xr, t, { weight: opts.weight });
          expect(got.value).toBe(ref.value);
          expect(got.grads[0]).toBe(gr);
          expect([...gr.data]).toEqual([...ref.grads[0]!.data]);
        } finally {
          xr.free();
          gr.free();
        }
      }),
    );
  });
});
