// The accuracy claims of the float32 values of PoissonNLL (logInput) and GaussianNLL (assembly/elementwise/terms/
// poisson_nll.ts and gaussian_nll.ts): every element within 2 ulp (float32) of the float64 formula, checked densely
// in both test builds against Math.exp / Math.log (not the kernels' own polynomials), on grids that put many
// elements on both sides of each term's per-element switch to its float64 fallback (|ℓ| ≥ 2^-21·e^x, |ℓ| ≥ 0.03)
// and right at the cancellation. The truth is itself a float64 evaluation: its own rounding, up to a few 2^-53 of
// the magnitudes that cancel, is added to the allowance (it matters only where ℓ cancels to below 2^-28 of them).
// Bit-for-bit agreement with the references, lanes against tails, is test/elementwise-kernels.test.ts's job.
import { describe, expect, it } from 'vitest';
import { BUILDS, RawBuild, rng } from './helpers/builds.js';
import { ulp32 } from './helpers/ulp.js';

const f = Math.fround;
const HALF_LOG_2PI = 0.5 * 1.8378770664093453;

/** Runs `<term>_map_f32` of a build over float32 operands (c: null for a two-operand term). */
function map32(
  b: RawBuild,
  term: string,
  a: Float32Array,
  t: Float32Array,
  c: Float32Array | null,
  p: number,
  q: number,
) {
  b.reset();
  const pa = b.put(a);
  const pt = b.put(t);
  const pc = c ? b.put(c) : 0;
  const out = b.reserve(Float32Array, a.length);
  b.k[`${term}_map_f32`](pa, pt, pc, 0, out, a.length, p, q);
  return b.read(Float32Array, out, a.length);
}

interface Worst {
  ulps: number;
  at: string;
}

/** Records how far `got` is from `truth` in float32 ulps beyond the truth's own float64 uncertainty `slack`. */
function track(w: Worst, got: number, truth: number, slack: number, at: () => string): void {
  const err = Math.max(0, Math.abs(got - truth) - slack) / ulp32(truth);
  if (!(err <= w.ulps) || Number.isNaN(err)) {
    w.ulps = Number.isNaN(err) ? Infinity : err;
    w.at = at();
  }
}

for (const name of BUILDS) {
  describe(`float32 PoissonNLL and GaussianNLL values within 2 ulp of the float64 formula (${name} build)`, () => {
    const b = new RawBuild(name);

    it('poisson_nll_log: e^x − t·x on a dense grid of x, t near e^x/x (the cancellation) and t in [0, 8]', () => {
      const r = rng(41);
      const xs: number[] = [];
      const ts: number[] = [];
      // Near the cancellation: t = (e^x/x)·(1 + δ), δ spread over ±2^-14 … ±2^-26 and 0, so |ℓ| crosses 2^-21·e^x.
      for (let i = 0; i < 200_000; i++) {
        const x = f(0.02 + r() * 6);
        const delta = (r() < 0.5 ? -1 : 1) * 2 ** -(14 + r() * 12) * (i % 7 === 0 ? 0 : 1);
        xs.push(x);
        ts.push(f((Math.exp(x) / x) * (1 + delta)));
      }
      // Everywhere else: x over [−90, 90] (past the float32 path's |x| ≤ 88), counts and fractional targets.
      for (let i = 0; i < 200_000; i++) {
        xs.push(f(i % 3 === 0 ? (r() - 0.5) * 180 : (r() - 0.5) * 8));
        ts.push(f(i % 2 ? Math.floor(r() * 9) : r() * 8));
      }
      const x32 = Float32Array.from(xs);
      const t32 = Float32Array.from(ts);
      for (const full of [0, 1]) {
        const got = map32(b, 'poisson_nll_log', x32, t32, null, 1e-8, full);
        const w: Worst = { ulps: 0, at: '' };
        let fast = 0;
        for (let i = 0; i < x32.length; i++) {
          const x = x32[i],
            t = t32[i];
          const e = Math.exp(x);
          const st = full && t > 1 ? t * Math.log(t) - t + 0.5 * Math.log(2 * Math.PI * t) : 0;
          const truth = e - t * x + st;
          if (Math.abs(truth) > 3.4e38) continue; // overflows float32 (both give ±∞ or the float32 maximum)
          const slack =
            4 * 2 ** -53 * (e + Math.abs(t * x) + Math.abs(st) + (full && t > 1 ? Math.abs(t * Math.log(t)) : 0));
          if (Math.abs(x) <= 88 && Math.abs(truth) >= 2 ** -21 * e) fast++;
          track(w, got[i], truth, slack, () => `x ${x}, t ${t}, full ${full}: got ${got[i]}, truth ${truth}`);
        }
        expect(w.ulps, w.at).toBeLessThanOrEqual(2);
        expect(fast).toBeGreaterThan(x32.length / 2); // most elements took the float32 path
        // and, without the Stirling term (which moves ℓ away from the grid's cancellation), many the fallback
        if (!full) expect(fast).toBeLessThan(x32.length - 50_000);
      }
    });

    it('poisson_nll: x − t·log(x + eps) on a dense grid of rates, with t·log(x + eps) near x', () => {
      const r = rng(47);
      const xs: number[] = [];
      const ts: number[] = [];
      for (let i = 0; i < 400_000; i++) {
        // Rates over [1e-9, 1e3] (log-uniform), so x + eps ranges from eps-dominated to x-dominated.
        const x = f(10 ** (-9 + r() * 12));
        const L = Math.log(x + 1e-8);
        // Half near the cancellation (t·L = x·(1 + δ), |δ| up to 0.5), half counts and fractional targets.
        const t = i % 2 === 0 && L !== 0 ? f((x / L) * (1 + (r() - 0.5) * r() ** 3)) : f(r() * 8);
        xs.push(x);
        ts.push(t);
      }
      const x32 = Float32Array.from(xs);
      const t32 = Float32Array.from(ts);
      for (const eps of [1e-8, 0.5]) {
        const got = map32(b, 'poisson_nll', x32, t32, null, eps, 0);
        const w: Worst = { ulps: 0, at: '' };
        let fast = 0;
        for (let i = 0; i < x32.length; i++) {
          const x = x32[i],
            t = t32[i];
          const L = Math.log(x + eps);
          const truth = x - t * L;
          const slack = 4 * 2 ** -53 * (Math.abs(x) + Math.abs(t * L));
          if (Math.abs(truth) >= 0.06 * Math.abs(t) + 2 ** -26 * Math.abs(x)) fast++;
          track(w, got[i], truth, slack, () => `x ${x}, t ${t}, eps ${eps}: got ${got[i]}, truth ${truth}`);
        }
        expect(w.ulps, w.at).toBeLessThanOrEqual(2);
        expect(fast).toBeGreaterThan(x32.length / 2);
        // The grid cancels for eps = 1e-8 (its targets were drawn for it): many elements there fall back.
        if (eps === 1e-8) expect(fast).toBeLessThan(x32.length - 10_000);
      }
    });

    it('gaussian_nll: 0.5·(log v + (x − t)²/v) on a dense grid of v, with (x − t)² near −v·log v', () => {
      const r = rng(43);
      const xs: number[] = [];
      const ts: number[] = [];
      const vs: number[] = [];
      for (let i = 0; i < 400_000; i++) {
        // v over [1e-7, 1e4] (log-uniform), some clamped below eps = 1e-6.
        const v = f(10 ** (-7 + r() * 11));
        const x = f((r() - 0.5) * 8);
        let t: number;
        if (i % 2 === 0 && v < 1) {
          // The cancellation: d² = −v·log v·(1 + δ), |δ| up to 0.3, so |ℓ| crosses 0.03 (and 0).
          t = f(x - Math.sqrt(-v * Math.log(v) * (1 + (r() - 0.5) * 0.6 * r() ** 3)));
        } else {
          t = f(x + (r() - 0.5) * 2 * Math.sqrt(v) * 4);
        }
        xs.push(x);
        ts.push(t);
        vs.push(v);
      }
      const x32 = Float32Array.from(xs);
      const t32 = Float32Array.from(ts);
      const v32 = Float32Array.from(vs);
      const eps = 1e-6;
      for (const full of [0, 1]) {
        const got = map32(b, 'gaussian_nll', x32, t32, v32, eps, full);
        const w: Worst = { ulps: 0, at: '' };
        let fast = 0;
        for (let i = 0; i < x32.length; i++) {
          const V = Math.max(v32[i], eps);
          const d = x32[i] - t32[i];
          const L = Math.log(V),
            q = (d * d) / V;
          const truth = 0.5 * (L + q) + (full ? HALF_LOG_2PI : 0);
          const slack = 4 * 2 ** -53 * (Math.abs(L) + q + 1);
          if (v32[i] > eps && Math.abs(truth) >= 0.03) fast++;
          track(w, got[i], truth, slack, () => `x ${x32[i]}, t ${t32[i]}, v ${v32[i]}: got ${got[i]}, truth ${truth}`);
        }
        expect(w.ulps, w.at).toBeLessThanOrEqual(2);
        expect(fast).toBeGreaterThan(x32.length / 2);
        expect(fast).toBeLessThan(x32.length - 5_000);
      }
    });
  });
}
