// Reference of assembly/elementwise/terms/margin_ranking.ts (MarginRankingLoss) for input1 = a, input2 = b,
// target y = c and margin m = p (rounded to the input's precision first):
//   u = (−y)·(a − b) + m,   ℓ = u < 0 ? 0 : u
//   gu = u ≥ 0 ? s : 0;     ∂·s: a gu·(−y), b −(gu·(−y)), y −(gu·(a − b))    (scaledGrad: the mask selects s)
// Interface: test/helpers/term-reference.ts.
import type { ScaledGradFn, TermReference } from '../helpers/term-reference.js';
import { mixedValue, sprinkle } from '../helpers/term-reference.js';

const f = Math.fround;
const id = (x: number) => x;

function scaled(r: (x: number) => number): ScaledGradFn {
  return (which, a, b, y, s, m) => {
    const u = r(r(-y * r(a - b)) + m);
    const gu = u >= 0 ? s : 0;
    return which === 0 ? r(gu * -y) : which === 1 ? -r(gu * -y) : -r(gu * r(a - b));
  };
}

const s64 = scaled(id),
  s32 = scaled(f);

export const reference: TermReference = {
  term: 'margin_ranking',
  operands: 3,
  wide: false,
  float32Blocks: true,
  params: [
    { p: 0, q: 0, label: 'margin 0 (default)' },
    { p: 0.7, q: 0, label: 'margin 0.7 (not a float32)' },
    { p: -0.5, q: 3, label: 'margin −0.5, q ignored' },
  ],
  value64: (a, b, y, m) => {
    const u = -y * (a - b) + m;
    return u < 0 ? 0 : u;
  },
  value32: (a, b, y, m) => {
    const u = f(f(-y * f(a - b)) + m);
    return u < 0 ? 0 : u;
  },
  gradA64: (a, b, y, m) => s64(0, a, b, y, 1, m, 0),
  gradB64: (a, b, y, m) => s64(1, a, b, y, 1, m, 0),
  gradC64: (a, b, y, m) => s64(2, a, b, y, 1, m, 0),
  gradA32: (a, b, y, m) => s32(0, a, b, y, 1, m, 0),
  gradB32: (a, b, y, m) => s32(1, a, b, y, 1, m, 0),
  gradC32: (a, b, y, m) => s32(2, a, b, y, 1, m, 0),
  scaledGrad64: s64,
  scaledGrad32: s32,
  inputs(n, _dtype, _params, rng) {
    // Ties a = b (u = m: with m = 0 exactly the clamp's boundary, which passes the gradient), ±0, targets ±1 and
    // others (0, 2, −0.5), and in the edge vectors NaN and ±Inf in every operand.
    const a = sprinkle(n, () => mixedValue(rng), [1, 0, -0, 2.5, 0.25]);
    const b = sprinkle(n, () => mixedValue(rng), [1, 0, 0, -1, 0.25]);
    const y = sprinkle(n, () => (rng() < 0.5 ? 1 : -1), [1, -1, 0, 2, -0.5, -1]);
    const ea = sprinkle(n, () => mixedValue(rng), [NaN, Infinity, -Infinity, 1, Infinity, 0]);
    const eb = sprinkle(n, () => mixedValue(rng), [0, 0, 1, NaN, Infinity, 0]);
    const ey = sprinkle(n, () => (rng() < 0.5 ? 1 : -1), [1, -1, 1, -1, 1, NaN, Infinity]);
    return [
      { name: 'finite', a, b, c: y },
      { name: 'edge', a: ea, b: eb, c: ey },
    ];
  },
};
