// BCEWithLogitsLoss terms (PyTorch 1.13's binary_cross_entropy_with_logits and its backward functions, CPU), input
// logits x = a, target t = b, pos_weight w⁺ = c (bce_logits_pw only), with m = max(−x, 0) and
// L = log(e^(−m) + e^((−x) − m)) (= log(1 + e^−x) − m, finite for any finite x: huge logits stay finite):
//   bce_logits      ℓ = ((1 − t)·x + m) + L
//                   ∂ℓ/∂x = σ(x) − t,                        ∂ℓ/∂t = −x
//   bce_logits_pw   ℓ = (1 − t)·x + lw·(L + m),  lw = (w⁺ − 1)·t + 1
//                   ∂ℓ/∂x = ((w⁺·t + 1) − t)·σ(x) − w⁺·t,    ∂ℓ/∂t = logσ(−x) − logσ(x)·w⁺
// each in PyTorch's operation order (the two forms round differently), times the upstream s (weight and 'mean'
// 1/n in it), with σ(x) = 1/(1 + e^−x) and logσ(v) = min(v, 0) − log1p(e^−|v|), as PyTorch's CPU kernels compute them
// (L with one exp and the two logσ with one exp and one log1p, the same bits: see the functions below).
// pos_weight has no gradient (PyTorch refuses it).
// Wide, with float32 values for bce_logits (narrowValue): gradients of float32 inputs are computed in float64 and
// rounded once (σ(x) − t cancels where the prediction is good, and targets outside [0, 1] make every form cancel;
// as for BCE (bce.ts) a float32 evaluation that is not bit-identical to PyTorch's misses the accuracy rule there).
// bce_logits' float32 value, for targets t ∈ [0, 1] and |x| ≤ 87.33: ℓ = A + L with A = (1 − t)·x + m in float64,
// PyTorch's float64 operations on the same float32 numbers (so A has the bits of the float64 reference's; A ≥ 0,
// being (1 − t)·x for x ≥ 0 and fl((1 − t)·x) − x ≥ 0 for x < 0), and L = log1p(e^(−|x|)) in float32 lanes
// (math/softplus.ts softplusTailF4: measured ≤ 1.13 ulp over every float32 |x| ≤ 87.33), added in float64 and
// rounded once: two non-negative terms, so |ℓ − ℓ64| ≤ 1.13 ulp(L) + 0.5 ulp(ℓ) ≤ 1.63 ulp of ℓ. Elsewhere (t
// outside [0, 1] or NaN, |x| > 87.33 where e^(−|x|) is subnormal or 0 in float32, NaN and ±∞ logits) the float64
// formula rounded once; a vector with such a lane computes both and selects per lane, so lanes, tails and the
// scalar build agree. bce_logits_pw stays wide throughout (only the f64 methods compiled, see ../driver.ts).
// exp: math/exp.ts exp2x (≤ 1 ulp); log, log1p: math/log.ts (< 1 ulp).
// Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { exp_f64_call, exp_f64x2_call, log1p_f64_call, log1p_f64x2_call } from '../../math/calls';
import { lse, lseLanes, mLanes, mOf, sigmoid, sigmoidLanes } from '../../math/logistic';
import { expSplitF4, log1pSplitF4, softplusTailF1 } from '../../math/softplus';
import { hi64, lo64, pack32 } from '../../lanes';

/** 87.33 (ln 2^-126, rounded up): up to it e^(−|x|) is a normal float32 and softplusTail holds its bound. */
const TAIL_MAX: f32 = 87.33654;

/** PyTorch's float64 formula on two f64 lanes: ((1 − t)·x + m) + L. */
function value64Lanes(x: v128, t: v128): v128 {
  const m = mLanes(x);
  return f64x2.add(f64x2.add(f64x2.mul(f64x2.sub(f64x2.splat(1), t), x), m), lseLanes(x, m));
}

// value32Lanes' constants, each splatted to 16 bytes, read from static memory (V8 rebuilds a v128.const at every
// use): float32 0, 1, −TAIL_MAX and the sign bit; float64 1 and the sign bit.
const BL_K: usize = memory.data<u32>([
  0, 0, 0, 0, 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000,
  reinterpret<u32>(-TAIL_MAX), reinterpret<u32>(-TAIL_MAX), reinterpret<u32>(-TAIL_MAX), reinterpret<u32>(-TAIL_MAX),
  0x80000000, 0x80000000, 0x80000000, 0x80000000,
  0, 0x3ff00000, 0, 0x3ff00000, 0, 0x80000000, 0, 0x80000000,
], 16);
const B_ZERO = 0, B_ONE = 1, B_NTAIL = 2, B_SIGN = 3, B_ONE64 = 4, B_SIGN64 = 5;

/** Constant `i` of BL_K (one load). */
// @ts-ignore: decorator
@inline function bk(i: i32): v128 {
  return v128.load(BL_K + (<usize>i << 4));
}

/**
 * (1 − t)·x + m on two f64 lanes plus the float32 tail L promoted (the float32 value before its rounding), for
 * the fast lanes (t ∈ [0, 1], x finite): m = max(−x, 0) as pmax(0, −x), −x by a sign flip. (mLanes' −0 for x = +0
 * is +0 here; (1 − t)·(+0) + m is +0 either way, so the sum has the same bits.)
 */
// @ts-ignore: decorator
@inline function fastHalf(x: v128, t: v128, L: v128): v128 {
  const m = f64x2.pmax(bk(B_ZERO), v128.xor(x, bk(B_SIGN64)));
  return f64x2.add(f64x2.add(f64x2.mul(f64x2.sub(bk(B_ONE64), t), x), m), L);
}

/** The lanes that take the float32 tail: t ∈ [0, 1] and a = −|x| ≥ −87.33 (−|x|: x with the sign bit set). */
// @ts-ignore: decorator
@inline function fastLanes(t: v128, a: v128): v128 {
  return v128.and(v128.and(f32x4.ge(t, bk(B_ZERO)), f32x4.le(t, bk(B_ONE))), f32x4.ge(a, bk(B_NTAIL)));
}

/**
 * The float32 value of the fast lanes from the split e^(−|x|) = hi + lo (math/softplus.ts expSplitF4): A + L with
 * L = log1p(hi + lo) (softplusTailNegF4's operations, the exp and the log1p as two stages).
 */
// @ts-ignore: decorator
@inline function backLanes(x: v128, t: v128, hi: v128, lo: v128): v128 {
  const L = log1pSplitF4(hi, lo);
  return pack32(fastHalf(lo64(x), lo64(t), lo64(L)), fastHalf(hi64(x), hi64(t), hi64(L)));
}

/** The float32 value of four lanes (see the header). */
function value32Lanes(x: v128, t: v128): v128 {
  const a = v128.or(x, bk(B_SIGN));
  const fast = fastLanes(t, a);
  const r = backLanes(x, t, expSplitF4(a, false), expSplitF4(a, true));
  if (i32x4.all_true(fast)) return r;
  return v128.bitselect(r, pack32(value64Lanes(lo64(x), lo64(t)), value64Lanes(hi64(x), hi64(t))), fast);
}

/** The scalar twin of `value32Lanes`. */
function value32(x: f32, t: f32): f32 {
  const X = <f64>x, T = <f64>t, m = mOf(X);
  if (t >= 0 && t <= 1 && abs<f32>(x) <= TAIL_MAX) return <f32>(((1 - T) * X + m) + <f64>softplusTailF1(x));
  return <f32>(((1 - T) * X + m) + lse(X, m));
}

// @ts-ignore: decorator
@inline function zero(): v128 { return f64x2.splat(0); }

/**
 * logσ(−x) − logσ(x)·w⁺ with logσ(v) = min(v, 0) − log1p(e^−|v|): both logσ share e^−|x| and its log1p, so they
 * are computed once (the same bits as twice).
 */
function targetGradLanes(x: v128, pw: v128): v128 {
  const l = log1p_f64x2_call(exp_f64x2_call(f64x2.neg(f64x2.abs(x))));
  const nx = f64x2.neg(x);
  const minNeg = v128.bitselect(nx, zero(), f64x2.lt(nx, zero()));
  const minPos = v128.bitselect(x, zero(), f64x2.lt(x, zero()));
  return f64x2.sub(f64x2.sub(minNeg, l), f64x2.mul(f64x2.sub(minPos, l), pw));
}

function targetGrad(x: f64, pw: f64): f64 {
  const l = log1p_f64_call(exp_f64_call(-abs<f64>(x)));
  const nx = -x;
  return ((nx < 0 ? nx : 0) - l) - ((x < 0 ? x : 0) - l) * pw;
}

// @ts-ignore: decorator
@final @unmanaged class BceLogits {
  // @ts-ignore: decorator
  @inline wide(): bool { return true; }
  // @ts-ignore: decorator
  @inline narrowValue(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(x: N, t: N, c: N, p: N, q: N): N {
    if (sizeof<N>() == 4) return <N>value32(<f32>x, <f32>t);
    const X = <f64>x, T = <f64>t;
    const m = mOf(X);
    return <N>(((1 - T) * X + m) + lse(X, m));
  }
  // @ts-ignore: decorator
  @inline lanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 {
    return sizeof<N>() == 4 ? value32Lanes(x, t) : value64Lanes(x, t);
  }
  // value32Lanes' fast path in two stages, for the drivers' pipelined float32 loops (../driver.ts).
  // @ts-ignore: decorator
  @inline ready(x: v128, t: v128): bool { return i32x4.all_true(fastLanes(t, v128.or(x, bk(B_SIGN)))); }
  // @ts-ignore: decorator
  @inline front(x: v128, t: v128, lo: bool): v128 { return expSplitF4(v128.or(x, bk(B_SIGN)), lo); }
  // @ts-ignore: decorator
  @inline back(x: v128, t: v128, hi: v128, lo: v128): v128 { return backLanes(x, t, hi, lo); }
  // @ts-ignore: decorator
  @inline gradA<N>(x: N, t: N, c: N, p: N, q: N): N { return <N>(sigmoid(<f64>x) - <f64>t); }
  // @ts-ignore: decorator
  @inline gradALanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 { return f64x2.sub(sigmoidLanes(x), t); }
  // @ts-ignore: decorator
  @inline gradB<N>(x: N, t: N, c: N, p: N, q: N): N { return <N>-(<f64>x); }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 { return f64x2.neg(x); }
  // @ts-ignore: decorator
  @inline gradC<N>(x: N, t: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 { return zero(); }
}

// @ts-ignore: decorator
@final @unmanaged class BceLogitsPw {
  // @ts-ignore: decorator
  @inline wide(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(x: N, t: N, pw: N, p: N, q: N): N {
    if (sizeof<N>() == 4) ERROR('bce_logits_pw: a wide term, float64 only');
    const X = <f64>x, T = <f64>t, W = <f64>pw;
    const m = mOf(X);
    const lw = (W - 1) * T + 1;
    return <N>((1 - T) * X + lw * (lse(X, m) + m));
  }
  // @ts-ignore: decorator
  @inline lanes<N>(x: v128, t: v128, pw: v128, p: v128, q: v128): v128 {
    const one = f64x2.splat(1);
    const m = mLanes(x);
    const lw = f64x2.add(f64x2.mul(f64x2.sub(pw, one), t), one);
    return f64x2.add(f64x2.mul(f64x2.sub(one, t), x), f64x2.mul(lw, f64x2.add(lseLanes(x, m), m)));
  }
  // @ts-ignore: decorator
  @inline gradA<N>(x: N, t: N, pw: N, p: N, q: N): N {
    const T = <f64>t, wt = <f64>pw * T;
    return <N>(((wt + 1) - T) * sigmoid(<f64>x) - wt);
  }
  // @ts-ignore: decorator
  @inline gradALanes<N>(x: v128, t: v128, pw: v128, p: v128, q: v128): v128 {
    const wt = f64x2.mul(pw, t);
    return f64x2.sub(f64x2.mul(f64x2.sub(f64x2.add(wt, f64x2.splat(1)), t), sigmoidLanes(x)), wt);
  }
  // @ts-ignore: decorator
  @inline gradB<N>(x: N, t: N, pw: N, p: N, q: N): N { return <N>targetGrad(<f64>x, <f64>pw); }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(x: v128, t: v128, pw: v128, p: v128, q: v128): v128 { return targetGradLanes(x, pw); }
  // @ts-ignore: decorator
  @inline gradC<N>(x: N, t: N, pw: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(x: v128, t: v128, pw: v128, p: v128, q: v128): v128 { return zero(); }
}

export function bce_logits_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<BceLogits, f32>(a, b, c, w, n, p, q); }
export function bce_logits_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<BceLogits, f64>(a, b, c, w, n, p, q); }
export function bce_logits_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<BceLogits, f32>(a, b, c, w, out, n, p, q); }
export function bce_logits_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<BceLogits, f64>(a, b, c, w, out, n, p, q); }
export function bce_logits_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<BceLogits, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function bce_logits_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<BceLogits, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function bce_logits_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<BceLogits, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function bce_logits_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<BceLogits, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function bce_logits_pw_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<BceLogitsPw, f32>(a, b, c, w, n, p, q); }
export function bce_logits_pw_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<BceLogitsPw, f64>(a, b, c, w, n, p, q); }
export function bce_logits_pw_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<BceLogitsPw, f32>(a, b, c, w, out, n, p, q); }
export function bce_logits_pw_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<BceLogitsPw, f64>(a, b, c, w, out, n, p, q); }
export function bce_logits_pw_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<BceLogitsPw, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function bce_logits_pw_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<BceLogitsPw, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function bce_logits_pw_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<BceLogitsPw, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function bce_logits_pw_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<BceLogitsPw, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
