// GaussianNLL's certified float32 sums (assembly/elementwise/terms/gaussian_nll.ts, its header): the unweighted
// float32 sum without `full` takes blocks of 1024 elements from the call's element 0; a block it certifies is
// 0.5·(Σ log v + Σ d²·fl32(1/v)) in float64, within 2^-23·Σ|ℓ| of the float64 truth, and a block it refuses (a
// clamped, NaN or infinite element, or a block whose terms cancel) is the per-element path's sum of float32 values.
// Checked here against both formulas computed in JS, block by block, in the SIMD test build; the scalar build sums
// the float32 values throughout; and a chunked copy-in call gives the resident call's bits. Also the facade's scan
// for a negative var (src/losses/elementwise.ts firstNegative: sign bits first).
import { describe, expect, it } from 'vitest';
import { alloc, F, type Tensor } from '../src/index.js';
import { RawBuild, rng } from './helpers/builds.js';

const BLOCK = 1024;
const EPS = 1e-6;
const f = Math.fround;

/** The spacing of float32 values at |x| (the subnormal spacing below 2^-126). */
function ulp32(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

interface Data {
  x: Float32Array;
  t: Float32Array;
  v: Float32Array;
}

/** The bench's distribution: x, t ~ U(−2, 2), v ~ U(0.1, 2). */
function benchLike(n: number, seed: number): Data {
  const r = rng(seed);
  const x = new Float32Array(n),
    t = new Float32Array(n),
    v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = r() * 4 - 2;
    t[i] = r() * 4 - 2;
    v[i] = 0.1 + r() * 1.9;
  }
  return { x, t, v };
}

/** Elements [lo, hi) of d, copied. */
function sliceOf(d: Data, lo: number, hi: number): Data {
  return { x: d.x.slice(lo, hi), t: d.t.slice(lo, hi), v: d.v.slice(lo, hi) };
}

/** Σ over [lo, hi) with Neumaier's compensation, of term(i). */
function exactSum(lo: number, hi: number, term: (i: number) => number): { sum: number; abs: number } {
  let s = 0,
    c = 0,
    abs = 0,
    plain = 0;
  for (let i = lo; i < hi; i++) {
    const v = term(i);
    plain += v;
    abs += Math.abs(v);
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  return { sum: Number.isFinite(plain) ? s + c : plain, abs };
}

/** The float64 truth of block [lo, hi): Σ 0.5·(log v' + d²/v'), v' = max(v, eps). */
function truth(d: Data, lo: number, hi: number): { sum: number; abs: number } {
  return exactSum(lo, hi, (i) => {
    const V = Math.max(d.v[i], EPS);
    const e = d.x[i] - d.t[i];
    return 0.5 * (Math.log(V) + (e * e) / V);
  });
}

/** The certified formula of block [lo, hi): 0.5·(Σ log v + Σ d²·fl32(1/v)). */
function certifiedFormula(d: Data, lo: number, hi: number): number {
  return exactSum(lo, hi, (i) => {
    const e = d.x[i] - d.t[i];
    return 0.5 * (Math.log(d.v[i]) + e * e * f(1 / d.v[i]));
  }).sum;
}

class Kernels {
  readonly b: RawBuild;
  constructor(name: 'testing' | 'testing-scalar') {
    this.b = new RawBuild(name);
  }

  private stage(d: Data): [number, number, number] {
    this.b.reset();
    return [this.b.put(d.x), this.b.put(d.t), this.b.put(d.v)];
  }

  sum(d: Data): number {
    const [px, pt, pv] = this.stage(d);
    return this.b.k.gaussian_nll_sum_f32(px, pt, pv, 0, d.x.length, EPS, 0);
  }

  /** The per-element float32 values (the map kernel). */
  values(d: Data): Float32Array {
    const [px, pt, pv] = this.stage(d);
    const n = d.x.length;
    const out = this.b.reserve(Float32Array, n);
    this.b.k.gaussian_nll_map_f32(px, pt, pv, 0, out, n, EPS, 0);
    return this.b.read(Float32Array, out, n);
  }
}

/** Blocks of [0, n): [lo, hi) pairs. */
function blocksOf(n: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let lo = 0; lo < n; lo += BLOCK) out.push([lo, Math.min(n, lo + BLOCK)]);
  return out;
}

/** What the kernel must return when the blocks in `refused` are refused and the others certified. */
function expected(d: Data, values: Float32Array, refused: Set<number>): { sum: number; abs: number } {
  let sum = 0,
    abs = 0;
  blocksOf(d.x.length).forEach(([lo, hi], k) => {
    const tr = truth(d, lo, hi);
    abs += tr.abs;
    sum += refused.has(k) ? exactSum(lo, hi, (i) => values[i]).sum : certifiedFormula(d, lo, hi);
  });
  return { sum, abs };
}

describe('GaussianNLL certified float32 sums (SIMD build)', () => {
  const k = new Kernels('testing');

  for (const n of [3, 1000, 1024, 3 * BLOCK + 5, 4096, 10000]) {
    it(`bench-like data, n = ${n}: every block certified, within 2^-23·Σ|ℓ| of the float64 truth`, () => {
      const d = benchLike(n, n);
      const got = k.sum(d);
      const values = k.values(d);
      const want = expected(d, values, new Set());
      // The certified formula, not the float32 values' sum: the two differ by far more than this tolerance here.
      const tol = 1e-13 * want.abs;
      expect(Math.abs(got - want.sum)).toBeLessThanOrEqual(tol);
      const perElement = exactSum(0, n, (i) => values[i]).sum;
      expect(Math.abs(perElement - want.sum)).toBeGreaterThan(100 * tol);
      const tr = truth(d, 0, n);
      expect(Math.abs(got - tr.sum)).toBeLessThanOrEqual(2 ** -23 * tr.abs);
    });
  }

  it('refuses exactly the blocks with a clamped, NaN, infinite or overflowing element, summed by their float32 values', () => {
    const n = 6 * BLOCK + 100;
    const d = benchLike(n, 7);
    d.v[BLOCK + 17] = 1e-7; // below eps: clamped
    d.x[3 * BLOCK + 1000] = 2 ** 70; // d² overflows float32 (its float32 value is +inf): refused, though finite in float64
    d.v[4 * BLOCK + 3] = Number.POSITIVE_INFINITY; // ℓ = +inf there
    d.t[6 * BLOCK + 50] = Number.NaN; // the tail block
    const values = k.values(d);
    const got = k.sum(d);
    // With an infinite and a NaN term the whole sum is NaN; check the finite blocks one call at a time instead.
    expect(got).toBeNaN();
    for (const [lo, hi] of blocksOf(n)) {
      const part = sliceOf(d, lo, hi);
      const g = k.sum(part);
      const refused = lo === BLOCK || lo === 3 * BLOCK || lo === 4 * BLOCK || lo === 6 * BLOCK;
      if (refused) {
        const { sum: s, abs } = exactSum(lo, hi, (i) => values[i]);
        if (Number.isNaN(s)) expect(g, `block at ${lo}`).toBeNaN();
        else if (!Number.isFinite(s)) expect(g, `block at ${lo}`).toBe(s);
        else expect(Math.abs(g - s), `block at ${lo}`).toBeLessThanOrEqual(1e-13 * abs);
      } else {
        const want = certifiedFormula(part, 0, hi - lo);
        expect(Math.abs(g - want), `block at ${lo}`).toBeLessThanOrEqual(1e-13 * truth(part, 0, hi - lo).abs);
      }
    }
  });

  it('refuses a block whose terms cancel (log v ≈ −d²/v) and keeps the certified bound elsewhere', () => {
    const n = 3 * BLOCK;
    const d = benchLike(n, 11);
    // Block 1: v = 0.5 and d = √(−v·log v), so each ℓ is a rounding error away from 0.
    for (let i = BLOCK; i < 2 * BLOCK; i++) {
      d.v[i] = 0.5;
      d.x[i] = f(Math.sqrt(-0.5 * Math.log(0.5)));
      d.t[i] = 0;
    }
    const got = k.sum(d);
    const want = expected(d, k.values(d), new Set([1]));
    expect(Math.abs(got - want.sum)).toBeLessThanOrEqual(1e-13 * want.abs);
    // The certificate cannot hold there: the quadratic's bound alone, 0.5·2^-24·Σq, exceeds 2^-23·|S| ...
    const q = exactSum(BLOCK, 2 * BLOCK, (i) => (d.x[i] - d.t[i]) ** 2 / d.v[i]).sum;
    const s1 = truth(d, BLOCK, 2 * BLOCK);
    expect(0.5 * 2 ** -24 * q).toBeGreaterThan(2 ** -23 * Math.abs(s1.sum));
    // ... and the block alone is within the per-element allowance, Σ 2 ulp(ℓ), of the float64 truth.
    const part = sliceOf(d, BLOCK, 2 * BLOCK);
    const allowance = exactSum(BLOCK, 2 * BLOCK, (i) => {
      const e = d.x[i] - d.t[i];
      const l = 0.5 * (Math.log(d.v[i]) + (e * e) / d.v[i]);
      return 2 * ulp32(l);
    }).sum;
    expect(Math.abs(k.sum(part) - s1.sum)).toBeLessThanOrEqual(allowance);
  });
});

describe('GaussianNLL certified float32 sums elsewhere', () => {
  it('the scalar build sums the float32 values throughout', () => {
    const k = new Kernels('testing-scalar');
    const d = benchLike(5000, 3);
    const values = k.values(d);
    const want = exactSum(0, 5000, (i) => values[i]);
    expect(Math.abs(k.sum(d) - want.sum)).toBeLessThanOrEqual(5000 * 2 ** -53 * want.abs);
  });

  it('a chunked copy-in call gives the bits of the resident call (the same blocks, the same decisions)', () => {
    const n = 20000;
    const d = benchLike(n, 5);
    for (let i = 5000; i < 5100; i++) d.v[i] = 1e-7; // one refused block, inside the second 4096-element chunk
    const tensors: Tensor[] = [d.x, d.t, d.v].map((a) => {
      const r = alloc([n], 'float32');
      (r.data as Float32Array).set(a);
      return r;
    });
    try {
      for (const reduction of ['sum', 'mean'] as const) {
        const plain = F.gaussianNllLoss(d.x, d.t, d.v, { reduction });
        const resident = F.gaussianNllLoss(tensors[0], tensors[1], tensors[2], { reduction });
        expect(resident).toBe(plain);
      }
    } finally {
      for (const t of tensors) t.free();
    }
  });
});

describe("GaussianNLL's negative-var scan (sign bits first)", () => {
  const n = 37; // not a multiple of four: the tail loop too
  for (const Ctor of [Float32Array, Float64Array]) {
    const dtype = Ctor === Float32Array ? 'float32' : 'float64';
    it(`${dtype}: finds a negative var at every position, allows −0 and NaNs of either sign`, () => {
      const x = new Ctor(n).fill(0.5),
        t = new Ctor(n).fill(0.25);
      const v = new Ctor(n).fill(1);
      v[3] = -0;
      v[5] = Number.NaN;
      v[6] = -Number.NaN; // a NaN with its sign bit set (the engine may canonicalise it): not negative either way
      expect(() => F.gaussianNllLoss(x, t, v, { reduction: 'sum' })).not.toThrow();
      for (const at of [0, 1, 2, 4, 31, 32, 35, 36]) {
        const w = v.slice();
        w[at] = -0.25;
        expect(() => F.gaussianNllLoss(x, t, w), `at ${at}`).toThrow(
          new RangeError(`gaussianNllLoss: var must not be negative (got -0.25 at index ${at})`),
        );
      }
      // A view at an offset into a larger buffer: the scan reads the view's elements only.
      const big = new Ctor(n + 8).fill(-1);
      const view = big.subarray(4, 4 + n);
      view.fill(2);
      expect(() => F.gaussianNllLoss(x, t, view)).not.toThrow();
    });
  }
});
