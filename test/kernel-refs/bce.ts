// Reference of assembly/elementwise/terms/bce.ts (BCELoss), a wide term with float32 values (narrowValue): its
// gradients of float32 inputs are computed in float64 and rounded once; its float32 value is value32: for y = +0
// or 1 one float32 log, −max(L, −100) + z (L = log x, or log1p(−x) as log u + c/u with u = fl32(1 − x), c its
// rounding error; z = −0 or +0); for other y in [0, 1] the two-log formula in float32 with that log1p; else the
// float64 formula rounded once. For x = a, y = b:
//   ℓ = (y − 1)·max(log(1 − x), −100) − y·max(log x, −100)
//   ∂ℓ/∂x = (x − y) / max((1 − x)·x, ε)   with ε = float32(1e-12)
//   ∂ℓ/∂y = log(1 − x) − log x
// max(v, m) is `v < m ? m : v`, so a NaN log stays NaN. log is the kernel's float64 log (test/helpers/math64.ts,
// checked against the kernel and Math.log in test/log.test.ts). Interface: test/helpers/term-reference.ts.
import { log32, log64 } from '../helpers/math64.js';
import type { TermReference } from '../helpers/term-reference.js';
import { sprinkle } from '../helpers/term-reference.js';

const EPSILON = Math.fround(1e-12);

function clampLog(v: number): number {
  const l = log64(v);
  return l < -100 ? -100 : l;
}

export const reference: TermReference = {
  term: 'bce',
  operands: 2,
  wide: true,
  params: [{ p: 0, q: 0, label: 'no parameters' }],
  value64: (x, y) => (y - 1) * clampLog(1 - x) - y * clampLog(x),
  value32: (x, y) => {
    const f = Math.fround;
    if (!(y >= 0 && y <= 1)) return f((y - 1) * clampLog(1 - x) - y * clampLog(x));
    const u = f(1 - x);
    const c = f(-x - f(u - 1));
    const a0 = f(log32(u) + (c !== 0 && x >= 2 ** -53 ? f(c / u) : 0));
    const a = a0 < -100 ? -100 : a0;
    const lb = log32(x);
    const b = lb < -100 ? -100 : lb;
    const one = y === 1,
      zero = y === 0 && !Object.is(y, -0);
    let r: number;
    if (one) r = f(-b + -0);
    else if (zero) r = f(-a + 0);
    else r = f(f(f(y - 1) * a) - f(y * b));
    return u < 0 || x < 0 ? NaN : r;
  },
  gradA64: (x, y) => {
    const d = (1 - x) * x;
    return (x - y) / (d < EPSILON ? EPSILON : d);
  },
  gradB64: (x) => log64(1 - x) - log64(x),
  inputs(n, dtype, _params, rng) {
    const tiny = dtype === 'f32' ? 1e-45 : 5e-324;
    const below1 = dtype === 'f32' ? 1 - 2 ** -24 : 1 - 2 ** -53;
    // Inputs in [0, 1]: exact 0 and 1 (the −100 clamp), −0 (inside), tiny, just below 1, ½ (∂ℓ/∂y = +0).
    const x = sprinkle(n, () => rng(), [0, 1, -0, tiny, below1, 0.5, 1e-30, 0, 1]);
    // Targets inside and outside [0, 1] (not checked, as in 1.13): hard 0/1, −0, soft, negative, above 1.
    const y = sprinkle(
      n,
      (i) => (i % 5 === 0 ? Math.round(rng()) : i % 5 === 2 ? (rng() - 0.3) * 4 : rng()),
      [0, 1, 1, 0, -0, 0.5, 2, -1, 0.25],
    );
    // The header's promises outside the domain: an input outside [0, 1] (NaN included) makes ℓ NaN; NaN and
    // ±Inf targets go through the formula.
    const ex = sprinkle(n, () => rng(), [NaN, 1.5, -1e-30, Infinity, -Infinity, 0.5, 0.5, 0.5, 0, 1]);
    const ey = sprinkle(n, () => rng(), [0, 1, 0, 1, 0, NaN, Infinity, -Infinity, Infinity, -Infinity]);
    return [
      { name: 'finite', a: x, b: y },
      { name: 'edge', a: ex, b: ey },
    ];
  },
};
