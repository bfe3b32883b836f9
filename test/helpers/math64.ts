// TypeScript twins of the float64 polynomials that elementwise terms call (log, log1p, exp), so that the terms'
// references can be evaluated bit for bit (test/kernel-refs/). Each twin is written from the algorithm its kernel
// header states and is held to two independent checks: bit-identical to the kernel's export over sweeps
// (test/log.test.ts for log64 and log1p64, test/exp.test.ts for exp64), and the kernel itself within its stated
// bound of Math.log / Math.log1p / Math.exp there. If a kernel's polynomial changes, those checks fail first and
// say which twin to update.
import { logPolyR32 } from './math32.js';

const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer); // little-endian: words[0] low, words[1] high

// fdlibm / musl `log` constants, as assembly/math/log.ts spells them.
const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const LG1 = 6.66666666666673513e-1;
const LG2 = 3.999999999940941908e-1;
const LG3 = 2.857142874366239149e-1;
const LG4 = 2.222219843214978396e-1;
const LG5 = 1.818357216161805012e-1;
const LG6 = 1.531383769920937332e-1;
const LG7 = 1.479819860511658591e-1;
const TWO54 = 18014398509481984.0;
const MIN_NORMAL64 = 2.2250738585072014e-308;
/** musl's 0x3ff00000 − 0x3fe6a09e: added to the high word, it carries into the exponent exactly when m ≥ √2. */
const HIGH_SHIFT = 0x3ff00000 - 0x3fe6a09e;
const HIGH_MBASE = 0x3fe6a09e;

/**
 * log x as assembly/math/log.ts's `log_f64` computes it (fdlibm's reduction x = 2^k·m, m ∈ [√2/2, √2), f = m − 1,
 * s = f/(2 + f), the R(z) polynomial), with its specials: log ±0 = −∞, log of a negative number NaN, log +∞ = +∞.
 */
export function log64(x: number): number {
  if (!(x > 0 && x < Infinity)) return x === 0 ? -Infinity : x < 0 ? NaN : x;
  let kAdjust = 0;
  let xs = x;
  if (x < MIN_NORMAL64) {
    xs = x * TWO54;
    kAdjust = -54;
  }
  scratch[0] = xs;
  // The kernel adds SHIFT64 = HIGH_SHIFT << 32 to the 64-bit pattern: only the high word changes.
  const high = words[1] + HIGH_SHIFT;
  const k = (high >>> 20) - 1023 + kAdjust;
  words[1] = (high & 0x000fffff) + HIGH_MBASE;
  const f = scratch[0] - 1.0;
  const hfsq = 0.5 * f * f;
  const s = f / (2.0 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const r = t2 + t1;
  let y = s * (hfsq + r);
  y = y + k * LN2_LO;
  y = y - hfsq;
  y = y + f;
  return y + k * LN2_HI;
}

/**
 * log(1 + t) as assembly/math/log.ts's `log1p_f64` computes it: u = 1 + t, c = t − (u − 1) (the rounding error of
 * 1 + t), log64(u) + c/u where c carries information (c ≠ 0 and t ≠ +∞; else + 0), and ±0 passed through.
 */
export function log1p64(t: number): number {
  const u = 1.0 + t;
  const c = t - (u - 1.0);
  const corr = c !== 0 && t !== Infinity ? c / u : 0.0;
  return t === 0 ? t : log64(u) + corr;
}

// assembly/math/exp.ts's float64 constants (fdlibm's ln2 split; 1/k! for the degree-13 Taylor polynomial).
const LOG2E = 1.4426950408889634;
const EXP_LN2_HI = 6.9314718036912381649e-1;
const EXP_LN2_LO = 1.90821492927058770002e-10;
const EXP_XMIN = -1100;
const EXP_XMAX = 710;
const SHIFT = 6755399441055744.0; // 1.5·2^52
const TAYLOR = [6227020800, 479001600, 39916800, 3628800, 362880, 40320, 5040, 720, 120, 24, 6].map((k) => 1.0 / k);

/**
 * e^x as assembly/math/exp.ts's `exp1` computes it: x clamped to [−1100, 710] (NaN kept), n = round(x·log2 e) by
 * the 1.5·2^52 shift, Cody–Waite r = (x − n·ln2_hi) − n·ln2_lo, p = 1 + r + r²·P(r) (Horner from 1/13! down to
 * 1/2), then p·2^(n>>1)·2^(n − (n>>1)) (two exact scales, so a subnormal result is rounded once).
 */
export function exp64(x: number): number {
  x = x < EXP_XMIN ? EXP_XMIN : x;
  x = EXP_XMAX < x ? EXP_XMAX : x;
  const kd = x * LOG2E + SHIFT;
  const n = kd - SHIFT;
  let r = x - n * EXP_LN2_HI;
  r = r - n * EXP_LN2_LO;
  let p = TAYLOR[0] * r + TAYLOR[1];
  for (let k = 2; k < TAYLOR.length; k++) p = p * r + TAYLOR[k];
  p = p * r + 0.5;
  p = p * (r * r) + r + 1.0;
  if (Number.isNaN(p)) return NaN; // the kernel's scales come from garbage bits then, but p carries the NaN
  const n1 = Math.floor(n / 2); // the kernel's arithmetic shift ni >> 1
  return p * 2 ** n1 * 2 ** (n - n1);
}

// float32 `log_f32` (assembly/math/log.ts): musl's logf reduction and polynomial, each operation rounded to float32.
const f32 = Math.fround;
const LN2_HI32 = f32(6.9313812256e-1);
const LN2_LO32 = f32(9.0580006145e-6);
const MIN_NORMAL32 = f32(1.17549435e-38);
const SHIFT32 = 0x3f800000 - 0x3f3504f3;
const f32s = new Float32Array(1);
const i32s = new Int32Array(f32s.buffer);

/**
 * log x of a float32 as assembly/math/log.ts's `log_f32` computes it (bit for bit: checked against the kernel in
 * test/elementwise-kernels.test.ts through BCE's float32 values), with its specials.
 */
export function log32(x: number): number {
  if (!(x > 0 && x < Infinity)) return x === 0 ? -Infinity : x < 0 ? NaN : x;
  let kAdjust = 0;
  let xs = x;
  if (x < MIN_NORMAL32) {
    xs = f32(x * 8388608);
    kAdjust = -23;
  }
  f32s[0] = xs;
  const ix = (i32s[0] + SHIFT32) | 0;
  const k = f32((ix >> 23) - 127 + kAdjust);
  i32s[0] = ((ix & 0x007fffff) + 0x3f3504f3) | 0;
  const f = f32(f32s[0] - 1);
  const s = f32(f / f32(2 + f));
  const r = logPolyR32(s);
  const hfsq = f32(f32(0.5 * f) * f);
  let y = f32(s * f32(hfsq + r));
  y = f32(y + f32(k * LN2_LO32));
  y = f32(y - hfsq);
  y = f32(y + f);
  return f32(y + f32(k * LN2_HI32));
}

// assembly/math/exp.ts's expLse constants.
const LSE = {
  XMIN: -708,
  LOG2E: 1.4426950408889634,
  SHIFT: 6755399441055744.0,
  LN2: 0.6931471805599453,
  E: [
    0.49999999999998324, 0.16666666666611546, 0.04166666666813667, 0.008333333370874215, 0.0013888888516195056,
    0.00019841185230026382, 2.480193173350701e-5, 2.7634993622839702e-6, 2.7476797528710693e-7,
  ],
};

/**
 * e^x as assembly/math/exp.ts's `expLse1` computes it, for x in [−708, 709] (finite, not NaN): x clamped below at
 * −708, n = round(x·log2 e) by the 1.5·2^52 shift, r = x − n·ln2 in one step, p = 1 + r + r²·P(r) with P by
 * Estrin's scheme, then p·2^n (the kernel adds n to p's exponent bits: the same number while it is normal).
 */
export function expLse64(x: number): number {
  const E = LSE.E;
  x = x < LSE.XMIN ? LSE.XMIN : x;
  const kd = x * LSE.LOG2E + LSE.SHIFT;
  const n = kd - LSE.SHIFT;
  const r = x - n * LSE.LN2;
  const r2 = r * r;
  const r4 = r2 * r2;
  const lo = E[0] + E[1] * r + r2 * (E[2] + E[3] * r);
  const hi = E[4] + E[5] * r + r2 * (E[6] + E[7] * r) + r4 * E[8];
  const P = lo + r4 * hi;
  const p = P * r2 + r + 1.0;
  return p * 2 ** n;
}
