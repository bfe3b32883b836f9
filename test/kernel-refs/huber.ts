// Reference of assembly/elementwise/terms/huber.ts (HuberLoss) with δ = p (rounded to the input's precision first):
// z = |a − b|, ℓ = z < δ ? (0.5·z)·z : δ·(z − 0.5·δ); ∂ℓ/∂a = slope(a − b), ∂ℓ/∂b = slope(b − a) with
// slope(d) = d ≤ −δ ? −δ : d ≥ δ ? δ : d. Interface: test/helpers/term-reference.ts.
import type { TermReference } from '../helpers/term-reference.js';
import { mixedValue, sprinkle } from '../helpers/term-reference.js';

const f = Math.fround;

function slope(d: number, delta: number): number {
  return d <= -delta ? -delta : d >= delta ? delta : d;
}

export const reference: TermReference = {
  term: 'huber',
  operands: 2,
  wide: false,
  // Never negative: float32 sums take float32 blocks (assembly/elementwise/driver.ts).
  float32Blocks: true,
  params: [
    { p: 1, q: 0, label: 'δ = 1 (default)' },
    { p: 0.7, q: 0, label: 'δ = 0.7 (not a float32)' },
    { p: 1e-3, q: 5, label: 'δ = 1e-3, q ignored' },
    { p: 1e30, q: 0, label: 'δ = 1e30 (0.5·z² overflows float32 first)' },
  ],
  value64: (a, b, _c, delta) => {
    const z = Math.abs(a - b);
    return z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta);
  },
  gradA64: (a, b, _c, delta) => slope(a - b, delta),
  gradB64: (a, b, _c, delta) => slope(b - a, delta),
  value32: (a, b, _c, delta) => {
    const z = Math.abs(f(a - b));
    return z < delta ? f(f(0.5 * z) * z) : f(delta * f(z - f(0.5 * delta)));
  },
  gradA32: (a, b, _c, delta) => slope(f(a - b), delta),
  gradB32: (a, b, _c, delta) => slope(f(b - a), delta),
  inputs(n, dtype, { p }, rng) {
    const delta = dtype === 'f32' ? f(p) : p;
    const near = (x: number) => (dtype === 'f32' ? f(x) : x);
    // Differences exactly ±δ (the branches' boundary), just inside, zero (with −0), and well outside.
    // Then differences at and below float32's smallest normal (0.5·z inexact there, z² underflowing) and float64's.
    const a = sprinkle(n, () => mixedValue(rng), [
      delta,
      -delta,
      near(delta * 0.999),
      0,
      -0,
      3 * delta + 1,
      0.5,
      2 ** -126,
      3 * 2 ** -127,
      2.9e-39,
      2 ** -149,
      1e-310,
    ]);
    const b = sprinkle(n, () => mixedValue(rng), [0, 0, 0, 0, 0, 0, 0.5, 0, 0, 0, -(2 ** -149), 0]);
    const ea = sprinkle(n, () => mixedValue(rng), [NaN, Infinity, -Infinity, 1, Infinity, NaN, 3e38, -3e38]);
    const eb = sprinkle(n, () => mixedValue(rng), [0, 0, 0, NaN, Infinity, NaN, -3e38, 3e38]);
    return [
      { name: 'finite', a, b },
      { name: 'edge', a: ea, b: eb },
    ];
  },
};
