// Accuracy of assembly/math/softplus.ts in both test builds (maps and sweeps are test-only exports of
// assembly/testing/softplus.ts): the float32 log1p on [0, 1] and the softplus tail log1p(e^(−|x|)) for
// |x| ≤ 87.33 against the float64 log1p / exp (each < 1 float64 ulp, i.e. exact to ~2^-29 float32 ulps), over a
// dense sweep of their float32 domains (every float32 with SIMDLOSS_EXHAUSTIVE=1); and their TypeScript twins
// (test/helpers/math32.ts, used by the BCEWithLogits and SoftMargin references): bit for bit the kernel's. Also
// math/log_split.ts's absolute error (its twin is checked through KLDiv's kernels, test/elementwise-kernels.test.ts).
import { describe, expect, it } from 'vitest';
import { BUILDS, firstBitDifference, RawBuild, rng, uncalled } from './helpers/builds.js';
import { log1pUnit32, softplusTail32 } from './helpers/math32.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOf = (x: number): number => {
  f32[0] = x;
  return u32[0];
};
/** The bound the kernels' headers state (measured: log1p 0.895, tail 1.122 ulp over every float32). */
const BOUND = { log1p: 1, tail: 1.15 } as const;
const exhaustive = process.env.SIMDLOSS_EXHAUSTIVE === '1';

function mapOf(b: RawBuild, kernel: 'log1p_unit_f32_map' | 'softplus_tail_f32_map', xs: Float32Array): Float32Array {
  b.reset();
  const x = b.put(xs);
  const out = b.reserve(Float32Array, xs.length);
  b.k[kernel](x, out, xs.length);
  return b.read(Float32Array, out, xs.length);
}

describe.each(BUILDS)('softplus.ts, %s build', (name) => {
  const b = new RawBuild(name);

  it.each([
    ['log1p', 'log1p_unit_f32_max_ulp_error', 1],
    ['tail', 'softplus_tail_f32_max_ulp_error', 87.33654],
  ] as const)(
    `%s stays within its bound over ${exhaustive ? 'every float32' : 'a dense sweep of the float32s'} of its domain`,
    (which, kernel, top) => {
      const last = bitsOf(top);
      // Every float32 (exhaustive), or every float32 of the top binades and every 61st below (a prime stride).
      const dense = bitsOf(which === 'log1p' ? 0.25 : 0.5);
      const sweeps: Array<[first: number, count: number, stride: number]> = exhaustive
        ? [[0, last + 1, 1]]
        : [
            [dense, last - dense + 1, 1],
            [0, Math.floor(dense / 61), 61],
          ];
      let worst = 0;
      const CHUNK = 1 << 22;
      for (const [first, count, stride] of sweeps) {
        for (let done = 0; done < count; done += CHUNK) {
          const e = b.k[kernel](first + done * stride, Math.min(CHUNK, count - done), stride);
          expect(Number.isNaN(e)).toBe(false);
          worst = Math.max(worst, e);
        }
      }
      expect(worst).toBeLessThanOrEqual(BOUND[which]);
      expect(worst).toBeGreaterThan(0);
    },
    exhaustive ? 600_000 : 120_000,
  );

  // math/log_split.ts: the error depends on the mantissa only, so every float32 in [√2/2, √2) covers every m; a
  // sparse sweep over every binade checks that k·ln 2 adds nothing.
  it('the tighter split log (f²/2 and small in float64) stays within 0.05·2^-24 of log x (every mantissa, every binade)', () => {
    const lo = bitsOf(Math.SQRT1_2);
    const e = b.k.split_log_hf_f32_max_abs_error(lo, bitsOf(Math.SQRT2) - lo + 1, 1);
    const all = b.k.split_log_hf_f32_max_abs_error(
      bitsOf(2 ** -126),
      Math.floor((bitsOf(3.4e38) - bitsOf(2 ** -126)) / 997),
      997,
    );
    expect(Math.max(e, all)).toBeLessThanOrEqual(0.05);
    expect(e).toBeGreaterThan(0.03); // the sweep ran (measured 0.0458)
  });

  it('the float64-s split log (s, s² and Lg1·s² in float64) stays within 0.001·2^-24 of log x (every mantissa, every binade)', () => {
    const lo = bitsOf(Math.SQRT1_2);
    const e = b.k.split_log_div_f32_max_abs_error(lo, bitsOf(Math.SQRT2) - lo + 1, 1);
    const all = b.k.split_log_div_f32_max_abs_error(
      bitsOf(2 ** -126),
      Math.floor((bitsOf(3.4e38) - bitsOf(2 ** -126)) / 997),
      997,
    );
    expect(Math.max(e, all)).toBeLessThanOrEqual(0.001);
    expect(e).toBeGreaterThan(0.0004); // the sweep ran (measured 0.00064)
  });

  // math/softplus.ts's expSplitF4 (the tail's exp): hi + lo within 0.3·2^-24 relative of e^x on [−80, 88] (below
  // −80 its lo part underflows: up to 1·2^-24 there, measured 0.996).
  it('the split exp hi + lo stays within 0.3·2^-24 relative of e^x on [−80, 88] (every 61st float32)', () => {
    let worst = 0;
    for (const [from, to] of [
      [0, 88],
      [-0, -80],
    ]) {
      const first = bitsOf(from);
      const count = Math.floor((bitsOf(to) - first) / 61) + 1;
      for (let done = 0; done < count; done += 1 << 22) {
        worst = Math.max(
          worst,
          b.k.split_exp_f32_max_rel_error(first + done * 61, Math.min(1 << 22, count - done), 61),
        );
      }
    }
    expect(worst).toBeLessThanOrEqual(0.3);
    expect(worst).toBeGreaterThan(0.1);
  });

  it('log1p is exact at 0 and 1 and keeps tiny arguments, NaN stays NaN', () => {
    const got = mapOf(b, 'log1p_unit_f32_map', new Float32Array([0, 1, 2 ** -30, 2 ** -149, NaN]));
    expect(Array.from(got.subarray(0, 4))).toEqual([0, Math.fround(Math.LN2), 2 ** -30, 2 ** -149]);
    expect(Number.isNaN(got[4])).toBe(true);
  });

  it('the TypeScript twins give the bits of the kernels (lanes and tails)', () => {
    const r = rng(31);
    const ts = new Float32Array(100_003);
    const xs = new Float32Array(100_003);
    for (let i = 0; i < ts.length; i++) {
      ts[i] = i % 3 === 0 ? r() : 2 ** (-r() * 150);
      xs[i] = (i % 2 ? -1 : 1) * (i % 3 === 0 ? r() * 87.33 : r() * 4);
    }
    const gotL = mapOf(b, 'log1p_unit_f32_map', ts);
    const i = firstBitDifference(gotL, ts.map(log1pUnit32));
    expect(i, i < 0 ? '' : `log1p(${ts[i]})`).toBe(-1);
    const gotT = mapOf(b, 'softplus_tail_f32_map', xs);
    const j = firstBitDifference(gotT, xs.map(softplusTail32));
    expect(j, j < 0 ? '' : `tail(${xs[j]})`).toBe(-1);
  });
});

describe('coverage', () => {
  it('called every softplus export of the test builds', () => {
    expect(uncalled('softplus')).toEqual([]);
  });
});
