// CrossEntropy, fused: logsumexp(row) − row[target] without materialising the log-softmax, for class-index
// targets (with weights, ignore_index and label smoothing) and for class-probability targets.
//
// Layout (all kernels here): x holds [outer, C, inner] elements of the kernel's dtype, the class dim in the middle
// (inner = d1·…·dk, 1 for (N, C) input): element (o, c, j) at index (o·C + c)·inner + j. The kernel visits the
// first `span` ≤ inner positions j of each slab o (span == inner for a whole tensor; the facade passes a smaller
// span to stream part of a large resident slab; span must be 1 when inner is 1). Positions are numbered compactly,
// o·span + j: index targets are i32 per position and `out` holds one loss per position. Probability targets have
// x's layout. `w` points at C weights of the kernel's dtype (read only when flags has HAS_WEIGHT); `out` is
// written only when flags has WRITE_OUT; `res` points at 3 float64s the kernel overwrites with its partial sums.
// Pointers are byte offsets, possibly unaligned. Nothing is allocated (LANES is static data), nothing throws.
//
// Per position, with m = max_c x_c, s = Σ_c e^(x_c − m), ls = log s, log-softmax lp_c = (x_c − m) − ls:
//   index target t:  nll = −w_t·lp_t; smooth = −Σ_c w_c·lp_c = Σ_c w_c·(m − x_c) + ls·Σ_c w_c (w ≡ 1 without
//                    weights); loss = nll, or (1 − ε)·nll + (ε/C)·smooth with label smoothing ε > 0;
//                    t == ignore gives 0 and is left out of every sum.
//   probabilities p: p'_c = p_c·(1 − ε) + ε/C; loss = −Σ_c w_c·p'_c·lp_c.
// The max is taken first (two passes over a row or class slab, then a third for smoothing/probabilities), so no
// e^x overflows. NaN and ±Inf propagate as in PyTorch: a NaN or +Inf logit makes its row NaN, −Inf logits add 0.
// (expLse does not carry NaN itself: `rowSum` makes s NaN when the max is NaN or ±Inf, which is exactly then.)
//
// Precision: everything is float64: float32 elements are promoted (x − m of two float32s is then exact), e^ is
// the float64 polynomial `expLse2x`/`expLse1` for x − m ≤ 0 (assembly/exp.ts: relative error ≤ 8·2^-53 +
// |x − m|·1.6e-16 per term, and the max's own term is exactly 1, so s = Σ e^(x − m) is within ~1e-15 relative when
// the terms that matter lie within e^-10 of the max and ~1e-14 at worst), log is AS's Math.log, and all sums are
// float64, so a float32 result is the float64 value rounded once by the facade (an error of 1e-14 relative moves
// the float32 rounding in about one case in 10^7). Why not the float32 polynomial `expf4` on f32x4 lanes: its
// ≤ 1 ulp per term (2^-24 relative) reaches log Σe^ as ~6e-8 absolute, more than half a float32 ulp of typical
// losses (~1), and 12 of the 838 PyTorch fixture cases then missed the accuracy rule of DESIGN.md §2.
//
// Lane layout: with inner == 1 a row is contiguous and the SIMD loops run over classes (f32: 4 classes per v128
// load, promoted to two f64x2 halves for e^ and the sums; f64: 2 classes per v128). Rows of 4 … 256 float32 (2 …
// 256 float64) classes go two at a time through `rowPair`: one horizontal reduction and no scalar tail for both
// (the last classes are re-read with the row's last full v128, the lanes already counted set to −Inf, whose e^
// is negligible next to the max's 1). With inner > 1 the SIMD loops run over positions: one v128 holds the same
// class at 4 (f32) or 2 (f64) neighbouring positions, loaded with stride inner; per-position results are spilled
// to LANES and finished in scalar code. Every SIMD loop has a scalar tail (the column loop for positions past the
// last full vector, the class loop for classes past it; rowPair is SIMD-only, the scalar build takes rows singly).
import { expLse1, expLse2x } from './exp';

/** flags bit: `w` holds C class weights. */
const HAS_WEIGHT: i32 = 1;
/** flags bit: write each position's loss to `out`. */
const WRITE_OUT: i32 = 2;

// What the third pass accumulates (a compile-time constant at each call site).
const PLAIN: i32 = 0; // nothing: index target without smoothing
const SMOOTH: i32 = 1; // aux1 = Σ w_c·(m − x_c)
const PROB: i32 = 2; // aux1 = Σ w_c·p'_c·(x_c − m), aux2 = Σ w_c·p'_c

/** Rows up to this many classes go through rowPair (two rows at a time); longer rows amortise per-row costs. */
const PAIR_MAX_C: i32 = 256;

/** Spill area for per-position partials: m at +0, s at +32, aux1 at +64, aux2 at +96 (four f64 each). */
const LANES: usize = memory.data(128, 16);

// Per-call constants and running sums (module globals keep the inlined helpers' signatures short).
let cC: i32 = 0;
let cIgnore: i32 = 0;
let cKeep: f64 = 1; // 1 − ε
let cSpread: f64 = 0; // ε / C
let cSmooth = false;
let cW: usize = 0;
let cHasW = false;
let cOut: usize = 0;
let cWrite = false;
let cWsum: f64 = 0;
let sLoss: f64 = 0;
let sSmooth: f64 = 0;
let sWeight: f64 = 0;

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

// @ts-ignore: decorator
@inline function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
// @ts-ignore: decorator
@inline function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}
// @ts-ignore: decorator
@inline function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** e^(x − m) in float64 (the difference of two promoted float32s is exact). */
// @ts-ignore: decorator
@inline function expDiff<T>(x: T, m: T): f64 {
  return expLse1(<f64>x - <f64>m);
}

/** Weight of class c as float64 (1 without weights). */
// @ts-ignore: decorator
@inline function weightOf<T>(c: i32): f64 {
  return cHasW ? <f64>load<T>(cW + (<usize>c * sizeof<T>())) : 1.0;
}

/** p'_c = p_c·(1 − ε) + ε/C. */
// @ts-ignore: decorator
@inline function smoothed(p: f64): f64 {
  return p * cKeep + cSpread;
}

// @ts-ignore: decorator
@inline function writeOut<T>(pos: i32, v: f64): void {
  if (cWrite) store<T>(cOut + (<usize>pos * sizeof<T>()), <T>v);
}

function setup(C: i32, ignore: i32, eps: f64, w: usize, flags: i32, out: usize): void {
  cC = C;
  cIgnore = ignore;
  cSmooth = eps > 0;
  cKeep = cSmooth ? 1.0 - eps : 1.0;
  cSpread = cSmooth ? eps / <f64>C : 0.0;
  cW = w;
  cHasW = (flags & HAS_WEIGHT) != 0;
  cOut = out;
  cWrite = (flags & WRITE_OUT) != 0;
  sLoss = 0;
  sSmooth = 0;
  sWeight = 0;
}

/** Σ_c w_c over float32 or float64 weights (C without weights), for the smoothing term. */
function weightSum<T>(C: i32): f64 {
  if (!cHasW) return <f64>C;
  let s: f64 = 0;
  for (let c = 0; c < C; c++) s += <f64>load<T>(cW + (<usize>c * sizeof<T>()));
  return s;
}

function writeSums(res: usize): void {
  store<f64>(res, sLoss);
  store<f64>(res, sSmooth, 8);
  store<f64>(res, sWeight, 16);
}

/**
 * s, or NaN when the max m is NaN or ±Inf: expLse does not carry NaN, so the row's NaN is restored here (a NaN
 * logit makes m NaN; a +Inf logit makes m +Inf and PyTorch's x − m NaN; an all −Inf row gives −Inf − (−Inf)).
 */
// @ts-ignore: decorator
@inline function rowSum(m: f64, s: f64): f64 {
  return abs(m) < Infinity ? s : NaN;
}

// ---------------------------------------------------------------------------------------------------------------
// Finishing one position from its partials (scalar, float64).

/**
 * Valid, non-ignored index target `t` at position `pos`, with x_t, m, s and aux1 = Σ w_c·(m − x_c) (used when
 * smoothing): adds to the running sums and writes the loss.
 */
// @ts-ignore: decorator
@inline function finishIndex<T>(pos: i32, t: i32, xt: f64, m: f64, s: f64, aux1: f64): void {
  const ls = Math.log(rowSum(m, s));
  const wt = weightOf<T>(t);
  // PyTorch's nll is −lp_t·w_t; written this way the sign of a zero loss matches too.
  const nll = -(wt * ((xt - m) - ls));
  sLoss += nll;
  sWeight += wt;
  let l = nll;
  if (cSmooth) {
    const sm = aux1 + ls * cWsum;
    sSmooth += sm;
    l = cKeep * nll + cSpread * sm;
  }
  writeOut<T>(pos, l);
}

/** Probability target at `pos` with m, s, aux1 = Σ w·p'·(x − m), aux2 = Σ w·p'. */
// @ts-ignore: decorator
@inline function finishProb<T>(pos: i32, m: f64, s: f64, aux1: f64, aux2: f64): void {
  const l = -(aux1 - Math.log(rowSum(m, s)) * aux2);
  sLoss += l;
  writeOut<T>(pos, l);
}

// ---------------------------------------------------------------------------------------------------------------
// Rows (inner == 1): SIMD over the C contiguous classes.

/** max_c x_c of a contiguous row (NaN if any is NaN; −Inf for C = 0). */
// Not inlined: called once per row, so the call is cheap, and inlining it at every call site cost ~10 KB of wasm.
function rowMax<T>(p: usize, C: i32): T {
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

/** Σ_c e^(x_c − m) of a contiguous row, accumulated in float64. */
// Not inlined: called once per row, so the call is cheap, and inlining it at every call site cost ~10 KB of wasm.
function rowSumExp<T>(p: usize, C: i32, m: T): f64 {
  let i = 0;
  let end = C;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    if (sizeof<T>() == 4) {
      const vm = f64x2.splat(<f64>m);
      let a0 = f64x2.splat(0), a1 = a0;
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
      s = hsum(f64x2.add(a0, a1));
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
  for (; i < end; i++) s += expDiff<T>(load<T>(p + (<usize>i * sizeof<T>())), m);
  return s;
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

/** Smallest row the pair kernel takes: one full v128 of classes. */
// @ts-ignore: decorator
@inline function pairMinC<T>(): i32 {
  return sizeof<T>() == 4 ? 4 : 2;
}

/**
 * max and Σ e^(x − max) of two contiguous rows at p0 and p1 together (C ≥ 4 float32 or ≥ 2 float64 classes), for
 * small C where per-row costs dominate: one horizontal reduction for both rows, no scalar tail (the last
 * classes are re-read with the last full v128, the lanes already counted dropped through −Inf), and the two
 * rows' dependency chains interleaved. Stores m0, m1 at LANES+0, +8 and s0, s1 at LANES+32, +40 (float64).
 * Lanes as rowMax / rowSumExp; SIMD build only.
 */
function rowPair<T>(p0: usize, p1: usize, C: i32): void {
  const size = <usize>sizeof<T>();
  const last = <usize>(C - (sizeof<T>() == 4 ? 4 : 2)) * size;
  let vm: v128; // [m0, m1] as f64
  if (sizeof<T>() == 4) {
    // pmax skips NaN lanes (one instruction, where max is about 8 in V8); the masks na, nb bring NaN back.
    let a = f32x4.splat(-Infinity), b = a, na = i32x4.splat(0), nb = na;
    let i = 0;
    for (; i + 4 <= C; i += 4) {
      const x = v128.load(p0 + (<usize>i << 2)), y = v128.load(p1 + (<usize>i << 2));
      a = f32x4.pmax(a, x);
      b = f32x4.pmax(b, y);
      na = v128.or(na, f32x4.ne(x, x));
      nb = v128.or(nb, f32x4.ne(y, y));
    }
    if (i < C) {
      const x = v128.load(p0 + last), y = v128.load(p1 + last);
      a = f32x4.pmax(a, x);
      b = f32x4.pmax(b, y);
      na = v128.or(na, f32x4.ne(x, x));
      nb = v128.or(nb, f32x4.ne(y, y));
    }
    // [a0 ∨ a2, a1 ∨ a3, b0 ∨ b2, b1 ∨ b3], then lanes 0 and 2 hold the two maxima (and the two NaN flags).
    const u = f32x4.pmax(i32x4.shuffle(a, b, 0, 1, 4, 5), i32x4.shuffle(a, b, 2, 3, 6, 7));
    vm = f64x2.promote_low_f32x4(i32x4.shuffle(f32x4.pmax(u, i32x4.shuffle(u, u, 1, 0, 3, 2)), u, 0, 2, 0, 2));
    const n = v128.or(i32x4.shuffle(na, nb, 0, 1, 4, 5), i32x4.shuffle(na, nb, 2, 3, 6, 7));
    const n2 = v128.or(n, i32x4.shuffle(n, n, 1, 0, 3, 2));
    vm = v128.bitselect(f64x2.splat(NaN), vm, i32x4.shuffle(n2, n2, 0, 0, 2, 2));
  } else {
    let a = f64x2.splat(-Infinity), b = a, na = i64x2.splat(0), nb = na;
    let i = 0;
    for (; i + 2 <= C; i += 2) {
      const x = v128.load(p0 + (<usize>i << 3)), y = v128.load(p1 + (<usize>i << 3));
      a = f64x2.pmax(a, x);
      b = f64x2.pmax(b, y);
      na = v128.or(na, f64x2.ne(x, x));
      nb = v128.or(nb, f64x2.ne(y, y));
    }
    if (i < C) {
      const x = v128.load(p0 + last), y = v128.load(p1 + last);
      a = f64x2.pmax(a, x);
      b = f64x2.pmax(b, y);
      na = v128.or(na, f64x2.ne(x, x));
      nb = v128.or(nb, f64x2.ne(y, y));
    }
    vm = f64x2.pmax(i64x2.shuffle(a, b, 0, 2), i64x2.shuffle(a, b, 1, 3));
    const n = v128.or(i64x2.shuffle(na, nb, 0, 2), i64x2.shuffle(na, nb, 1, 3));
    vm = v128.bitselect(f64x2.splat(NaN), vm, n);
  }
  const m0 = i64x2.shuffle(vm, vm, 0, 0), m1 = i64x2.shuffle(vm, vm, 1, 1);
  let s0 = f64x2.splat(0), s1 = s0, t0 = s0, t1 = s0;
  let i = 0;
  if (sizeof<T>() == 4) {
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
  } else {
    for (; i + 2 <= C; i += 2) {
      s0 = f64x2.add(s0, expLse2x(f64x2.sub(v128.load(p0 + (<usize>i << 3)), m0)));
      t0 = f64x2.add(t0, expLse2x(f64x2.sub(v128.load(p1 + (<usize>i << 3)), m1)));
    }
    if (i < C) {
      const mask = v128.load(TAIL_MASK + 32);
      s1 = expLse2x(drop(f64x2.sub(v128.load(p0 + last), m0), mask));
      t1 = expLse2x(drop(f64x2.sub(v128.load(p1 + last), m1), mask));
    }
  }
  s0 = f64x2.add(s0, s1);
  t0 = f64x2.add(t0, t1);
  v128.store(LANES, vm, 0);
  v128.store(LANES, f64x2.add(i64x2.shuffle(s0, t0, 0, 2), i64x2.shuffle(s0, t0, 1, 3)), 32);
}

/** Weight of class c splatted to both f64 lanes (1 without weights). */
// @ts-ignore: decorator
@inline function wLanes<T>(c: i32): v128 {
  return f64x2.splat(weightOf<T>(c));
}

/**
 * Third pass over a contiguous row: SMOOTH stores Σ w_c·(m − x_c) in aux1; PROB stores Σ w_c·p'_c·(x_c − m) in
 * aux1 and Σ w_c·p'_c in aux2 (q = the probability row). All in float64 from promoted elements.
 */
// @ts-ignore: decorator
@inline function rowAux<T>(mode: i32, p: usize, q: usize, C: i32, m: T): void {
  const mf = <f64>m;
  let i = 0;
  let a1: f64 = 0, a2: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const vm = f64x2.splat(mf), keep = f64x2.splat(cKeep), spread = f64x2.splat(cSpread);
    let s1 = f64x2.splat(0), s2 = s1;
    if (sizeof<T>() == 4) {
      for (; i + 4 <= C; i += 4) {
        const off = <usize>i << 2;
        const x = v128.load(p + off);
        let wlo = f64x2.splat(1), whi = wlo;
        if (cHasW) {
          const wv = v128.load(cW + off);
          wlo = lo64(wv);
          whi = hi64(wv);
        }
        if (mode == SMOOTH) {
          s1 = f64x2.add(s1, f64x2.add(f64x2.mul(wlo, f64x2.sub(vm, lo64(x))), f64x2.mul(whi, f64x2.sub(vm, hi64(x)))));
        } else {
          const pv = v128.load(q + off);
          const plo = f64x2.mul(wlo, f64x2.add(f64x2.mul(lo64(pv), keep), spread));
          const phi = f64x2.mul(whi, f64x2.add(f64x2.mul(hi64(pv), keep), spread));
          s1 = f64x2.add(s1, f64x2.add(f64x2.mul(plo, f64x2.sub(lo64(x), vm)), f64x2.mul(phi, f64x2.sub(hi64(x), vm))));
          s2 = f64x2.add(s2, f64x2.add(plo, phi));
        }
      }
    } else {
      for (; i + 2 <= C; i += 2) {
        const off = <usize>i << 3;
        const x = v128.load(p + off);
        const wv = cHasW ? v128.load(cW + off) : f64x2.splat(1);
        if (mode == SMOOTH) {
          s1 = f64x2.add(s1, f64x2.mul(wv, f64x2.sub(vm, x)));
        } else {
          const pw = f64x2.mul(wv, f64x2.add(f64x2.mul(v128.load(q + off), keep), spread));
          s1 = f64x2.add(s1, f64x2.mul(pw, f64x2.sub(x, vm)));
          s2 = f64x2.add(s2, pw);
        }
      }
    }
    a1 = hsum(s1);
    a2 = hsum(s2);
  }
  for (; i < C; i++) {
    const off = <usize>i * sizeof<T>();
    const x = <f64>load<T>(p + off);
    const wc = weightOf<T>(i);
    if (mode == SMOOTH) {
      a1 += wc * (mf - x);
    } else {
      const pw = wc * smoothed(<f64>load<T>(q + off));
      a1 += pw * (x - mf);
      a2 += pw;
    }
  }
  store<f64>(LANES, a1, 64);
  store<f64>(LANES, a2, 96);
}

// ---------------------------------------------------------------------------------------------------------------
// Columns (inner > 1): one position's C classes sit `stride` bytes apart.

/**
 * Scalar partials of the position at `p` (classes `stride` bytes apart; `q` the probability column for PROB):
 * stores m, s, aux1, aux2 to LANES lane 0.
 */
// @ts-ignore: decorator
@inline function colScalar<T>(mode: i32, p: usize, q: usize, stride: usize, C: i32): void {
  let m = <T>-Infinity;
  for (let c = 0; c < C; c++) m = max<T>(m, load<T>(p + <usize>c * stride));
  let s: f64 = 0;
  for (let c = 0; c < C; c++) s += expDiff<T>(load<T>(p + <usize>c * stride), m);
  const mf = <f64>m;
  let a1: f64 = 0, a2: f64 = 0;
  if (mode != PLAIN) {
    for (let c = 0; c < C; c++) {
      const x = <f64>load<T>(p + <usize>c * stride);
      const wc = weightOf<T>(c);
      if (mode == SMOOTH) {
        a1 += wc * (mf - x);
      } else {
        const pw = wc * smoothed(<f64>load<T>(q + <usize>c * stride));
        a1 += pw * (x - mf);
        a2 += pw;
      }
    }
  }
  store<f64>(LANES, mf, 0);
  store<f64>(LANES, s, 32);
  store<f64>(LANES, a1, 64);
  store<f64>(LANES, a2, 96);
}

/**
 * SIMD partials of the 4 (f32) or 2 (f64) neighbouring positions starting at `p`: stores m, s, aux1, aux2 of
 * each lane to LANES (lane k at +8·k within each block).
 */
// @ts-ignore: decorator
@inline function colGroup<T>(mode: i32, p: usize, q: usize, stride: usize, C: i32): void {
  const keep = f64x2.splat(cKeep), spread = f64x2.splat(cSpread);
  if (sizeof<T>() == 4) {
    // pmax + NaN mask instead of max, as in rowMax.
    let vm = f32x4.splat(-Infinity), nan = i32x4.splat(0);
    for (let c = 0; c < C; c++) {
      const x = v128.load(p + <usize>c * stride);
      vm = f32x4.pmax(vm, x);
      nan = v128.or(nan, f32x4.ne(x, x));
    }
    vm = v128.bitselect(f32x4.splat(NaN), vm, nan);
    const mlo = lo64(vm), mhi = hi64(vm);
    let s0 = f64x2.splat(0), s1 = s0;
    for (let c = 0; c < C; c++) {
      const x = v128.load(p + <usize>c * stride);
      s0 = f64x2.add(s0, expLse2x(f64x2.sub(lo64(x), mlo)));
      s1 = f64x2.add(s1, expLse2x(f64x2.sub(hi64(x), mhi)));
    }
    v128.store(LANES, mlo, 0);
    v128.store(LANES, mhi, 16);
    v128.store(LANES, s0, 32);
    v128.store(LANES, s1, 48);
    if (mode != PLAIN) {
      let a0 = f64x2.splat(0), a1 = a0, b0 = a0, b1 = a0;
      for (let c = 0; c < C; c++) {
        const x = v128.load(p + <usize>c * stride);
        const wc = wLanes<T>(c);
        if (mode == SMOOTH) {
          a0 = f64x2.add(a0, f64x2.mul(wc, f64x2.sub(mlo, lo64(x))));
          a1 = f64x2.add(a1, f64x2.mul(wc, f64x2.sub(mhi, hi64(x))));
        } else {
          const pv = v128.load(q + <usize>c * stride);
          const plo = f64x2.mul(wc, f64x2.add(f64x2.mul(lo64(pv), keep), spread));
          const phi = f64x2.mul(wc, f64x2.add(f64x2.mul(hi64(pv), keep), spread));
          a0 = f64x2.add(a0, f64x2.mul(plo, f64x2.sub(lo64(x), mlo)));
          a1 = f64x2.add(a1, f64x2.mul(phi, f64x2.sub(hi64(x), mhi)));
          b0 = f64x2.add(b0, plo);
          b1 = f64x2.add(b1, phi);
        }
      }
      v128.store(LANES, a0, 64);
      v128.store(LANES, a1, 80);
      v128.store(LANES, b0, 96);
      v128.store(LANES, b1, 112);
    }
  } else {
    let vm = f64x2.splat(-Infinity), nan = i64x2.splat(0);
    for (let c = 0; c < C; c++) {
      const x = v128.load(p + <usize>c * stride);
      vm = f64x2.pmax(vm, x);
      nan = v128.or(nan, f64x2.ne(x, x));
    }
    vm = v128.bitselect(f64x2.splat(NaN), vm, nan);
    let s0 = f64x2.splat(0);
    for (let c = 0; c < C; c++) s0 = f64x2.add(s0, expLse2x(f64x2.sub(v128.load(p + <usize>c * stride), vm)));
    v128.store(LANES, vm, 0);
    v128.store(LANES, s0, 32);
    if (mode != PLAIN) {
      let a0 = f64x2.splat(0), b0 = a0;
      for (let c = 0; c < C; c++) {
        const x = v128.load(p + <usize>c * stride);
        const wc = wLanes<T>(c);
        if (mode == SMOOTH) {
          a0 = f64x2.add(a0, f64x2.mul(wc, f64x2.sub(vm, x)));
        } else {
          const pw = f64x2.mul(wc, f64x2.add(f64x2.mul(v128.load(q + <usize>c * stride), keep), spread));
          a0 = f64x2.add(a0, f64x2.mul(pw, f64x2.sub(x, vm)));
          b0 = f64x2.add(b0, pw);
        }
      }
      v128.store(LANES, a0, 64);
      v128.store(LANES, b0, 96);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Drivers

/** Rows per log in sumPairs: each s ≤ PAIR_MAX_C = 2^8, so a product of 64 stays below 2^512. */
const ROWS_PER_LOG: i32 = 64;

/**
 * The common reduction — index targets, no weights, no smoothing, no per-position output — over pairs of rows:
 * the loss sum Σ_r (ls_r − (x_t − m)_r) is accumulated as Σ_r (m − x_t)_r + log Π_r s_r, one Math.log per 64 rows
 * instead of one per row (a log costs as much as the rest of a 10-class row). Π s_r is exact to 64 roundings,
 * i.e. log Π is within 64·2^-53 ≈ 7e-15 absolute of Σ log s_r, below the float64 rounding of the sum itself.
 * A NaN row (s made NaN by rowSum) makes the product and the sum NaN, as before. Returns the first row not done
 * (outer rounded down to even), or −1 − r for a target r outside [0, C) that is not ignored.
 */
function sumPairs<T>(x: usize, t: usize, outer: i32, C: i32): i32 {
  const size = <usize>sizeof<T>();
  const rowBytes = <usize>C * size;
  let prod: f64 = 1;
  let shift: f64 = 0; // Σ (m − x_t)
  let logs: f64 = 0; // Σ log of finished products
  let kept: f64 = 0; // rows not ignored
  let inProd = 0;
  let r = 0;
  for (; r + 2 <= outer; r += 2) {
    const row = x + <usize>r * rowBytes;
    const t0 = load<i32>(t + (<usize>r << 2)), t1 = load<i32>(t + (<usize>r << 2), 4);
    const skip0 = t0 == cIgnore, skip1 = t1 == cIgnore;
    if (!skip0 && <u32>t0 >= <u32>C) return -r - 1;
    if (!skip1 && <u32>t1 >= <u32>C) return -(r + 1) - 1;
    rowPair<T>(row, row + rowBytes, C);
    if (!skip0) {
      const m0 = load<f64>(LANES, 0);
      prod *= rowSum(m0, load<f64>(LANES, 32));
      shift += m0 - <f64>load<T>(row + <usize>t0 * size);
      kept += 1;
    }
    if (!skip1) {
      const m1 = load<f64>(LANES, 8);
      prod *= rowSum(m1, load<f64>(LANES, 40));
      shift += m1 - <f64>load<T>(row + rowBytes + <usize>t1 * size);
      kept += 1;
    }
    inProd += 2;
    if (inProd >= ROWS_PER_LOG) {
      logs += Math.log(prod);
      prod = 1;
      inProd = 0;
    }
  }
  sLoss += shift + (logs + Math.log(prod));
  sWeight += kept;
  return r;
}

/** Index-target driver for dtype T and third-pass `mode` (PLAIN or SMOOTH); see ce_index_f32. */
// @ts-ignore: decorator
@inline function indexLoop<T>(mode: i32, x: usize, t: usize, outer: i32, C: i32, inner: i32, span: i32): i32 {
  const size = <usize>sizeof<T>();
  if (inner == 1) {
    let r = 0;
    if (ASC_FEATURE_SIMD && mode == PLAIN && !cHasW && !cWrite && C >= pairMinC<T>() && C <= PAIR_MAX_C) {
      r = sumPairs<T>(x, t, outer, C);
      if (r < 0) return -r - 1;
    }
    if (ASC_FEATURE_SIMD && C >= pairMinC<T>() && C <= PAIR_MAX_C) {
      const rowBytes = <usize>C * size;
      for (; r + 2 <= outer; r += 2) {
        const row = x + <usize>r * rowBytes;
        const t0 = load<i32>(t + (<usize>r << 2)), t1 = load<i32>(t + (<usize>r << 2), 4);
        const skip0 = t0 == cIgnore, skip1 = t1 == cIgnore;
        if (!skip0 && <u32>t0 >= <u32>C) return r;
        if (!skip1 && <u32>t1 >= <u32>C) return r + 1;
        rowPair<T>(row, row + rowBytes, C);
        const m0 = load<f64>(LANES, 0), m1 = load<f64>(LANES, 8), s0 = load<f64>(LANES, 32), s1 = load<f64>(LANES, 40);
        if (skip0) writeOut<T>(r, 0);
        else {
          if (mode != PLAIN) rowAux<T>(mode, row, 0, C, <T>m0);
          finishIndex<T>(r, t0, <f64>load<T>(row + <usize>t0 * size), m0, s0, load<f64>(LANES, 64));
        }
        if (skip1) writeOut<T>(r + 1, 0);
        else {
          if (mode != PLAIN) rowAux<T>(mode, row + rowBytes, 0, C, <T>m1);
          finishIndex<T>(r + 1, t1, <f64>load<T>(row + rowBytes + <usize>t1 * size), m1, s1, load<f64>(LANES, 64));
        }
      }
    }
    for (; r < outer; r++) {
      const row = x + <usize>r * <usize>C * size;
      const ti = load<i32>(t + (<usize>r << 2));
      if (ti == cIgnore) {
        writeOut<T>(r, 0);
        continue;
      }
      if (<u32>ti >= <u32>C) return r;
      const m = rowMax<T>(row, C);
      const s = rowSumExp<T>(row, C, m);
      if (mode != PLAIN) rowAux<T>(mode, row, 0, C, m);
      finishIndex<T>(r, ti, <f64>load<T>(row + <usize>ti * size), <f64>m, s, load<f64>(LANES, 64));
    }
    return -1;
  }
  const stride = <usize>inner * size;
  const lanes: i32 = sizeof<T>() == 4 ? 4 : 2;
  for (let o = 0; o < outer; o++) {
    const slab = x + <usize>o * <usize>C * stride;
    const pos0 = o * span;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + lanes <= span; j += lanes) {
        colGroup<T>(mode, slab + <usize>j * size, 0, stride, C);
        for (let k = 0; k < lanes; k++) {
          const pos = pos0 + j + k;
          const ti = load<i32>(t + (<usize>pos << 2));
          if (ti == cIgnore) {
            writeOut<T>(pos, 0);
            continue;
          }
          if (<u32>ti >= <u32>C) return pos;
          const lane = <usize>k << 3;
          const xt = <f64>load<T>(slab + <usize>ti * stride + <usize>(j + k) * size);
          finishIndex<T>(pos, ti, xt, load<f64>(LANES + lane, 0), load<f64>(LANES + lane, 32), load<f64>(LANES + lane, 64));
        }
      }
    }
    for (; j < span; j++) {
      const pos = pos0 + j;
      const ti = load<i32>(t + (<usize>pos << 2));
      if (ti == cIgnore) {
        writeOut<T>(pos, 0);
        continue;
      }
      if (<u32>ti >= <u32>C) return pos;
      colScalar<T>(mode, slab + <usize>j * size, 0, stride, C);
      const xt = <f64>load<T>(slab + <usize>ti * stride + <usize>j * size);
      finishIndex<T>(pos, ti, xt, load<f64>(LANES, 0), load<f64>(LANES, 32), load<f64>(LANES, 64));
    }
  }
  return -1;
}

/** Probability-target driver for dtype T; see ce_prob_f32. */
// @ts-ignore: decorator
@inline function probLoop<T>(x: usize, q: usize, outer: i32, C: i32, inner: i32, span: i32): void {
  const size = <usize>sizeof<T>();
  if (inner == 1) {
    let r = 0;
    if (ASC_FEATURE_SIMD && C >= pairMinC<T>() && C <= PAIR_MAX_C) {
      const rowBytes = <usize>C * size;
      for (; r + 2 <= outer; r += 2) {
        const off = <usize>r * rowBytes;
        rowPair<T>(x + off, x + off + rowBytes, C);
        const m0 = load<f64>(LANES, 0), m1 = load<f64>(LANES, 8), s0 = load<f64>(LANES, 32), s1 = load<f64>(LANES, 40);
        rowAux<T>(PROB, x + off, q + off, C, <T>m0);
        finishProb<T>(r, m0, s0, load<f64>(LANES, 64), load<f64>(LANES, 96));
        rowAux<T>(PROB, x + off + rowBytes, q + off + rowBytes, C, <T>m1);
        finishProb<T>(r + 1, m1, s1, load<f64>(LANES, 64), load<f64>(LANES, 96));
      }
    }
    for (; r < outer; r++) {
      const off = <usize>r * <usize>C * size;
      const m = rowMax<T>(x + off, C);
      const s = rowSumExp<T>(x + off, C, m);
      rowAux<T>(PROB, x + off, q + off, C, m);
      finishProb<T>(r, <f64>m, s, load<f64>(LANES, 64), load<f64>(LANES, 96));
    }
    return;
  }
  const stride = <usize>inner * size;
  const lanes: i32 = sizeof<T>() == 4 ? 4 : 2;
  for (let o = 0; o < outer; o++) {
    const slabOff = <usize>o * <usize>C * stride;
    const pos0 = o * span;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + lanes <= span; j += lanes) {
        const off = slabOff + <usize>j * size;
        colGroup<T>(PROB, x + off, q + off, stride, C);
        for (let k = 0; k < lanes; k++) {
          const lane = <usize>k << 3;
          finishProb<T>(pos0 + j + k, load<f64>(LANES + lane, 0), load<f64>(LANES + lane, 32), load<f64>(LANES + lane, 64), load<f64>(LANES + lane, 96));
        }
      }
    }
    for (; j < span; j++) {
      const off = slabOff + <usize>j * size;
      colScalar<T>(PROB, x + off, q + off, stride, C);
      finishProb<T>(pos0 + j, load<f64>(LANES, 0), load<f64>(LANES, 32), load<f64>(LANES, 64), load<f64>(LANES, 96));
    }
  }
}

// @ts-ignore: decorator
@inline function ceIndex<T>(
  x: usize, t: usize, w: usize, outer: i32, C: i32, inner: i32, span: i32, ignore: i32, eps: f64, flags: i32,
  out: usize, res: usize,
): i32 {
  setup(C, ignore, eps, w, flags, out);
  cWsum = cSmooth ? weightSum<T>(C) : 0;
  const bad = cSmooth
    ? indexLoop<T>(SMOOTH, x, t, outer, C, inner, span)
    : indexLoop<T>(PLAIN, x, t, outer, C, inner, span);
  writeSums(res);
  return bad;
}

// @ts-ignore: decorator
@inline function ceProb<T>(
  x: usize, q: usize, w: usize, outer: i32, C: i32, inner: i32, span: i32, eps: f64, flags: i32, out: usize, res: usize,
): void {
  setup(C, 0, eps, w, flags, out);
  probLoop<T>(x, q, outer, C, inner, span);
  writeSums(res);
}

// ---------------------------------------------------------------------------------------------------------------
// Exported kernels

/**
 * CrossEntropy with class-index targets over float32 logits x [outer, C, inner] and i32 targets t [outer, span];
 * see the file header for the formula. `eps` is the label smoothing (≤ 0: none); `ignore` the ignored index;
 * `flags` = HAS_WEIGHT (1) | WRITE_OUT (2). Writes res[0] = Σ loss-or-nll (Σ w_t·nll over non-ignored), res[1] =
 * Σ smooth (0 without smoothing), res[2] = Σ w_t over non-ignored positions. Returns −1, or the position of the
 * first target outside [0, C) that is not `ignore` (the kernel stops there; res and out are then incomplete).
 */
export function ce_index_f32(
  x: usize, t: usize, w: usize, outer: i32, C: i32, inner: i32, span: i32, ignore: i32, eps: f64, flags: i32,
  out: usize, res: usize,
): i32 {
  return ceIndex<f32>(x, t, w, outer, C, inner, span, ignore, eps, flags, out, res);
}

/** ce_index_f32 over float64 logits and weights (float64 exp). */
export function ce_index_f64(
  x: usize, t: usize, w: usize, outer: i32, C: i32, inner: i32, span: i32, ignore: i32, eps: f64, flags: i32,
  out: usize, res: usize,
): i32 {
  return ceIndex<f64>(x, t, w, outer, C, inner, span, ignore, eps, flags, out, res);
}

/**
 * CrossEntropy with class-probability targets: x and q both [outer, C, inner] float32. Writes res[0] =
 * Σ_positions −Σ_c w_c·p'_c·lp_c (res[1] = res[2] = 0) and, with WRITE_OUT, each position's loss to `out`.
 */
export function ce_prob_f32(
  x: usize, q: usize, w: usize, outer: i32, C: i32, inner: i32, span: i32, eps: f64, flags: i32, out: usize, res: usize,
): void {
  ceProb<f32>(x, q, w, outer, C, inner, span, eps, flags, out, res);
}

/** ce_prob_f32 over float64 logits, probabilities and weights. */
export function ce_prob_f64(
  x: usize, q: usize, w: usize, outer: i32, C: i32, inner: i32, span: i32, eps: f64, flags: i32, out: usize, res: usize,
): void {
  ceProb<f64>(x, q, w, outer, C, inner, span, eps, flags, out, res);
}

/**
 * dst[i] = i32(src[i]) for int64 class indices, or `sentinel` when src[i] does not fit in int32 (the facade picks
 * a negative sentinel that differs from ignore_index, so it is always reported out of bounds). Pointer contract:
 * `src` holds n int64, `dst` n int32; dst may equal src (the narrowing runs forward, reading before writing).
 * Lanes: 4 int64 (two v128) narrowed to one i32x4 per iteration; a scalar tail finishes.
 */
export function narrow_i64_i32(src: usize, dst: usize, n: i32, sentinel: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const fill = i32x4.splat(sentinel);
    for (; i + 4 <= n; i += 4) {
      const v0 = v128.load(src + (<usize>i << 3));
      const v1 = v128.load(src + (<usize>i << 3), 16);
      const low = i32x4.shuffle(v0, v1, 0, 2, 4, 6);
      const fits0 = i64x2.eq(i64x2.extend_low_i32x4_s(low), v0);
      const fits1 = i64x2.eq(i64x2.extend_high_i32x4_s(low), v1);
      v128.store(dst + (<usize>i << 2), v128.bitselect(low, fill, i32x4.shuffle(fits0, fits1, 0, 2, 4, 6)));
    }
  }
  for (; i < n; i++) {
    const v = load<i64>(src + (<usize>i << 3));
    store<i32>(dst + (<usize>i << 2), v == <i64><i32>v ? <i32>v : sentinel);
  }
}
