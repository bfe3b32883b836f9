// MultiMarginLoss and MultiLabelMarginLoss invariants (fast-check), independent of the PyTorch fixtures: a single
// label's MultiLabelMargin is MultiMargin with p = 1, margin = 1; a label listed twice counts exactly twice; labels
// after the first −1 change nothing; a NaN score is dropped exactly like −∞; MultiMargin's p = 1 gradient rows sum
// to zero; a constant weight scales the loss; resident tensors give the same bits. Also PyTorch's answers for NaN
// and infinite margins, which the JSON fixtures cannot carry as options.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alloc, F, nn, tensor, valueAndGrad } from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { rng as mulberry } from '../bench/lib/data.js';

/** (N, C) scores in float64 (or float32) with one target per row. */
const rows = fc
  .record({
    n: fc.integer({ min: 1, max: 9 }),
    c: fc.integer({ min: 1, max: 40 }),
    seed: fc.integer({ min: 0, max: 1e6 }),
    f32: fc.boolean(),
  })
  .map(({ n, c, seed, f32 }) => {
    const r = mulberry(seed);
    const data = Float64Array.from({ length: n * c }, () => (r() - 0.5) * 6);
    const x = tensor(f32 ? Float32Array.from(data) : data, { shape: [n, c] });
    const y = Int32Array.from({ length: n }, () => Math.floor(r() * c));
    return { n, c, x, y, r };
  });

const same = (a: Tensor | null, b: Tensor | null): void => expect([...a!.data]).toEqual([...b!.data]);

describe('MultiMarginLoss and MultiLabelMarginLoss invariants', () => {
  it('MultiLabelMargin with one label per row equals MultiMargin (p 1, margin 1): values and gradients', () => {
    fc.assert(
      fc.property(rows, ({ n, c, x, y }) => {
        const labels = new Int32Array(n * c).fill(-1);
        for (let r = 0; r < n; r++) labels[r * c] = y[r];
        const t = tensor(labels, { shape: [n, c] });
        for (const reduction of ['mean', 'sum', 'none'] as const) {
          const a = valueAndGrad(F.multilabelMarginLoss, {
            gradOutput: reduction === 'none' ? tensor(new Float64Array(n).fill(0.5), { dtype: x.dtype }) : 0.5,
          })(x, t, { reduction });
          const b = valueAndGrad(F.multiMarginLoss, {
            gradOutput: reduction === 'none' ? tensor(new Float64Array(n).fill(0.5), { dtype: x.dtype }) : 0.5,
          })(x, y, { reduction });
          const va = typeof a.value === 'number' ? [a.value] : [...a.value.data];
          const vb = typeof b.value === 'number' ? [b.value] : [...b.value.data];
          // The same float64 terms, summed in another order: equal to a few float64 ulps before the one rounding.
          const tol = x.dtype === 'float32' ? 2 ** -23 : 1e-14;
          va.forEach((v, i) => {
            expect(Math.abs(Number(v) - Number(vb[i]))).toBeLessThanOrEqual(tol * Math.abs(Number(vb[i])) + 1e-300);
          });
          const ga = a.grads[0]!.data,
            gb = b.grads[0]!.data;
          for (let i = 0; i < ga.length; i++)
            expect(Math.abs(Number(ga[i]) - Number(gb[i]))).toBeLessThanOrEqual(tol * Math.abs(Number(gb[i])) + 1e-300);
        }
      }),
    );
  });

  it('a label listed twice counts exactly twice; values after the first −1 change nothing', () => {
    fc.assert(
      fc.property(rows, ({ n, c, x, y, r }) => {
        if (c < 3) return;
        const once = new Int32Array(n * c).fill(-1),
          twice = new Int32Array(n * c).fill(-1),
          after = new Int32Array(n * c);
        for (let i = 0; i < n; i++) {
          once[i * c] = y[i];
          twice[i * c] = y[i];
          twice[i * c + 1] = y[i];
          after[i * c] = y[i];
          after[i * c + 1] = -1;
          for (let k = 2; k < c; k++) after[i * c + k] = Math.floor(r() * c);
        }
        const t = (a: Int32Array): Tensor => tensor(a, { shape: [n, c] });
        const l1 = F.multilabelMarginLoss(x, t(once), { reduction: 'none' });
        const l2 = F.multilabelMarginLoss(x, t(twice), { reduction: 'none' });
        expect([...l2.data]).toEqual([...l1.data].map((v) => 2 * Number(v)));
        same(F.multilabelMarginLoss(x, t(after), { reduction: 'none' }), l1);
        const m = new nn.MultiLabelMarginLoss({ reduction: 'sum' });
        m.forward(x, t(once));
        const g1 = m.backward()[0]!;
        m.forward(x, t(after));
        same(m.backward()[0], g1);
      }),
    );
  });

  it('a NaN score is dropped exactly like −∞ (value and gradient), in both losses', () => {
    fc.assert(
      fc.property(rows, fc.nat(), ({ n, c, x, y }, k) => {
        if (c < 2) return;
        const i = k % (n * c);
        if (i % c === y[Math.floor(i / c)]) return; // not the target's own score (that drops its whole row)
        const withNaN = Float64Array.from(x.data as Float64Array),
          withInf = Float64Array.from(x.data as Float64Array);
        withNaN[i] = NaN;
        withInf[i] = -Infinity;
        const a = tensor(x.dtype === 'float32' ? Float32Array.from(withNaN) : withNaN, { shape: [n, c] });
        const b = tensor(x.dtype === 'float32' ? Float32Array.from(withInf) : withInf, { shape: [n, c] });
        for (const p of [1, 2]) {
          const ra = valueAndGrad(F.multiMarginLoss)(a, y, { p, reduction: 'sum' });
          const rb = valueAndGrad(F.multiMarginLoss)(b, y, { p, reduction: 'sum' });
          expect(ra.value).toBe(rb.value);
          same(ra.grads[0], rb.grads[0]);
        }
        const labels = new Int32Array(n * c).fill(-1);
        for (let r = 0; r < n; r++) labels[r * c] = y[r];
        const t = tensor(labels, { shape: [n, c] });
        expect(F.multilabelMarginLoss(a, t, { reduction: 'sum' })).toBe(
          F.multilabelMarginLoss(b, t, { reduction: 'sum' }),
        );
      }),
    );
  });

  it("MultiMargin's p = 1 gradient sums to zero over each row; a constant weight w scales loss and gradient by w", () => {
    fc.assert(
      fc.property(rows, fc.double({ min: 0.125, max: 8, noNaN: true }), ({ n, c, x, y }, w) => {
        if (x.dtype !== 'float64') return;
        const r1 = valueAndGrad(F.multiMarginLoss)(x, y, { reduction: 'sum' });
        const g = r1.grads[0]!.data as Float64Array;
        for (let r = 0; r < n; r++) {
          let s = 0,
            scale = 0;
          for (let k = 0; k < c; k++) {
            s += g[r * c + k];
            scale = Math.max(scale, Math.abs(g[r * c + k]));
          }
          expect(Math.abs(s)).toBeLessThanOrEqual(4 * c * scale * 2 ** -52);
        }
        const rw = valueAndGrad(F.multiMarginLoss)(x, y, { reduction: 'sum', weight: new Float64Array(c).fill(w) });
        expect(Math.abs(rw.value - w * r1.value)).toBeLessThanOrEqual(1e-14 * Math.abs(w * r1.value));
        const gw = rw.grads[0]!.data as Float64Array;
        for (let i = 0; i < g.length; i++)
          expect(Math.abs(gw[i] - w * g[i])).toBeLessThanOrEqual(1e-14 * Math.abs(w * g[i]));
      }),
    );
  });

  it('resident scores, targets and gradient destinations give the JS-memory bits (several row blocks)', () => {
    const r = mulberry(7);
    const n = 700,
      c = 9; // 6300 elements: four blocks of 227 rows
    const x = Float32Array.from({ length: n * c }, () => (r() - 0.5) * 4);
    const y = Int32Array.from({ length: n }, () => Math.floor(r() * c));
    const labels = Int32Array.from({ length: n * c }, (_, i) => (i % c < 2 ? Math.floor(r() * c) : -1));
    const xr = alloc([n, c]),
      yr = alloc([n], 'int32'),
      lr = alloc([n, c], 'int32'),
      gr = alloc([n, c]);
    (xr.data as Float32Array).set(x);
    (yr.data as Int32Array).set(y);
    (lr.data as Int32Array).set(labels);
    try {
      const xj = tensor(x, { shape: [n, c] });
      const up = tensor(Float32Array.from({ length: n }, (_, i) => (i % 5) - 2));
      for (const [fn, t, tr] of [
        [F.multiMarginLoss, y, yr],
        [F.multilabelMarginLoss, tensor(labels, { shape: [n, c] }), lr],
      ] as const) {
        const f = fn as typeof F.multiMarginLoss;
        expect(f(xr, tr, { reduction: 'sum' })).toBe(f(xj, t, { reduction: 'sum' }));
        same(f(xr, tr, { reduction: 'none' }), f(xj, t, { reduction: 'none' }));
        const want = valueAndGrad(f, { gradOutput: up })(xj, t, { reduction: 'none' });
        const got = valueAndGrad(f, { gradOutput: up, into: [gr] })(xr, tr, { reduction: 'none' });
        expect(got.grads[0]).toBe(gr);
        same(gr, want.grads[0]);
        const fused = valueAndGrad(f, { into: [gr] })(xr, tr);
        const plain = valueAndGrad(f)(xj, t);
        expect(fused.value).toBe(plain.value);
        same(gr, plain.grads[0]);
      }
    } finally {
      for (const t of [xr, yr, lr, gr]) t.free();
    }
  });
});

describe("MultiMarginLoss with NaN and infinite margins (PyTorch 1.13's answers)", () => {
  // /usr/bin/python3: x = [[0.5, -0.25, 1, 0], [2, 0.125, -1.5, 0.75], [0, 0, 0, 0]], y = [0, 3, 1];
  // F.multi_margin_loss(x, y, margin=m, reduction='none') and its gradient for grad_output [1, -2, 0.5], float32 and
  // float64 alike; and p=2 'mean' with the default gradient.
  const x = [
    [0.5, -0.25, 1, 0],
    [2, 0.125, -1.5, 0.75],
    [0, 0, 0, 0],
  ];
  const y = [0, 3, 1];
  const go = [1, -2, 0.5];
  for (const dtype of ['float32', 'float64'] as const) {
    const xt = (): Tensor => tensor(x, { dtype });
    it(`${dtype}: margin NaN and −∞ drop every term (loss 0, gradient 0·G with G's sign)`, () => {
      for (const margin of [NaN, -Infinity]) {
        const r = valueAndGrad(F.multiMarginLoss, { gradOutput: tensor(go, { dtype }) })(xt(), y, {
          margin,
          reduction: 'none',
        });
        expect([...r.value.data]).toEqual([0, 0, 0]);
        expect([...r.grads[0]!.data].map((v) => Object.is(v, -0))).toEqual(
          [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0].map(Boolean),
        );
        expect([...r.grads[0]!.data].every((v) => v === 0)).toBe(true);
        const m = valueAndGrad(F.multiMarginLoss)(xt(), y, { margin, p: 2 });
        expect(m.value).toBe(0);
        expect([...m.grads[0]!.data].every((v) => Object.is(v, 0))).toBe(true);
      }
    });
    it(`${dtype}: margin +∞ makes every loss +∞; p = 1's gradient stays finite, p = 2's is ±∞`, () => {
      const r = valueAndGrad(F.multiMarginLoss, { gradOutput: tensor(go, { dtype }) })(xt(), y, {
        margin: Infinity,
        reduction: 'none',
      });
      expect([...r.value.data]).toEqual([Infinity, Infinity, Infinity]);
      expect([...r.grads[0]!.data]).toEqual([
        -0.75, 0.25, 0.25, 0.25, -0.5, -0.5, -0.5, 1.5, 0.125, -0.375, 0.125, 0.125,
      ]);
      const m = valueAndGrad(F.multiMarginLoss)(xt(), y, { margin: Infinity, p: 2 });
      expect(m.value).toBe(Infinity);
      const I = Infinity;
      expect([...m.grads[0]!.data]).toEqual([-I, I, I, I, I, I, I, -I, I, -I, I, I]);
    });
  }
});
