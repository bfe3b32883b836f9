// Reference of assembly/elementwise/terms/smooth_l1.ts (SmoothL1Loss) with β = p (rounded to the input's
// precision first): z = |a − b|, ℓ = z < β ? ((0.5·z)·z)/β : z − 0.5·β; ∂ℓ/∂a = slope(a − b), ∂ℓ/∂b = slope(b − a)
// with slope(d) = d ≤ −β ? −1 : d ≥ β ? 1 : d/β (PyTorch's branch order: at d = 0 with β = 0 both are −1).
// Interface: test/helpers/term-reference.ts.
import type { TermReference } from '../helpers/term-reference.js';
import { mixedValue, sprinkle } from '../helpers/term-reference.js';

const f = Math.fround;

function slope64(d: number, beta: number): number {
  return d <= -beta ? -1 : d >= beta ? 1 : d / beta;
}

function slope32(d: number, beta: number): number {
  return d <= -beta ? -1 : d >= beta ? 1 : f(d / beta);
}

export const reference: TermReference = {
  term: 'smooth_l1',
  operands: 2,
  wide: false,
  // Never negative: float32 sums take float32 blocks (assembly/elementwise/driver.ts).
  float32Blocks: true,
  params: [
    { p: 1, q: 0, label: 'β = 1 (default)' },
    { p: 0.7, q: 0, label: 'β = 0.7 (not a float32)' },
    { p: 0, q: 0, label: 'β = 0 (L1)' },
    { p: 1e-3, q: 5, label: 'β = 1e-3, q ignored' },
    // Powers of two multiply by 1/β in the kernel (the same bits as dividing): q is replaced, not read.
    { p: 0.25, q: 7, label: 'β = 0.25 (a power of two), q ignored' },
    { p: 2 ** -126, q: 0, label: 'β = 2^-126 (smallest normal float32)' },
    { p: 2 ** 100, q: 0, label: 'β = 2^100' },
  ],
  value64: (a, b, _c, beta) => {
    const z = Math.abs(a - b);
    return z < beta ? (0.5 * z * z) / beta : z - 0.5 * beta;
  },
  gradA64: (a, b, _c, beta) => slope64(a - b, beta),
  gradB64: (a, b, _c, beta) => slope64(b - a, beta),
  value32: (a, b, _c, beta) => {
    const z = Math.abs(f(a - b));
    return z < beta ? f(f(f(0.5 * z) * z) / beta) : f(z - f(0.5 * beta));
  },
  gradA32: (a, b, _c, beta) => slope32(f(a - b), beta),
  gradB32: (a, b, _c, beta) => slope32(f(b - a), beta),
  inputs(n, dtype, { p }, rng) {
    const beta = dtype === 'f32' ? f(p) : p;
    const near = (x: number) => (dtype === 'f32' ? f(x) : x);
    // Differences exactly ±β (both branches' boundaries), just inside, zero (with −0), and well outside.
    // Then differences at and below float32's smallest normal (0.5·z inexact there, z² underflowing) and float64's.
    const a = sprinkle(n, () => mixedValue(rng), [
      beta,
      -beta,
      near(beta * 0.999),
      0,
      -0,
      3 * beta + 1,
      0.5,
      2 ** -126,
      3 * 2 ** -127,
      2.9e-39,
      2 ** -149,
      1e-310,
    ]);
    const b = sprinkle(n, () => mixedValue(rng), [0, 0, 0, 0, 0, 0, 0.5, 0, 0, 0, -(2 ** -149), 0]);
    const ea = sprinkle(n, () => mixedValue(rng), [NaN, Infinity, -Infinity, 1, Infinity, NaN]);
    const eb = sprinkle(n, () => mixedValue(rng), [0, 0, 0, NaN, Infinity, NaN]);
    return [
      { name: 'finite', a, b },
      { name: 'edge', a: ea, b: eb },
    ];
  },
};
