// Reference of assembly/elementwise/terms/soft_margin.ts (SoftMarginLoss), input x = a, target y = b (no gradient).
// float64: ℓ = log(1 + e^((−x)·y)); ∂ℓ/∂x·s = (−(y·z)/(1 + z))·s with z = e^((−y)·x), all in float64.
// float32: v = (−x)·y and e^v in float64; ℓ = 0 where float32(1 + float32(e^v)) is 1, +∞ where float32(e^v) is,
// else log1p(e^v), rounded once; the gradient with z = +∞ where float32(z) overflows, rounded once. exp, log and
// log1p are the kernel's (test/helpers/math64.ts). Except for targets ±1 with |v| ≤ 87.33: there the float32
// softplus, 0 for v ≤ −16.635532, else max(v, 0) + log1p(e^(−|v|)) added in float32 (the tail from
// test/helpers/math32.ts). Interface: test/helpers/term-reference.ts.
import { softplusTail32 } from '../helpers/math32.js';
import { exp64, log1p64, log64 } from '../helpers/math64.js';
import type { ScaledGradFn, TermReference } from '../helpers/term-reference.js';
import { mixedValue, sprinkle } from '../helpers/term-reference.js';

const f = Math.fround;

const grad64 = (x: number, y: number, s: number): number => {
  const z = exp64(-y * x);
  return (-(y * z) / (1 + z)) * s;
};

const scaledGrad64: ScaledGradFn = (which, x, y, _c, s) => (which === 0 ? grad64(x, y, s) : 0);

const scaledGrad32: ScaledGradFn = (which, x, y, _c, s) => {
  if (which !== 0) return 0;
  let z = exp64(-y * x);
  if (f(z) === Infinity) z = Infinity;
  return f((-(y * z) / (1 + z)) * s);
};

export const reference: TermReference = {
  term: 'soft_margin',
  operands: 2,
  wide: false,
  params: [
    { p: 0, q: 0, label: 'no parameters' },
    { p: NaN, q: -3, label: 'ignored p = NaN, q = −3' },
  ],
  value64: (x, y) => log64(1 + exp64(-x * y)),
  gradA64: (x, y) => grad64(x, y, 1),
  scaledGrad64,
  value32: (x, y) => {
    const v = f(-x * y);
    if (Math.abs(y) === 1 && Math.abs(v) <= f(87.33654)) {
      if (v <= f(-16.63553237915039)) return 0;
      const L = softplusTail32(v);
      return v > 0 ? f(v + L) : L;
    }
    const e = exp64(-x * y);
    const e32 = f(e);
    if (f(1 + e32) === 1) return 0;
    return e32 === Infinity ? Infinity : f(log1p64(e));
  },
  gradA32: (x, y) => scaledGrad32(0, x, y, 0, 1, 0, 0),
  scaledGrad32,
  inputs(n, _dtype, _params, rng) {
    const sign = (): number => (rng() < 0.5 ? -1 : 1);
    const x = sprinkle(
      n,
      () => mixedValue(rng),
      [0, -0, 16.6, 16.7, 17, 36.7, 37, -88.7, -89, 20, -20, 104, 16.635532, 16.63553237915039, 87.33654, -87.3366],
    );
    const y = sprinkle(n, sign, [1, 1, 1, 1, 1, 1, 1, 1, 1, -1, 0.5, 1, 1, 1, -1, -1]);
    // Overflow in both precisions (e^800), NaN and ±Inf, targets 0 and non-±1.
    const ex = sprinkle(n, () => mixedValue(rng), [NaN, 1, Infinity, -Infinity, -800, 800, 2, -710, 0]);
    const ey = sprinkle(n, sign, [1, NaN, 1, 1, 1, -1, 0, 1, Infinity]);
    return [
      { name: 'finite', a: x, b: y },
      { name: 'edge', a: ex, b: ey },
    ];
  },
};
