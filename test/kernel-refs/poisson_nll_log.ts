// Reference of assembly/elementwise/terms/poisson_nll.ts's PoissonNllLog (PoissonNLLLoss, logInput), a wide term with
// scaledGrad, input x = a, target t = b, p = eps (unused), q = full:
//   ℓ = e^x − t·x [+ S(t) where t > 1 or NaN, S(t) = (t·log t − t) + 0.5·log(2π·t)]
//   ∂ℓ/∂x·s = s·e^x + (−s)·t
//   ∂ℓ/∂t·s = [full: (((m·log t + (−m)) + (m·t)/t) + ((m·0.5)/(2π·t))·2π), m = t <= 1 ? +0 : s] + (−s)·x
// exp and log are the kernel's (test/helpers/math64.ts). float32 values (narrowValue): for |x| ≤ 88,
// E − t·x [+ S(t)] in float64 with E the kernel's expLse (test/helpers/math64.ts), where |ℓ| ≥ 2^-21·E; elsewhere
// the float64 value; rounded once. Interface: test/helpers/term-reference.ts.
import { exp64, expLse64, log64 } from '../helpers/math64.js';
import type { TermInputs, TermReference } from '../helpers/term-reference.js';
import { mixedValue, sprinkle } from '../helpers/term-reference.js';

const TWO_PI = 2 * Math.PI;

export const stirling = (t: number): number => (t <= 1 ? 0 : t * log64(t) - t + 0.5 * log64(TWO_PI * t));

export function stirlingGrad(t: number, s: number): number {
  const m = t <= 1 ? 0 : s;
  return m * log64(t) + -m + (m * t) / t + ((m * 0.5) / (TWO_PI * t)) * TWO_PI;
}

/** Counts and fractional targets around the mask t > 1 (0, ±0, 1, just above 1, negative); non-finite values. */
export function poissonInputs(n: number, rng: () => number, rate: boolean): TermInputs[] {
  const draw = rate ? () => rng() * 6 : () => mixedValue(rng) % 20;
  const x = sprinkle(n, draw, rate ? [0, 1e-9, 1e-8, -1e-9, 2, 0.5] : [0, -0, 1, -1, 20, -20]);
  const t = sprinkle(n, () => Math.floor(rng() * 8), [0, 1, 1 + 2 ** -23, 1.5, -0.5, -0, 2, 100, 1e6, 0.25]);
  const ex = sprinkle(n, draw, [NaN, 1, Infinity, -Infinity, 2, 0]);
  const et = sprinkle(n, () => Math.floor(rng() * 8), [1, NaN, 2, 2, Infinity, -Infinity]);
  const inputs: TermInputs[] = [
    { name: 'finite', a: x, b: t },
    { name: 'edge', a: ex, b: et },
  ];
  if (rate) {
    // The rate's float32 values: x next to t·log(x + eps) (t = x/log x rounded, then ±0.01% … ±20%: the float64
    // fallback and the float32 lanes around |ℓ| = 0.06·|t|), rates whose x + eps is subnormal, zero or negative.
    const cx: number[] = [];
    const ct: number[] = [];
    for (let i = 0; i < n; i++) {
      const xi = Math.fround(i % 2 ? 0.05 + rng() * 0.9 : 1.1 + rng() * 5);
      const rel = [0, 1e-4, 0.05, 0.2][i % 4] * (rng() - 0.5);
      cx.push(i % 11 === 5 ? [1e-40, 0, -1e-8, -2, 3e38, 1e-30][i % 6] : xi);
      ct.push(Math.fround((xi / Math.log(xi)) * (1 + rel)));
    }
    inputs.push({ name: 'cancelling', a: cx, b: ct });
  } else {
    // logInput's float32 values: e^x next to t·x (t = e^x/x rounded, so ℓ ≈ 2^-24·e^x: the float64 fallback),
    // near it (ℓ just above and below 2^-21·e^x), and |x| around 88, where the float32 path ends.
    const cx: number[] = [];
    const ct: number[] = [];
    for (let i = 0; i < n; i++) {
      const xi = Math.fround(0.05 + rng() * 4);
      const k = i % 4;
      const rel = k === 0 ? 0 : k === 1 ? 2 ** -20 : k === 2 ? 2 ** -22 : (rng() - 0.5) * 0.3;
      cx.push(i % 9 === 4 ? [88, -88, 88.5, -88.5, 89, 100][i % 6] : xi);
      ct.push(Math.fround((Math.exp(xi) / xi) * (1 + rel)));
    }
    inputs.push({ name: 'cancelling', a: cx, b: ct });
  }
  return inputs;
}

export const PARAMS = [
  { p: 1e-8, q: 0, label: 'eps = 1e-8, full = false' },
  { p: 1e-8, q: 1, label: 'eps = 1e-8, full = true' },
  { p: 0.5, q: 1, label: 'eps = 0.5, full = true' },
];

function value64(x: number, t: number, _c: number, _eps: number, full: number): number {
  const l = exp64(x) - t * x;
  return full !== 0 ? l + stirling(t) : l;
}

export const reference: TermReference = {
  term: 'poisson_nll_log',
  operands: 2,
  wide: true,
  params: PARAMS,
  value64,
  value32: (x, t, _c, eps, full) => {
    if (Math.abs(x) <= 88) {
      const e = expLse64(x);
      const l = e - t * x;
      const lf = full !== 0 ? l + stirling(t) : l;
      if (Math.abs(lf) >= e * 2 ** -21) return Math.fround(lf);
    }
    return Math.fround(value64(x, t, 0, eps, full));
  },
  gradA64: (x, t) => exp64(x) - t,
  gradB64: (x, t, _c, _eps, full) => (full !== 0 ? stirlingGrad(t, 1) : 0) - x,
  scaledGrad64: (which, x, t, _c, s, _eps, full) => {
    if (which === 0) return s * exp64(x) + -s * t;
    if (which === 1) return full !== 0 ? stirlingGrad(t, s) + -s * x : -s * x;
    return 0;
  },
  inputs: (n, _dtype, _params, rng) => poissonInputs(n, rng, false),
};
