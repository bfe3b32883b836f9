// Row statistics for softmax-based losses (CrossEntropy today; NLL, MultiMargin and CTC can share the layout):
// for each position, m = max_c x_c and s = Σ_c e^(x_c − m), in float64, so that log-softmax is (x − m) − log s and
// softmax is e^(x − m)/s. Pure functions of their arguments: no module state.
//
// Layout (all kernels in assembly/rows/): x holds [outer, C, inner] elements of T (f32 | f64), the class dimension
// in the middle: element (o, c, j) at index (o·C + c)·inner + j. A call visits the first `span` ≤ inner positions
// j of each of the `outer` slabs (span == inner for a whole tensor; the facade passes a smaller span to stream part
// of a large slab, and span must be 1 when inner is 1). Positions are numbered compactly, p = o·span + j, and
// P = outer·span. Statistics are stored structure-of-arrays: stats[p] = m_p, stats[P + p] = s_p (float64), so
// vector code reads m and s for neighbouring positions with one load each.
//
// NaN and ±Inf: a NaN logit makes m NaN; a +Inf logit makes m +Inf; a row of −Inf has m = −Inf. In each of these
// cases s is stored as NaN (PyTorch's x − m is NaN there), so every loss and gradient of that row is NaN, as in
// PyTorch; a −Inf logit in a finite row adds e^−Inf ≈ 0. Empty rows (C = 0) have m = −Inf and s = NaN.
//
// Precision: x − m of two promoted float32 values is exact; e^ is the float64 `expLse2x`/`expLse1` for arguments
// ≤ 0 (assembly/math/exp.ts: relative error ≤ 8·2^-53 + |x − m|·1.6e-16 per term; the max's own term is exactly
// 1), summed in float64. Lane layout: with inner == 1 a row is contiguous and the loops run over classes (f32: 4
// classes per v128, promoted to two f64x2 halves; f64: 2 per v128); rows of 4 … 256 float32 (2 … 256 float64)
// classes go two at a time through `rowPair`, which has no scalar tail (the last classes are re-read with the row's
// last full v128, the lanes already counted masked to −Inf). With inner > 1 the loops run over positions: one
// v128 holds one class at 4 (f32) or 2 (f64) neighbouring positions, loaded with stride inner·sizeof<T>. Every
// SIMD loop has a scalar tail; the scalar build runs the tails alone.
//
// Float32 rows of at least RAW_MIN_C classes (longer than rowPair's) whose logits all lie in [XMIN_M, 88] take one
// pass instead of rowMax + rowSumExp (`rowSumExpRaw`): s' = Σ e^(x_c) by `expInRangeF4` (x_c is the exact argument,
// ≤ 1 ulp, where rowSumExp rounds x − m first) in the same float32 blocks, min and max by pmin / pmax; then
// s = 1 + (s' − fl32(e^m))/e^m with e^m in float64 (expLse1), i.e. rowSumExp's sum with the max's exact 1 and the
// other terms at their own relative error, the blocks' rounding relative to the same block sums. Rows outside the
// domain or with a NaN are redone by the two passes. 1.16–1.3× on C = 1000 … 128000 rows
// (bench/experiments/kernel-ab.ts ce1000-f32-1e5:stats), for one float64 and one scalar float32 exp per row, hence
// the threshold.
import { expInRangeF4, expLse1, expLse2x, expMinusF1, expMinusF4 } from '../math/exp';
import { rawPass, sumFromRaw } from './one_pass';
import { hi64, hsum, lo64, vne, vpmax, vsplat } from '../lanes';
import { BLOCK32, flush32, KEEP32 } from './sum32';

/** Rows up to this many classes go through rowPair (two rows at a time); longer rows amortise per-row costs. */
const PAIR_MAX_C: i32 = 256;

/** Smallest row rowPair takes: one full v128 of classes. */
// @ts-ignore: decorator
@inline function pairMinC<T>(): i32 {
  return sizeof<T>() == 4 ? 4 : 2;
}

/** s, or NaN when m is NaN or ±Inf (expLse does not carry NaN; see the header). */
// @ts-ignore: decorator
@inline function finiteOr(m: f64, s: f64): f64 {
  return abs(m) < Infinity ? s : NaN;
}

/** max_c x_c of a contiguous row (NaN if any is NaN; −Inf for C = 0). Not inlined: once per row. */
export function rowMax<T>(p: usize, C: i32): T {
  let i = 0;
  let m = <T>-Infinity;
  if (ASC_FEATURE_SIMD) {
    // pmax (one maxps/maxpd) skips NaN lanes, where max costs about 8 instructions in V8 for its NaN rule; the
    // `nan` mask (cmpneq, or) restores it: the max of a row with a NaN is NaN.
    if (sizeof<T>() == 4) {
      if (C >= 4) {
        let v0 = f32x4.splat(-Infinity), v1 = v0, nan = i32x4.splat(0);
        for (; i + 8 <= C; i += 8) {
          const a = v128.load(p + (<usize>i << 2)), b = v128.load(p + (<usize>i << 2), 16);
          v0 = f32x4.pmax(v0, a);
          v1 = f32x4.pmax(v1, b);
          nan = v128.or(nan, v128.or(f32x4.ne(a, a), f32x4.ne(b, b)));
        }
        // The 0–7 classes left: the last four once or twice (max ignores repeats), not a scalar loop.
        if (i + 4 <= C) {
          const a = v128.load(p + (<usize>i << 2));
          v0 = f32x4.pmax(v0, a);
          nan = v128.or(nan, f32x4.ne(a, a));
        }
        if (C & 3) {
          const b = v128.load(p + (<usize>(C - 4) << 2));
          v1 = f32x4.pmax(v1, b);
          nan = v128.or(nan, f32x4.ne(b, b));
        }
        i = C;
        v0 = f32x4.pmax(v0, v1);
        v0 = f32x4.pmax(v0, i32x4.shuffle(v0, v0, 2, 3, 0, 1));
        m = <T>max<f32>(f32x4.extract_lane(v0, 0), f32x4.extract_lane(v0, 1));
        if (v128.any_true(nan)) m = <T>NaN;
      }
    } else {
      if (C >= 2) {
        let v0 = f64x2.splat(-Infinity), v1 = v0, nan = i64x2.splat(0);
        for (; i + 4 <= C; i += 4) {
          const a = v128.load(p + (<usize>i << 3)), b = v128.load(p + (<usize>i << 3), 16);
          v0 = f64x2.pmax(v0, a);
          v1 = f64x2.pmax(v1, b);
          nan = v128.or(nan, v128.or(f64x2.ne(a, a), f64x2.ne(b, b)));
        }
        if (i + 2 <= C) {
          const a = v128.load(p + (<usize>i << 3));
          v0 = f64x2.pmax(v0, a);
          nan = v128.or(nan, f64x2.ne(a, a));
        }
        if (C & 1) {
          const b = v128.load(p + (<usize>(C - 2) << 3));
          v1 = f64x2.pmax(v1, b);
          nan = v128.or(nan, f64x2.ne(b, b));
        }
        i = C;
        v0 = f64x2.pmax(v0, v1);
        m = <T>max<f64>(f64x2.extract_lane(v0, 0), f64x2.extract_lane(v0, 1));
        if (v128.any_true(nan)) m = <T>NaN;
      }
    }
  }
  for (; i < C; i++) m = max<T>(m, load<T>(p + (<usize>i * sizeof<T>())));
  return m;
}

/** Σ_c e^(x_c − m) of a contiguous row, accumulated in float64. Not inlined: once per row. */
function rowSumExp<T>(p: usize, C: i32, m: T): f64 {
  let i = 0;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    if (sizeof<T>() == 4) {
      // float32 lanes: d = fl32(x − m) and e^d by expMinusF4, four independent f32x4 accumulators over blocks of
      // BLOCK32 classes (each lane adds BLOCK32/16 terms, then the four are added), flushed to float64.
      const vm = f32x4.splat(<f32>m);
      const zero = f32x4.splat(0);
      let acc = f64x2.splat(0);
      while (i + 16 <= C) {
        const stop = min(C, i + BLOCK32);
        let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        for (; i + 16 <= stop; i += 16) {
          const q = p + (<usize>i << 2);
          a0 = f32x4.add(a0, expMinusF4(f32x4.sub(v128.load(q), vm)));
          a1 = f32x4.add(a1, expMinusF4(f32x4.sub(v128.load(q, 16), vm)));
          a2 = f32x4.add(a2, expMinusF4(f32x4.sub(v128.load(q, 32), vm)));
          a3 = f32x4.add(a3, expMinusF4(f32x4.sub(v128.load(q, 48), vm)));
        }
        acc = flush32(acc, f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
      }
      if (C >= 4) {
        // 0–15 classes left: whole vectors, then the row's last four with the lanes already counted masked off.
        let a0 = zero;
        for (; i + 4 <= C; i += 4) a0 = f32x4.add(a0, expMinusF4(f32x4.sub(v128.load(p + (<usize>i << 2)), vm)));
        if (i < C) {
          const e = expMinusF4(f32x4.sub(v128.load(p + (<usize>(C - 4) << 2)), vm));
          a0 = f32x4.add(a0, v128.and(e, v128.load(KEEP32 + (<usize>(4 - (C - i)) << 4))));
          i = C;
        }
        acc = flush32(acc, a0);
      }
      s = hsum(acc);
    } else {
      const vm = f64x2.splat(<f64>m);
      let a0 = f64x2.splat(0), a1 = a0;
      for (; i + 4 <= C; i += 4) {
        a0 = f64x2.add(a0, expLse2x(f64x2.sub(v128.load(p + (<usize>i << 3)), vm)));
        a1 = f64x2.add(a1, expLse2x(f64x2.sub(v128.load(p + (<usize>i << 3), 16), vm)));
      }
      for (; i + 2 <= C; i += 2) a0 = f64x2.add(a0, expLse2x(f64x2.sub(v128.load(p + (<usize>i << 3)), vm)));
      s = hsum(f64x2.add(a0, a1));
    }
  }
  for (; i < C; i++) s += expOf<T>(load<T>(p + (<usize>i * sizeof<T>())), m);
  return s;
}

/** Float32 rows longer than rowPair's of at least this many classes try `rowSumExpRaw` first. */
const RAW_MIN_C: i32 = 512;

/**
 * One pass over a float32 row whose logits all lie in [XMIN_M, XMAX_IN_RANGE]: s' = Σ_c e^(x_c) (`expInRangeF4`,
 * the exact argument; ≤ 1 ulp) in rowSumExp's float32 blocks, with the row's min and max by pmin / pmax. Returns
 * f64x2(s', m), or s' = NaN when the row leaves the domain (a NaN logit: pmin / pmax skip it, its e^ makes s'
 * NaN); softmaxStats turns it into (m, s) by one_pass.ts's sumFromRaw. SIMD build, C ≥ 16.
 */
// @ts-ignore: decorator
@inline function rowSumExpRaw(p: usize, C: i32): v128 {
  let i = 0;
  const zero = f32x4.splat(0);
  let acc = f64x2.splat(0);
  let lo0 = f32x4.splat(Infinity), lo1 = lo0, hi0 = f32x4.splat(-Infinity), hi1 = hi0;
  while (i + 16 <= C) {
    const stop = min(C, i + BLOCK32);
    let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    for (; i + 16 <= stop; i += 16) {
      const q = p + (<usize>i << 2);
      const x0 = v128.load(q), x1 = v128.load(q, 16), x2 = v128.load(q, 32), x3 = v128.load(q, 48);
      lo0 = f32x4.pmin(lo0, f32x4.pmin(x0, x1));
      lo1 = f32x4.pmin(lo1, f32x4.pmin(x2, x3));
      hi0 = f32x4.pmax(hi0, f32x4.pmax(x0, x1));
      hi1 = f32x4.pmax(hi1, f32x4.pmax(x2, x3));
      a0 = f32x4.add(a0, expInRangeF4(x0));
      a1 = f32x4.add(a1, expInRangeF4(x1));
      a2 = f32x4.add(a2, expInRangeF4(x2));
      a3 = f32x4.add(a3, expInRangeF4(x3));
    }
    acc = flush32(acc, f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  }
  let a0 = zero;
  for (; i + 4 <= C; i += 4) {
    const xv = v128.load(p + (<usize>i << 2));
    lo0 = f32x4.pmin(lo0, xv);
    hi0 = f32x4.pmax(hi0, xv);
    a0 = f32x4.add(a0, expInRangeF4(xv));
  }
  if (i < C) {
    const xv = v128.load(p + (<usize>(C - 4) << 2));
    lo1 = f32x4.pmin(lo1, xv);
    hi1 = f32x4.pmax(hi1, xv);
    a0 = f32x4.add(a0, v128.and(expInRangeF4(xv), v128.load(KEEP32 + (<usize>(4 - (C - i)) << 4))));
  }
  acc = flush32(acc, a0);
  return rawPass(hsum(acc), f32x4.pmin(lo0, lo1), f32x4.pmax(hi0, hi1));
}

/** e^(x − m) of one element as the row kernels compute it for T: float32 d and expMinusF1, or float64 expLse1. */
// @ts-ignore: decorator
@inline function expOf<T>(x: T, m: T): f64 {
  return sizeof<T>() == 4 ? <f64>expMinusF1(<f32>x - <f32>m) : expLse1(<f64>x - <f64>m);
}

/** Lane masks for the last, overlapping load of a row: TAIL_MASK + 32·k marks the first k f64 lanes as done. */
const TAIL_MASK: usize = memory.data<u64>([
  0, 0, 0, 0,
  0xFFFFFFFFFFFFFFFF, 0, 0, 0,
  0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF, 0, 0,
  0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF, 0,
], 16);

/** d, with −Inf in the lanes `mask` marks: e^−Inf becomes e^−708 (expLse's clamp), nothing next to the max's 1. */
// @ts-ignore: decorator
@inline function drop(d: v128, mask: v128): v128 {
  return v128.bitselect(f64x2.splat(-Infinity), d, mask);
}

/**
 * The maxima of two contiguous rows at p0 and p1 (C ≥ pairMinC<T>() classes; `last` is the byte offset of a row's
 * last full v128): pmax with NaN masks as in rowMax, so a row with a NaN gives NaN. Float32 rows: f32 lanes
 * [m0, m1, m0, m1] (`promote_low` gives them as f64); float64 rows: f64 lanes [m0, m1]. SIMD build only.
 */
// @ts-ignore: decorator
@inline function pairMax<T>(p0: usize, p1: usize, C: i32, last: usize): v128 {
  const L = pairMinC<T>(), size = <usize>sizeof<T>();
  let a = vsplat<T>(-Infinity), b = a, na = i64x2.splat(0), nb = na;
  let i = 0;
  for (; i + L <= C; i += L) {
    const x = v128.load(p0 + <usize>i * size), y = v128.load(p1 + <usize>i * size);
    a = vpmax<T>(a, x);
    b = vpmax<T>(b, y);
    na = v128.or(na, vne<T>(x, x));
    nb = v128.or(nb, vne<T>(y, y));
  }
  if (i < C) {
    const x = v128.load(p0 + last), y = v128.load(p1 + last);
    a = vpmax<T>(a, x);
    b = vpmax<T>(b, y);
    na = v128.or(na, vne<T>(x, x));
    nb = v128.or(nb, vne<T>(y, y));
  }
  if (sizeof<T>() == 4) {
    // [a0 ∨ a2, a1 ∨ a3, b0 ∨ b2, b1 ∨ b3], then lanes 0 and 2 hold the two maxima (and the two NaN flags).
    const u = f32x4.pmax(i32x4.shuffle(a, b, 0, 1, 4, 5), i32x4.shuffle(a, b, 2, 3, 6, 7));
    const mm = f32x4.pmax(u, i32x4.shuffle(u, u, 1, 0, 3, 2));
    const n = v128.or(i32x4.shuffle(na, nb, 0, 1, 4, 5), i32x4.shuffle(na, nb, 2, 3, 6, 7));
    const n2 = v128.or(n, i32x4.shuffle(n, n, 1, 0, 3, 2));
    return v128.bitselect(f32x4.splat(NaN), i32x4.shuffle(mm, mm, 0, 2, 0, 2), i32x4.shuffle(n2, n2, 0, 2, 0, 2));
  }
  const vm = f64x2.pmax(i64x2.shuffle(a, b, 0, 2), i64x2.shuffle(a, b, 1, 3));
  const n = v128.or(i64x2.shuffle(na, nb, 0, 2), i64x2.shuffle(na, nb, 1, 3));
  return v128.bitselect(f64x2.splat(NaN), vm, n);
}

/**
 * Stores a row pair's statistics: m0, m1 (vm) at mOut, mOut + 8 and s0, s1 at sOut, sOut + 8, where s_r is the
 * sum of the lanes of `sr` and becomes NaN where |m_r| is not < Inf (finiteOr on both lanes).
 */
// @ts-ignore: decorator
@inline function storePair(vm: v128, s0: v128, s1: v128, mOut: usize, sOut: usize): void {
  const s = f64x2.add(i64x2.shuffle(s0, s1, 0, 2), i64x2.shuffle(s0, s1, 1, 3));
  v128.store(mOut, vm);
  v128.store(sOut, v128.bitselect(s, f64x2.splat(NaN), f64x2.lt(f64x2.abs(vm), f64x2.splat(Infinity))));
}

/** The float64 rows' sums of a row pair (rowPair<f64>, rowPairWide<f64>): Σ e^(x − m) in float64 lanes, stored. */
// @ts-ignore: decorator
@inline function pairSumsF64(p0: usize, p1: usize, C: i32, last: usize, vm: v128, mOut: usize, sOut: usize): void {
  const m0 = i64x2.shuffle(vm, vm, 0, 0), m1 = i64x2.shuffle(vm, vm, 1, 1);
  let s0 = f64x2.splat(0), t0 = s0;
  let i = 0;
  for (; i + 2 <= C; i += 2) {
    s0 = f64x2.add(s0, expLse2x(f64x2.sub(v128.load(p0 + (<usize>i << 3)), m0)));
    t0 = f64x2.add(t0, expLse2x(f64x2.sub(v128.load(p1 + (<usize>i << 3)), m1)));
  }
  if (i < C) {
    const mask = v128.load(TAIL_MASK + 32);
    s0 = f64x2.add(s0, expLse2x(drop(f64x2.sub(v128.load(p0 + last), m0), mask)));
    t0 = f64x2.add(t0, expLse2x(drop(f64x2.sub(v128.load(p1 + last), m1), mask)));
  }
  storePair(vm, s0, t0, mOut, sOut);
}

/**
 * m and s of two contiguous rows at p0 and p1 together (C ≥ pairMinC<T>() classes), for small C where per-row
 * costs dominate: one horizontal reduction for both rows, no scalar tail, the two rows' dependency chains
 * interleaved. Stores m0, m1 at `mOut`, `mOut + 8` and s0, s1 (already `finiteOr`-ed) at `sOut`, `sOut + 8`.
 * SIMD build only.
 */
function rowPair<T>(p0: usize, p1: usize, C: i32, mOut: usize, sOut: usize): void {
  const last = <usize>(C - pairMinC<T>()) * <usize>sizeof<T>();
  if (sizeof<T>() != 4) {
    pairSumsF64(p0, p1, C, last, pairMax<T>(p0, p1, C, last), mOut, sOut);
    return;
  }
  // float32 lanes as rowSumExp: two f32x4 accumulators per row, flushed to float64 (s0, t0) every BLOCK32 classes.
  const mm = pairMax<T>(p0, p1, C, last);
  const vm = f64x2.promote_low_f32x4(mm);
  const m0 = i32x4.shuffle(mm, mm, 0, 0, 0, 0), m1 = i32x4.shuffle(mm, mm, 1, 1, 1, 1);
  const zero = f32x4.splat(0);
  let s0 = f64x2.splat(0), t0 = s0;
  let a0 = zero, a1 = zero, b0 = zero, b1 = zero;
  let i = 0;
  for (; i + 8 <= C; i += 8) {
    const x = p0 + (<usize>i << 2), y = p1 + (<usize>i << 2);
    a0 = f32x4.add(a0, expMinusF4(f32x4.sub(v128.load(x), m0)));
    b0 = f32x4.add(b0, expMinusF4(f32x4.sub(v128.load(y), m1)));
    a1 = f32x4.add(a1, expMinusF4(f32x4.sub(v128.load(x, 16), m0)));
    b1 = f32x4.add(b1, expMinusF4(f32x4.sub(v128.load(y, 16), m1)));
    if (((i + 8) & (BLOCK32 - 1)) == 0) {
      s0 = flush32(s0, f32x4.add(a0, a1));
      t0 = flush32(t0, f32x4.add(b0, b1));
      a0 = zero;
      a1 = zero;
      b0 = zero;
      b1 = zero;
    }
  }
  if (i + 4 <= C) {
    a0 = f32x4.add(a0, expMinusF4(f32x4.sub(v128.load(p0 + (<usize>i << 2)), m0)));
    b0 = f32x4.add(b0, expMinusF4(f32x4.sub(v128.load(p1 + (<usize>i << 2)), m1)));
    i += 4;
  }
  if (i < C) {
    // 1–3 classes left: the last four, with the 4 − (C − i) already counted masked off.
    const keep = v128.load(KEEP32 + (<usize>(4 - (C - i)) << 4));
    a1 = f32x4.add(a1, v128.and(expMinusF4(f32x4.sub(v128.load(p0 + last), m0)), keep));
    b1 = f32x4.add(b1, v128.and(expMinusF4(f32x4.sub(v128.load(p1 + last), m1)), keep));
  }
  storePair(vm, flush32(s0, f32x4.add(a0, a1)), flush32(t0, f32x4.add(b0, b1)), mOut, sOut);
}

/**
 * The max over C classes `stride` bytes apart of the four neighbouring float32 positions at p (one per lane): pmax
 * with a NaN mask instead of max, as in rowMax, so a lane with a NaN gives NaN. T is f32 (generic only so that the
 * module does not export it). SIMD build only.
 */
// @ts-ignore: decorator
@inline export function colMax4<T>(p: usize, stride: usize, C: i32): v128 {
  let vm = f32x4.splat(-Infinity), nan = i32x4.splat(0);
  for (let c = 0; c < C; c++) {
    const x = v128.load(p + <usize>c * stride);
    vm = f32x4.pmax(vm, x);
    nan = v128.or(nan, f32x4.ne(x, x));
  }
  return v128.bitselect(f32x4.splat(NaN), vm, nan);
}

/** Stores the statistics of two neighbouring positions: m (f64 lanes) and s, NaN where |m| is not < Inf. */
// @ts-ignore: decorator
@inline function storeCols(m: v128, s: v128, mOut: usize, sOut: usize): void {
  v128.store(mOut, m);
  v128.store(sOut, v128.bitselect(s, f64x2.splat(NaN), f64x2.lt(f64x2.abs(m), f64x2.splat(Infinity))));
}

/** colGroup and colGroupWide of float64 elements: m and s of two neighbouring positions in float64 lanes. */
// @ts-ignore: decorator
@inline function colGroupF64(p: usize, stride: usize, C: i32, mOut: usize, sOut: usize): void {
  let vm = f64x2.splat(-Infinity), nan = i64x2.splat(0);
  for (let c = 0; c < C; c++) {
    const x = v128.load(p + <usize>c * stride);
    vm = f64x2.pmax(vm, x);
    nan = v128.or(nan, f64x2.ne(x, x));
  }
  vm = v128.bitselect(f64x2.splat(NaN), vm, nan);
  let s0 = f64x2.splat(0);
  for (let c = 0; c < C; c++) s0 = f64x2.add(s0, expLse2x(f64x2.sub(v128.load(p + <usize>c * stride), vm)));
  storeCols(vm, s0, mOut, sOut);
}

/**
 * m and s of the 4 (f32) or 2 (f64) neighbouring positions starting at `p` (classes `stride` bytes apart), stored
 * to mOut and sOut (one f64 per position). SIMD build only.
 */
// @ts-ignore: decorator
@inline function colGroup<T>(p: usize, stride: usize, C: i32, mOut: usize, sOut: usize): void {
  if (sizeof<T>() == 4) {
    const vm = colMax4<T>(p, stride, C);
    const mlo = lo64(vm), mhi = hi64(vm);
    // float32 lanes (one position per lane), summed in float32 over blocks of BLOCK32/4 classes, then in float64.
    let s0 = f64x2.splat(0), s1 = s0;
    let c = 0;
    while (c < C) {
      const stop = min(C, c + (BLOCK32 >> 2));
      let a = f32x4.splat(0);
      for (; c < stop; c++) a = f32x4.add(a, expMinusF4(f32x4.sub(v128.load(p + <usize>c * stride), vm)));
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(a));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(i32x4.shuffle(a, a, 2, 3, 0, 1)));
    }
    storeCols(mlo, s0, mOut, sOut);
    storeCols(mhi, s1, mOut + 16, sOut + 16);
  } else colGroupF64(p, stride, C, mOut, sOut);
}

/** m and s of one position whose classes are `stride` bytes apart (scalar). */
// @ts-ignore: decorator
@inline function colScalar<T>(p: usize, stride: usize, C: i32, mOut: usize, sOut: usize): void {
  let m = <T>-Infinity;
  for (let c = 0; c < C; c++) m = max<T>(m, load<T>(p + <usize>c * stride));
  let s: f64 = 0;
  for (let c = 0; c < C; c++) s += expOf<T>(load<T>(p + <usize>c * stride), m);
  store<f64>(mOut, <f64>m);
  store<f64>(sOut, finiteOr(<f64>m, s));
}

// ---------------------------------------------------------------------------------------------------------------
// The float64-accurate statistics of float32 logits (softmax_stats_wide_f32): what the gradients take.

/** rowSumExp with float32 elements promoted: float64 lanes and expLse2x (the float64-accurate statistics). */
function rowSumExpWide<T>(p: usize, C: i32, m: T): f64 {
  let i = 0;
  let end = C;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const vm = f64x2.splat(<f64>m);
    let a0 = f64x2.splat(0), a1 = a0;
    if (sizeof<T>() == 4) {
      for (; i + 4 <= C; i += 4) {
        const x = v128.load(p + (<usize>i << 2));
        a0 = f64x2.add(a0, expLse2x(f64x2.sub(lo64(x), vm)));
        a1 = f64x2.add(a1, expLse2x(f64x2.sub(hi64(x), vm)));
      }
      // Two or three classes left (e.g. C = 10): the high half of the last four is one f64x2 exp for the
      // last two, instead of two scalar ones.
      if (C >= 4 && C - i >= 2) {
        a0 = f64x2.add(a0, expLse2x(f64x2.sub(hi64(v128.load(p + (<usize>(C - 4) << 2))), vm)));
        end = C - 2;
      }
    } else {
      for (; i + 4 <= C; i += 4) {
        a0 = f64x2.add(a0, expLse2x(f64x2.sub(v128.load(p + (<usize>i << 3)), vm)));
        a1 = f64x2.add(a1, expLse2x(f64x2.sub(v128.load(p + (<usize>i << 3), 16), vm)));
      }
      for (; i + 2 <= C; i += 2) a0 = f64x2.add(a0, expLse2x(f64x2.sub(v128.load(p + (<usize>i << 3)), vm)));
    }
    s = hsum(f64x2.add(a0, a1));
  }
  for (; i < end; i++) s += expLse1(<f64>load<T>(p + (<usize>i * sizeof<T>())) - <f64>m);
  return s;
}

/**
 * rowPair with float32 elements promoted (float64 lanes and expLse2x); the same layout, stores and build.
 */
function rowPairWide<T>(p0: usize, p1: usize, C: i32, mOut: usize, sOut: usize): void {
  const last = <usize>(C - pairMinC<T>()) * <usize>sizeof<T>();
  if (sizeof<T>() != 4) {
    pairSumsF64(p0, p1, C, last, pairMax<T>(p0, p1, C, last), mOut, sOut);
    return;
  }
  const vm = f64x2.promote_low_f32x4(pairMax<T>(p0, p1, C, last));
  const m0 = i64x2.shuffle(vm, vm, 0, 0), m1 = i64x2.shuffle(vm, vm, 1, 1);
  let s0 = f64x2.splat(0), s1 = s0, t0 = s0, t1 = s0;
  let i = 0;
  for (; i + 4 <= C; i += 4) {
    const x = v128.load(p0 + (<usize>i << 2)), y = v128.load(p1 + (<usize>i << 2));
    s0 = f64x2.add(s0, expLse2x(f64x2.sub(lo64(x), m0)));
    t0 = f64x2.add(t0, expLse2x(f64x2.sub(lo64(y), m1)));
    s1 = f64x2.add(s1, expLse2x(f64x2.sub(hi64(x), m0)));
    t1 = f64x2.add(t1, expLse2x(f64x2.sub(hi64(y), m1)));
  }
  if (i < C) {
    // 1–3 classes left: the last four, with the 4 − (C − i) already counted dropped.
    const done = <usize>(4 - (C - i));
    const x = v128.load(p0 + last), y = v128.load(p1 + last);
    const mlo = v128.load(TAIL_MASK + (done << 5)), mhi = v128.load(TAIL_MASK + (done << 5), 16);
    if (done < 2) {
      s0 = f64x2.add(s0, expLse2x(drop(f64x2.sub(lo64(x), m0), mlo)));
      t0 = f64x2.add(t0, expLse2x(drop(f64x2.sub(lo64(y), m1), mlo)));
    }
    s1 = f64x2.add(s1, expLse2x(drop(f64x2.sub(hi64(x), m0), mhi)));
    t1 = f64x2.add(t1, expLse2x(drop(f64x2.sub(hi64(y), m1), mhi)));
  }
  storePair(vm, f64x2.add(s0, s1), f64x2.add(t0, t1), mOut, sOut);
}

/**
 * colGroup with float32 elements promoted (float64 lanes and expLse2x).
 * m and s of the 4 (f32) or 2 (f64) neighbouring positions starting at `p` (classes `stride` bytes apart), stored
 * to mOut and sOut (one f64 per position). SIMD build only.
 */
// @ts-ignore: decorator
@inline function colGroupWide<T>(p: usize, stride: usize, C: i32, mOut: usize, sOut: usize): void {
  if (sizeof<T>() == 4) {
    const vm = colMax4<T>(p, stride, C);
    const mlo = lo64(vm), mhi = hi64(vm);
    let s0 = f64x2.splat(0), s1 = s0;
    for (let c = 0; c < C; c++) {
      const x = v128.load(p + <usize>c * stride);
      s0 = f64x2.add(s0, expLse2x(f64x2.sub(lo64(x), mlo)));
      s1 = f64x2.add(s1, expLse2x(f64x2.sub(hi64(x), mhi)));
    }
    storeCols(mlo, s0, mOut, sOut);
    storeCols(mhi, s1, mOut + 16, sOut + 16);
  } else colGroupF64(p, stride, C, mOut, sOut);
}

/** colScalar with float32 elements promoted (float64 expLse1).
 * m and s of one position whose classes are `stride` bytes apart (scalar). */
// @ts-ignore: decorator
@inline function colScalarWide<T>(p: usize, stride: usize, C: i32, mOut: usize, sOut: usize): void {
  let m = <T>-Infinity;
  for (let c = 0; c < C; c++) m = max<T>(m, load<T>(p + <usize>c * stride));
  let s: f64 = 0;
  for (let c = 0; c < C; c++) s += expLse1(<f64>load<T>(p + <usize>c * stride) - <f64>m);
  store<f64>(mOut, <f64>m);
  store<f64>(sOut, finiteOr(<f64>m, s));
}

/** The statistics of every position of x (layout in the file header) into stats (2·P float64, SoA). */
// @ts-ignore: decorator
@inline function softmaxStats<T>(x: usize, outer: i32, C: i32, inner: i32, span: i32, stats: usize, wide: bool): void {
  const size = <usize>sizeof<T>();
  const P = outer * span;
  const sBase = stats + (<usize>P << 3);
  if (inner == 1) {
    let r = 0;
    if (ASC_FEATURE_SIMD && C >= pairMinC<T>() && C <= PAIR_MAX_C) {
      const rowBytes = <usize>C * size;
      for (; r + 2 <= outer; r += 2) {
        const row = x + <usize>r * rowBytes;
        if (wide) rowPairWide<T>(row, row + rowBytes, C, stats + (<usize>r << 3), sBase + (<usize>r << 3));
        else rowPair<T>(row, row + rowBytes, C, stats + (<usize>r << 3), sBase + (<usize>r << 3));
      }
    }
    for (; r < outer; r++) {
      const row = x + <usize>r * <usize>C * size;
      // (ASC_FEATURE_SIMD alone in its condition: the scalar build must not see the v128 code.)
      if (ASC_FEATURE_SIMD) {
        if (sizeof<T>() == 4 && !wide && C >= RAW_MIN_C) {
          // s' = Σ e^m·e_c with the max's own term fl32(e^m) swapped for the float64 e^m: rowSumExp's s with its 1.
          const sm = rowSumExpRaw(row, C);
          const raw = f64x2.extract_lane(sm, 0);
          if (raw == raw) {
            const m = f64x2.extract_lane(sm, 1);
            store<f64>(stats + (<usize>r << 3), m);
            store<f64>(sBase + (<usize>r << 3), sumFromRaw(raw, <f32>m, expLse1(m)));
            continue;
          }
        }
      }
      const m = rowMax<T>(row, C);
      store<f64>(stats + (<usize>r << 3), <f64>m);
      store<f64>(sBase + (<usize>r << 3), finiteOr(<f64>m, wide ? rowSumExpWide<T>(row, C, m) : rowSumExp<T>(row, C, m)));
    }
    return;
  }
  const stride = <usize>inner * size;
  const L: i32 = sizeof<T>() == 4 ? 4 : 2;
  for (let o = 0; o < outer; o++) {
    const slab = x + <usize>o * <usize>C * stride;
    const p0 = o * span;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + L <= span; j += L) {
        const at = <usize>(p0 + j) << 3;
        if (wide) colGroupWide<T>(slab + <usize>j * size, stride, C, stats + at, sBase + at);
        else colGroup<T>(slab + <usize>j * size, stride, C, stats + at, sBase + at);
      }
    }
    for (; j < span; j++) {
      const at = <usize>(p0 + j) << 3;
      if (wide) colScalarWide<T>(slab + <usize>j * size, stride, C, stats + at, sBase + at);
      else colScalar<T>(slab + <usize>j * size, stride, C, stats + at, sBase + at);
    }
  }
}

/** Softmax statistics (m, s) of float32 logits in float32 lanes (the loss values); precision in the file header. */
export function softmax_stats_f32(x: usize, outer: i32, C: i32, inner: i32, span: i32, stats: usize): void {
  softmaxStats<f32>(x, outer, C, inner, span, stats, false);
}

/** Softmax statistics (m, s) of float64 logits. */
export function softmax_stats_f64(x: usize, outer: i32, C: i32, inner: i32, span: i32, stats: usize): void {
  softmaxStats<f64>(x, outer, C, inner, span, stats, false);
}

/**
 * Softmax statistics of float32 logits promoted to float64 (float64 lanes, expLse2x: s within ~1e-14 relative),
 * for the gradients, whose cancellations (label smoothing, probability targets) need s far below float32's ulp.
 */
export function softmax_stats_wide_f32(x: usize, outer: i32, C: i32, inner: i32, span: i32, stats: usize): void {
  softmaxStats<f32>(x, outer, C, inner, span, stats, true);
}

/** softmax_stats_f64 under the wide family's name (float64 is always wide). */
export function softmax_stats_wide_f64(x: usize, outer: i32, C: i32, inner: i32, span: i32, stats: usize): void {
  softmaxStats<f64>(x, outer, C, inner, span, stats, false);
}
