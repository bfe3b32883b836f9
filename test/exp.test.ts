// Accuracy of assembly/math/exp.ts in both test builds (SIMD and scalar; the maps and the sweep are test-only
// exports of assembly/testing/exp.ts). float32 exp: the wasm self-check `exp_f32_max_ulp_error` scans every
// float32 in [−104, −2^-10] (1.4e8 values, a few seconds) and every 61st one in (−2^-10, 0] against the float64
// exp, which is itself checked against V8's Math.exp (fdlibm, < 1 ulp) below; set SIMDLOSS_EXHAUSTIVE=1 to scan
// every float32 in [−104, 0] (1.1e9 values, about a minute per build). Samples are also compared with Math.exp
// directly, and the SIMD lanes, the scalar tails and the scalar build must agree bit for bit.
import { describe, expect, it } from 'vitest';
import { ulp32, ulp64 } from './helpers/ulp.js';
import { BUILDS, firstBitDifference, RawBuild, rng, uncalled } from './helpers/builds.js';
import { exp64, expLse64 } from './helpers/math64.js';

const EXHAUSTIVE = process.env.SIMDLOSS_EXHAUSTIVE === '1';

/** Bit pattern of a float32. */
function bitsOf(x: number): number {
  return new Uint32Array(new Float32Array([x]).buffer)[0];
}

/** Runs `exp_f32` or `exp_f64` of a build over `xs` and returns the results. */
function expOf(b: RawBuild, xs: Float32Array | Float64Array): Float32Array | Float64Array {
  b.reset();
  const src = b.put(xs);
  const ctor = xs.constructor as typeof Float32Array | typeof Float64Array;
  const dst = b.reserve(ctor as typeof Float64Array, xs.length);
  if (xs instanceof Float32Array) b.k.exp_f32(src, dst, xs.length);
  else b.k.exp_f64(src, dst, xs.length);
  return b.read(ctor as typeof Float64Array, dst, xs.length);
}

/** Runs `expm_f32` of a build over `xs`. */
function expmOf(b: RawBuild, xs: Float32Array): Float32Array {
  b.reset();
  const src = b.put(xs);
  const dst = b.reserve(Float32Array as unknown as Float64ArrayConstructor, xs.length);
  b.k.expm_f32(src, dst, xs.length);
  return b.read(Float32Array as unknown as Float64ArrayConstructor, dst, xs.length) as unknown as Float32Array;
}

/** Max error in ulps of the exact value over [first, last] bit patterns (inclusive), with a stride. */
function scan(b: RawBuild, first: number, last: number, stride: number): number {
  const block = 1 << 24;
  let worst = 0;
  for (let s = first; s <= last; s += block * stride) {
    const count = Math.min(block, Math.floor((last - s) / stride) + 1);
    worst = Math.max(worst, b.k.exp_f32_max_ulp_error(s >>> 0, count, stride));
  }
  return worst;
}

const SPECIAL32: Array<[number, number]> = [
  [0, 1],
  [-0, 1],
  [-Infinity, 0],
  [Infinity, Infinity],
  [-200, 0],
  [-110, 0],
  [100, Infinity],
];

for (const name of BUILDS) {
  describe(`exp_f32 (${name} build)`, () => {
    const b = new RawBuild(name);

    it(EXHAUSTIVE
      ? 'is within 2 ulp for every float32 in [−104, 0]'
      : 'is within 2 ulp on [−104, 0] (dense scan)', () => {
      const top = bitsOf(-(2 ** -10));
      const bottom = bitsOf(-104);
      const dense = scan(b, top, bottom, 1);
      const near0 = EXHAUSTIVE ? scan(b, bitsOf(-0), top, 1) : scan(b, bitsOf(-0), top, 61);
      expect(dense).toBeLessThanOrEqual(2);
      expect(near0).toBeLessThanOrEqual(2);
      // Measured when written: 0.98196… (at x = −81.39479); keep the header comment honest.
      expect(Math.max(dense, near0)).toBeLessThan(1);
    }, 300_000);

    it('agrees with Math.exp rounded to float32 within 2 ulp on random samples, at every length', () => {
      const r = rng(7);
      for (const n of [0, 1, 3, 4, 5, 15, 16, 17, 33, 1000, 65537]) {
        const xs = Float32Array.from({ length: n }, () => -r() * 104);
        const ys = expOf(b, xs);
        for (let i = 0; i < n; i++) {
          const e = Math.exp(xs[i]);
          if (Math.abs(ys[i] - e) > 2 * ulp32(e)) expect.fail(`exp(${xs[i]}) = ${ys[i]}, Math.exp ${e}`);
        }
      }
    });

    it('handles ±0, ±Inf, NaN, underflow and overflow', () => {
      const ys = expOf(b, Float32Array.from([...SPECIAL32.map(([x]) => x), NaN]));
      SPECIAL32.forEach(([x, want], i) => {
        expect(ys[i], `exp(${x})`).toBe(want);
      });
      expect(ys[SPECIAL32.length]).toBeNaN();
    });
  });

  describe(`expm_f32, the float32 log-sum-exp exp (${name} build)`, () => {
    const b = new RawBuild(name);
    const XMIN = Math.fround(-87.33654);

    it('is within 1 ulp for every float32 in [ln 2^-126, −2^-10] and on every 61st one in (−2^-10, 0]', () => {
      const top = bitsOf(-(2 ** -10));
      let worst = 0;
      for (let s = top; s <= bitsOf(XMIN); s += 1 << 24) {
        worst = Math.max(worst, b.k.expm_f32_max_ulp_error(s >>> 0, Math.min(1 << 24, bitsOf(XMIN) - s + 1), 1));
      }
      const near0 = b.k.expm_f32_max_ulp_error(bitsOf(-0) >>> 0, Math.floor((top - bitsOf(-0)) / 61) + 1, 61);
      // Measured when written: 0.954 ulp (assembly/math/exp.ts's header).
      expect(Math.max(worst, near0)).toBeLessThanOrEqual(1);
    }, 300_000);

    // expInRangeF4 is expMinusF4 without the clamp (expMinusF4 calls it), so the scan above covers its negative
    // half; CrossEntropy's one-pass gradient rows (assembly/rows/ce_fused.ts) also take it on (0, 88].
    it('without the clamp (expInRangeF4): within 1 ulp for every float32 in [2^-10, 88] and on every 61st one in (0, 2^-10)', () => {
      const low = bitsOf(2 ** -10);
      let worst = 0;
      for (let s = low; s <= bitsOf(88); s += 1 << 24) {
        worst = Math.max(worst, b.k.expr_f32_max_ulp_error(s >>> 0, Math.min(1 << 24, bitsOf(88) - s + 1), 1));
      }
      const near0 = b.k.expr_f32_max_ulp_error(bitsOf(0) >>> 0, Math.floor((low - bitsOf(0)) / 61) + 1, 61);
      // Measured when written: 0.969 ulp (assembly/math/exp.ts's header).
      expect(Math.max(worst, near0)).toBeLessThanOrEqual(1);
    }, 300_000);

    it('gives e^0 = 1 exactly, e^(ln 2^-126) below its domain (−Inf included), NaN for NaN; builds agree', () => {
      const r = rng(13);
      const xs = Float32Array.from([
        0,
        -0,
        -Infinity,
        -88,
        -200,
        XMIN,
        NaN,
        ...Array.from({ length: 1000 }, () => -r() * 90),
      ]);
      b.reset();
      const src = b.put(xs);
      const dst = b.reserve(Float32Array as unknown as Float64ArrayConstructor, xs.length);
      b.k.expm_f32(src, dst, xs.length);
      const ys = b.read(Float32Array as unknown as Float64ArrayConstructor, dst, xs.length);
      const floor = ys[5];
      expect([ys[0], ys[1]]).toEqual([1, 1]);
      expect(Math.abs(floor - Math.exp(XMIN))).toBeLessThanOrEqual(ulp32(Math.exp(XMIN)));
      expect([ys[2], ys[3], ys[4]]).toEqual([floor, floor, floor]);
      expect(ys[6]).toBeNaN();
      for (let i = 7; i < xs.length; i++) {
        const e = Math.exp(Math.max(xs[i], XMIN));
        if (Math.abs(ys[i] - e) > ulp32(e)) expect.fail(`expm(${xs[i]}) = ${ys[i]}, Math.exp ${e}`);
      }
      // Lanes and tails: the same element at every position of a vector gives the same bits.
      for (let k = 0; k < 5; k++) {
        const one = expmOf(b, xs.subarray(k, k + 9));
        const i = firstBitDifference(one, ys.subarray(k, k + 9));
        if (i >= 0) expect.fail(`expm at offset ${k}: lane and tail differ at ${i}`);
      }
    });
  });

  describe(`exp_diff_f32, e^(x − m) with x − m exact (${name} build)`, () => {
    const b = new RawBuild(name);
    const run = (xs: Float32Array, ms: Float32Array): Float32Array => {
      b.reset();
      const px = b.put(xs);
      const pm = b.put(ms);
      const dst = b.reserve(Float32Array as unknown as Float64ArrayConstructor, xs.length);
      b.k.exp_diff_f32(px, pm, dst, xs.length);
      return b.read(Float32Array as unknown as Float64ArrayConstructor, dst, xs.length) as unknown as Float32Array;
    };

    it('is within 1 ulp + 2^-25 relative of Math.exp(x − m), +0 below ln 2^-126 and for −Inf; builds agree', () => {
      const r = rng(17);
      const n = 100_000;
      const xs = new Float32Array(n + 6),
        ms = new Float32Array(n + 6);
      for (let i = 0; i < n; i++) {
        // Logits of mixed magnitudes, so fl32(x − m) is inexact for most pairs.
        const scale = [1, 8, 100, 1e4][i & 3];
        const a = Math.fround((r() - 0.5) * scale),
          c = Math.fround((r() - 0.5) * scale);
        xs[i] = Math.min(a, c);
        ms[i] = Math.max(a, c);
      }
      xs.set([3, -Infinity, -100, 0, 1e-30, NaN], n);
      ms.set([3, 2, 0, 90, 1e-30, 0], n);
      const ys = run(xs, ms);
      for (let i = 0; i < n; i++) {
        const d = xs[i] - ms[i];
        const e = Math.exp(d);
        const want = d < Math.fround(-87.33654) ? 0 : e;
        const tol = want === 0 ? 2 ** -126 : ulp32(e) + e * 2 ** -25;
        if (!(Math.abs(ys[i] - want) <= tol)) expect.fail(`e^(${xs[i]} − ${ms[i]}) = ${ys[i]}, Math.exp ${e}`);
      }
      expect(Array.from(ys.subarray(n))).toEqual([1, 0, 0, 0, 1, 0]);
      // Lanes and tails: the same pair at every position of a vector gives the same bits.
      for (let k = 0; k < 5; k++) {
        const one = run(xs.subarray(k, k + 9), ms.subarray(k, k + 9));
        const i = firstBitDifference(one, ys.subarray(k, k + 9));
        if (i >= 0) expect.fail(`exp_diff at offset ${k}: lane and tail differ at ${i}`);
      }
    });
  });

  describe(`exp_f64 (${name} build)`, () => {
    const b = new RawBuild(name);

    it('is within 1 ulp of Math.exp on random samples', () => {
      const r = rng(11);
      const ranges: Array<() => number> = [() => -r() * 745, () => -r(), () => (r() - 0.5) * 1400, () => -r() * 1e-5];
      for (const draw of ranges) {
        const xs = Float64Array.from({ length: 200_000 }, draw);
        const ys = expOf(b, xs);
        let worst = 0;
        for (let i = 0; i < xs.length; i++) {
          const e = Math.exp(xs[i]);
          if (ys[i] !== e) worst = Math.max(worst, Math.abs(ys[i] - e) / ulp64(e));
        }
        expect(worst).toBeLessThanOrEqual(1);
      }
    });

    it('exp64 (the reference of the terms that call exp1/exp2x, test/helpers/math64.ts) gives its bits', () => {
      const r = rng(31);
      const edges = [
        0,
        -0,
        -Infinity,
        Infinity,
        NaN,
        -750,
        710,
        709.78,
        -740,
        -1100,
        -1200,
        1e-300,
        -1e-300,
        88.7,
        -103.9,
      ];
      const xs = Float64Array.from([
        ...edges,
        ...Array.from({ length: 400_000 }, (_, i) => {
          const u = r();
          return i % 3 === 0 ? (u - 0.5) * 1500 : i % 3 === 1 ? (u - 0.5) * 60 : Math.fround((u - 0.5) * 240);
        }),
      ]);
      const got = expOf(b, xs) as Float64Array;
      const want = xs.map(exp64);
      const i = firstBitDifference(got, want);
      expect(i, i < 0 ? '' : `exp(${xs[i]}): kernel ${got[i]}, exp64 ${want[i]}`).toBe(-1);
    });

    it('handles ±0, ±Inf, NaN, subnormal results, underflow and overflow', () => {
      const xs = [0, -0, -Infinity, Infinity, -750, 710, -740, 709];
      const ys = expOf(b, Float64Array.from([...xs, NaN]));
      expect([...ys.slice(0, 4)]).toEqual([1, 1, 0, Infinity]);
      expect(ys[4]).toBe(0);
      expect(ys[5]).toBe(Infinity);
      expect(Math.abs(ys[6] - Math.exp(-740))).toBeLessThanOrEqual(2 ** -1074); // subnormal: rounded once
      expect(Math.abs(ys[7] - Math.exp(709)) / ulp64(Math.exp(709))).toBeLessThanOrEqual(1);
      expect(ys[8]).toBeNaN();
    });
  });
}

/** Runs `exp_lse_f64` (e^x for the log-sum-exp domain x ≤ 0) of a build over `xs`. */
function expLseOf(b: RawBuild, xs: Float64Array): Float64Array {
  b.reset();
  const src = b.put(xs);
  const dst = b.reserve(Float64Array, xs.length);
  b.k.exp_lse_f64(src, dst, xs.length);
  return b.read(Float64Array, dst, xs.length);
}

for (const name of BUILDS) {
  describe(`exp_lse_f64, CrossEntropy's e^(x − max) (${name} build)`, () => {
    const b = new RawBuild(name);

    it('is within e^x·(8·2^-53 + |x|·1.6e-16) of e^x on [−708, 0], at every length (the bound in exp.ts)', () => {
      const r = rng(13);
      const ranges: Array<() => number> = [() => -r() * 708, () => -r() * 20, () => -r(), () => -r() * 1e-5];
      for (const draw of ranges) {
        for (const n of [0, 1, 3, 4, 5, 15, 16, 17, 33, 1000, 65537]) {
          const xs = Float64Array.from({ length: n }, draw);
          const ys = expLseOf(b, xs);
          for (let i = 0; i < n; i++) {
            const e = Math.exp(xs[i]);
            // + 1 ulp: Math.exp itself is within 1 ulp of e^x.
            const bound = e * (8 * 2 ** -53 + Math.abs(xs[i]) * 1.6e-16) + ulp64(e);
            if (!(Math.abs(ys[i] - e) <= bound)) expect.fail(`exp_lse(${xs[i]}) = ${ys[i]}, Math.exp ${e}`);
          }
        }
      }
    });

    it('keeps that bound on [0, 88.8] too, where PoissonNLL takes its float32 values from it (elementwise/terms)', () => {
      const r = rng(19);
      for (const n of [0, 1, 3, 4, 5, 15, 16, 17, 33, 1000, 65537]) {
        const xs = Float64Array.from({ length: n }, (_, i) => (i % 2 ? Math.fround(r() * 88.8) : r() * 3));
        const ys = expLseOf(b, xs);
        for (let i = 0; i < n; i++) {
          const e = Math.exp(xs[i]);
          const bound = e * (8 * 2 ** -53 + Math.abs(xs[i]) * 1.6e-16) + ulp64(e);
          if (!(Math.abs(ys[i] - e) <= bound)) expect.fail(`exp_lse(${xs[i]}) = ${ys[i]}, Math.exp ${e}`);
        }
      }
      // Its TypeScript twin (test/helpers/math64.ts) gives the same bits, for x ∈ [−88, 88].
      const xs = Float64Array.from({ length: 100_003 }, () => Math.fround((r() - 0.5) * 176));
      const ys = expLseOf(b, xs);
      for (let i = 0; i < xs.length; i++) {
        if (!Object.is(ys[i], expLse64(xs[i]))) expect.fail(`exp_lse(${xs[i]}) = ${ys[i]}, twin ${expLse64(xs[i])}`);
      }
    });

    it('is within 4 ulp of Math.exp on [−1, 0] (measured 3; 13 on [−20, 0], the |x| term of the bound)', () => {
      const r = rng(17);
      const xs = Float64Array.from({ length: 200_000 }, () => -r());
      const ys = expLseOf(b, xs);
      let worst = 0;
      for (let i = 0; i < xs.length; i++) {
        const e = Math.exp(xs[i]);
        worst = Math.max(worst, Math.abs(ys[i] - e) / ulp64(e));
      }
      expect(worst).toBeLessThanOrEqual(4);
    });

    it('gives 1 at ±0 and e^−708 (negligible next to the max term 1) at and below −708, −Inf included', () => {
      const ys = expLseOf(b, Float64Array.from([0, -0, -708, -709, -1e6, -Infinity]));
      expect(ys[0]).toBe(1);
      expect(ys[1]).toBe(1);
      expect(Math.abs(ys[2] - Math.exp(-708))).toBeLessThanOrEqual(Math.exp(-708) * (8 * 2 ** -53 + 708 * 1.6e-16));
      expect([...ys.slice(3)]).toEqual([ys[2], ys[2], ys[2]]);
      // 1 + e^−708 == 1: a clamped term cannot change a sum that holds the max's own e^0.
      expect(1 + ys[2]).toBe(1);
    });
  });
}

describe('exp builds agree bit for bit', () => {
  it('SIMD lanes, scalar tails and the scalar build give the same float32 and float64 results (exp_lse too)', () => {
    const [simd, scalar] = BUILDS.map((n) => new RawBuild(n));
    const r = rng(3);
    const x32 = Float32Array.from({ length: 100_003 }, () => (r() - 0.9) * 120);
    const x64 = Float64Array.from({ length: 100_003 }, () => (r() - 0.9) * 800);
    expect(Buffer.from(expOf(simd, x32).buffer).equals(Buffer.from(expOf(scalar, x32).buffer))).toBe(true);
    expect(Buffer.from(expOf(simd, x64).buffer).equals(Buffer.from(expOf(scalar, x64).buffer))).toBe(true);
    const xl = Float64Array.from({ length: 100_003 }, () => -r() * 750);
    expect(Buffer.from(expLseOf(simd, xl).buffer).equals(Buffer.from(expLseOf(scalar, xl).buffer))).toBe(true);
    // A tail element equals the same value computed in a SIMD lane.
    const lane = expOf(simd, Float32Array.from([x32[5], x32[5], x32[5], x32[5], x32[5]]));
    expect(new Set(lane).size).toBe(1);
  });
});

describe('coverage', () => {
  it('called every exp export of the test builds', () => {
    expect(uncalled('exp')).toEqual([]);
  });
});
