// TypeScript twins of the float32 polynomials of assembly/math/softplus.ts (log1p on [0, 1] and the softplus tail
// log1p(e^(−|x|))), each operation rounded with Math.fround in the kernel's order, so the references of the terms
// that use them (test/kernel-refs/) can be evaluated bit for bit. Held to two checks in test/log1p.test.ts:
// bit-identical to the kernel's maps over sweeps, and the kernel within its stated bound of the float64 value.
const f = Math.fround;

const SQRT2_F = f(Math.SQRT2);
const LN2_HI_F = f(6.9313812256e-1);
const LN2_LO_F = f(9.0580006145e-6);
const LG1_F = f(0.66666662693);
const LG2_F = f(0.40000972152);
const LG3_F = f(0.28498786688);
const LG4_F = f(0.24279078841);
const XMIN_M = f(-87.33654);
const LOG2E_M = f(1.44269504088896341);
const MAGIC_M = f(12583039.0);
const LN2_HI_M = f(0.693145751953125);
const LN2_LO_M = f(1.4286068e-6);
const Q0_M = f(0.4999999403953552);
const Q1_M = f(0.1666652113199234);
const Q2_M = f(0.04166838899254799);
const Q3_M = f(0.008368724025785923);
const Q4_M = f(0.0013814583653584123);

/**
 * musl logf's polynomial R(s) = t2 + t1 with z = s², w = z², t1 = w·(Lg2 + w·Lg4), t2 = z·(Lg1 + w·Lg3), each
 * operation rounded to float32 (assembly/math/log.ts, softplus.ts and log_split.ts evaluate it so).
 */
export function logPolyR32(s: number): number {
  const z = f(s * s);
  const w = f(z * z);
  return f(f(z * f(LG1_F + f(w * LG3_F))) + f(w * f(LG2_F + f(w * LG4_F))));
}

const f32s = new Float32Array(1);
const i32s = new Int32Array(f32s.buffer);

/** log1p(t + tlo) as softplus.ts's log1pSplitF1 computes it (t ∈ [0, 1] or NaN). */
function log1pSplit32(t: number, tlo: number): number {
  const u = f(1 + t);
  const c = f(f(t - f(u - 1)) + tlo);
  const hi = u >= SQRT2_F;
  const fm = hi ? f(f(0.5 * u) - 1) : f(u - 1);
  const k = hi ? 1 : 0;
  const s = f(fm / f(2 + fm));
  const R = logPolyR32(s);
  const hfsq = f(f(0.5 * fm) * fm);
  const r = f(f(f(1 - fm) + f(fm * fm)) * (hi ? 0.5 : 1));
  const small = f(f(f(c * r) - hfsq) + f(f(s * f(hfsq + R)) + f(k * LN2_LO_F)));
  return f(f(k * LN2_HI_F) + f(fm + small));
}

/** log1p(t) for t ∈ [0, 1] as softplus.ts's log1pUnitF1. */
export function log1pUnit32(t: number): number {
  return log1pSplit32(f(t), 0);
}

/** log1p(e^(−|x|)) for |x| ≤ 87.33 as softplus.ts's softplusTailF1 (the split exp, then log1p). */
export function softplusTail32(x: number): number {
  let a = f(-Math.abs(f(x)));
  a = a < XMIN_M ? XMIN_M : a;
  const kn = f(f(a * LOG2E_M) + MAGIC_M);
  f32s[0] = kn;
  i32s[0] = i32s[0] << 23;
  const scale = f32s[0];
  const n = f(kn - MAGIC_M);
  const r1 = f(a - f(n * LN2_HI_M));
  const nl = f(n * LN2_LO_M);
  const r = f(r1 - nl);
  const rlo = f(f(r1 - r) - nl);
  let q = f(f(Q4_M * r) + Q3_M);
  q = f(f(q * r) + Q2_M);
  q = f(f(q * r) + Q1_M);
  q = f(f(q * r) + Q0_M);
  const w = f(q * f(r * r));
  const v = f(r + w);
  const vlo = f(f(f(r - v) + w) + rlo);
  const p = f(1 + v);
  const plo = f(f(f(1 - p) + v) + vlo);
  return log1pSplit32(f(p * scale), f(plo * scale));
}

/** musl logf's reduction of a positive normal float32 t = 2^k·(1 + fm), and s = fm/(2 + fm) in float32. */
function logReduce32(t: number): { k: number; fm: number; s: number } {
  f32s[0] = t;
  const ix = (i32s[0] + (0x3f800000 - 0x3f3504f3)) | 0;
  const k = (ix >> 23) - 127;
  i32s[0] = ((ix & 0x007fffff) + 0x3f3504f3) | 0;
  const fm = f(f32s[0] - 1);
  return { k, fm, s: f(fm / f(2 + fm)) };
}

/**
 * log t of a positive normal float32 as assembly/math/log_split.ts's tighter join computes it (logJoinHf1):
 * s = f/(2 + f) and R = t2 + t1 in float32, then k·ln 2 + (f + (s·(h + R) − h)) in float64 with h = 0.5·f·f.
 */
export function logSplitHf32(t: number): number {
  const { k, fm, s } = logReduce32(t);
  const R = logPolyR32(s);
  const h = 0.5 * fm * fm;
  return k * 0.6931471805599453 + (fm + (s * (h + R) - h));
}

/**
 * log t of a positive normal float32 as assembly/math/log_split.ts's float64-s join computes it (logJoinDiv1): the
 * float32 s = f/(2 + f) only for rest = w·(Lg2 + w·Lg4) + z·(w·Lg3) in float32 (z = s², w = z²), then in float64
 * s = f/(2 + f), R = Lg1·(s·s) + rest and k·ln 2 + s·(2 + R).
 */
export function logSplitDiv32(t: number): number {
  const { k, fm, s } = logReduce32(t);
  const z = f(s * s);
  const w = f(z * z);
  const rest = f(f(w * f(LG2_F + f(w * LG4_F))) + f(z * f(w * LG3_F)));
  const sd = fm / (2 + fm);
  const R = LG1_F * (sd * sd) + rest;
  return k * 0.6931471805599453 + sd * (2 + R);
}
