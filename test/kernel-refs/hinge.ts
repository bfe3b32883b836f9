// Reference of assembly/elementwise/terms/hinge.ts (HingeEmbeddingLoss) for input x = a, target y = b and margin
// m = p (rounded to the input's precision first):
//   ℓ = where(y ≠ 1, max(m − x, 0), 0) + where(y ≠ −1, x, 0)     (any other y adds both terms)
//   ∂x·s = −(m − x ≥ 0 ? (y ≠ 1 ? s : 0) : 0) + (y ≠ −1 ? s : 0)  (scaledGrad: the masks select s); no ∂y
// Interface: test/helpers/term-reference.ts.
import type { ScaledGradFn, TermReference } from '../helpers/term-reference.js';
import { mixedValue, sprinkle } from '../helpers/term-reference.js';

const f = Math.fround;
const id = (x: number) => x;

function value(r: (x: number) => number) {
  return (x: number, y: number, _c: number, m: number): number => {
    let h = r(m - x);
    h = h < 0 ? 0 : h;
    return r((y !== 1 ? h : 0) + (y !== -1 ? x : 0));
  };
}

function scaled(r: (x: number) => number): ScaledGradFn {
  return (which, x, y, _c, s, m) => {
    if (which !== 0) return 0;
    const gm = y !== 1 ? s : 0;
    const gr = r(m - x) >= 0 ? gm : 0;
    return r(-gr + (y !== -1 ? s : 0));
  };
}

const s64 = scaled(id),
  s32 = scaled(f);

export const reference: TermReference = {
  term: 'hinge',
  operands: 2,
  wide: false,
  params: [
    { p: 1, q: 0, label: 'margin 1 (default)' },
    { p: 0, q: 0, label: 'margin 0' },
    { p: 0.7, q: 0, label: 'margin 0.7 (not a float32)' },
    { p: -1, q: 2, label: 'margin −1, q ignored' },
  ],
  value64: value(id),
  value32: value(f),
  gradA64: (x, y, c, m) => s64(0, x, y, c, 1, m, 0),
  gradA32: (x, y, c, m) => s32(0, x, y, c, 1, m, 0),
  scaledGrad64: s64,
  scaledGrad32: s32,
  inputs(n, dtype, { p }, rng) {
    const m = dtype === 'f32' ? f(p) : p;
    // x at the margin (m − x = 0: the clamp's boundary passes the gradient), ±0, beyond it; targets 1, −1 and the
    // 1.13 quirk's others (0, 2, 0.5, NaN); edge vectors with NaN and ±Inf inputs.
    const x = sprinkle(n, () => mixedValue(rng), [m, 0, -0, m + 1, m - 0.5, 3]);
    const y = sprinkle(n, () => (rng() < 0.5 ? 1 : -1), [1, -1, 0, 2, 0.5, NaN, -1]);
    const ex = sprinkle(n, () => mixedValue(rng), [NaN, Infinity, -Infinity, NaN, Infinity, -Infinity]);
    const ey = sprinkle(n, () => (rng() < 0.5 ? 1 : -1), [1, 1, 1, -1, -1, -1, 0]);
    return [
      { name: 'finite', a: x, b: y },
      { name: 'edge', a: ex, b: ey },
    ];
  },
};
