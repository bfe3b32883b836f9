// GaussianNLLLoss term (PyTorch 1.13's gaussian_nll_loss, Python composite differentiated by autograd), input x = a,
// target t = b, variance v = c, p = eps, q = full (1 or 0):
//   v' = max(v, eps)                                   (clamp_(min=eps) under no_grad; a NaN v stays NaN)
//   ℓ = 0.5·(log v' + (d·d)/v')  [+ 0.5·log(2π) when full],  d = x − t
//   h = s·0.5 (s: upstream times weight, 'mean' 1/n in it)
//   ∂ℓ/∂x·s = (h/v')·(2·d),  ∂ℓ/∂t·s = −((h/v')·(2·d))
//   ∂ℓ/∂v·s = h/v' + (−h)·(((d·d)/v')/v')     (the clamp is outside autograd: at a clamped element this is the
//                                               unclamped formula at v' = eps, huge, not 0)
// Wide: gradients of float32 inputs are computed in float64 and rounded once (the variance's gradient cancels).
// eps is used as given (float64), as the float64 reference does (wideParams: the driver does not round it to
// float32; PyTorch's float32 clamp rounds it, by at most 2^-24 relative, to a value the reference does not use).
// float32 values (narrowValue) where float32 lanes are as accurate: for v > eps a positive normal float32 (so
// v' = v), log v from float32 lanes as k·ln 2 + f + small (math/log_split.ts's tighter join: s = f/(2 + f) and
// musl logf's R in float32, f²/2 and small in float64; |error| ≤ E = 0.05·2^-24 absolute), the quadratic
// (d·d)/v in float64 (d = x − t of two float32s, exact but for one rounding; the float32 quadratic would carry
// three roundings, up to 3 ulp of ℓ where it dominates), ℓ = 0.5·(L + q) [+ 0.5·log 2π] in float64, rounded once:
// |ℓ − ℓ64| ≤ 0.5·E + 2^-50·(|L| + q) before the rounding, which is within 2 ulp of ℓ wherever |ℓ| ≥ 0.025 +
// 2^-26·(|L| + q) — for |ℓ| ≥ 0.03, q ≤ 2|ℓ| + |L| + 2 and |L| ≤ 104 make that hold (checked per element:
// |ℓ| ≥ 0.03; on the benchmark's data 2% of the elements are below). Elsewhere (ℓ near 0, where log v' and the
// quadratic cancel; v ≤ eps, where the clamp applies; v zero, subnormal, infinite or NaN) the float64 formula
// rounded once; a vector with such a lane computes it for the half (two lanes) that needs it and selects per
// lane, so lanes, tails and the scalar build agree. log: math/log.ts (< 1 ulp) and math/log_split.ts.
// The unweighted float32 sum without `full` (the default reduction's kernel) is certified per block instead:
// blocks of BLOCK = 1024 elements counted from the call's element 0, each summed as Ŝ = 0.5·(Σ log v + Σ q̂) with
//   Σ log v = K·ln 2 + log P: P the float64 product of the promoted v (exact but for one rounding per
//     multiplication), its exponent moved into the integer K every 6 multiplications per lane (so it never leaves
//     float64's normal range: |log2 v| ≤ 149), one float64 log per block;
//   q̂ = (d·d)·r, d = x − t in float64, r = fl32(1/v) (correctly rounded: |r·v − 1| ≤ 2^-24), so |q̂ − q| ≤
//     (2^-24 + 2^-50)·q̂ against q = d²/v, all q̂ ≥ 0, summed in float64.
// Its error against the float64 truth is at most
//   B = 0.5·((len + 8)·2^-53 + 2^-51·(0.7·|K| + |log P| + 1) + (2^-24 + 2^-50 + len·2^-53)·Σq̂·(1 + 2^-40))
//       + 2^-52·|Ŝ|
// (the product's roundings, the log and K·ln 2, the quadratic's roundings, float64 summation, the last steps).
// A block is accepted where every v is finite, ≥ eps and > 0 (so the clamp is the identity), Σq̂ ≤ the largest
// float32 (so no element's float32 value overflows, as PyTorch's and the per-element path's would; a non-finite x
// or t fails it too), and B ≤ 2^-23·(|Ŝ| − B). |S_b| ≤ Σ|ℓ| and 2 ulp of a float32 ℓ is at least 2^-23·|ℓ|, so the
// accepted blocks together never err by more than the sum of the per-element 2-ulp allowances the values above
// are held to. A refused block (log v and the quadratic cancel; a clamped, NaN or infinite element; an
// overflowing quadratic) is summed by the per-element path above, the same bits as before. Blocks start at the
// call's element 0 and the facade's chunks are 4096 elements, a multiple of BLOCK, so a resident call and a
// chunked copy-in see the same blocks and decisions. On the benchmark's data (q̂ ≈ 4.2, ℓ ≈ 2.0 per element) B is
// about half the budget. The scalar build takes the per-element path throughout.
// Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { log_f64_call, log_f64x2_call } from '../../math/calls';
import { hi64, hsum, lo64, pack32 } from '../../lanes';
import { logExponentF1, logExponentF4, logFractionF1, logFractionF4, logJoinHf1, logJoinHf2x, logRF1, logRF4, logSF1, logSF4 } from '../../math/log_split';

const HALF_LOG_2PI: f64 = 0.5 * 1.8378770664093453; // PyTorch's 0.5 * math.log(2 * math.pi), a Python float
/** |ℓ| ≥ L_MIN: the float32 value is within the accuracy rule (see the header). */
const L_MIN: f64 = 0.03;
const MIN_NORMAL32: f32 = 1.17549435e-38;
const MAX32: f32 = 3.4028234663852886e38;

// @ts-ignore: decorator
@inline function zero(): v128 { return f64x2.splat(0); }

// The helper functions here are not inlined (no @inline): each kernel calls them once per vector or element, so the
// exp and log polynomials are compiled once per term instead of once per kernel and use (binary size; the call is
// cheap next to the polynomials).

/** ℓ on two lanes (see the header). */
function lossLanes(x: v128, t: v128, v: v128, eps: v128, full: v128): v128 {
  const V = f64x2.pmax(v, eps);
  const d = f64x2.sub(x, t);
  const l = f64x2.mul(f64x2.splat(0.5), f64x2.add(log_f64x2_call(V), f64x2.div(f64x2.mul(d, d), V)));
  return f64x2.extract_lane(full, 0) != 0 ? f64x2.add(l, f64x2.splat(HALF_LOG_2PI)) : l;
}

function loss(x: f64, t: f64, v: f64, eps: f64, full: f64): f64 {
  const V = v < eps ? eps : v;
  const d = x - t;
  const l = 0.5 * (log_f64_call(V) + (d * d) / V);
  return full != 0 ? l + HALF_LOG_2PI : l;
}

/** The float32 value's half (two lanes promoted, v > eps assumed): 0.5·(L + (d·d)/v) [+ 0.5·log 2π]. */
// @ts-ignore: decorator
@inline function fastHalf(x: v128, t: v128, v: v128, L: v128, full: v128): v128 {
  const d = f64x2.sub(x, t);
  const l = f64x2.mul(f64x2.splat(0.5), f64x2.add(L, f64x2.div(f64x2.mul(d, d), v)));
  return f64x2.extract_lane(full, 0) != 0 ? f64x2.add(l, f64x2.splat(HALF_LOG_2PI)) : l;
}

/** Where a half's fast value may be used: v > eps, v normal and finite (`inRange`, as i64 lanes), |ℓ| ≥ L_MIN. */
// @ts-ignore: decorator
@inline function fastOk(inRange: v128, v: v128, eps: v128, l: v128): v128 {
  return v128.and(v128.and(inRange, f64x2.gt(v, eps)), f64x2.ge(f64x2.abs(l), f64x2.splat(L_MIN)));
}

/** ℓ on four float32 lanes (see the header); eps and full as f64x2 lanes. */
function loss32Lanes(x: v128, t: v128, v: v128, eps: v128, full: v128): v128 {
  const inRange = v128.and(f32x4.ge(v, f32x4.splat(MIN_NORMAL32)), f32x4.le(v, f32x4.splat(MAX32)));
  const k = logExponentF4(v), f = logFractionF4(v), s = logSF4(f), R = logRF4(s);
  const kh = i32x4.shuffle(k, k, 2, 3, 0, 1);
  const xl = lo64(x), xh = hi64(x), tl = lo64(t), th = hi64(t), vl = lo64(v), vh = hi64(v);
  const ll = fastHalf(xl, tl, vl, logJoinHf2x(f64x2.convert_low_i32x4_s(k), lo64(f), lo64(s), lo64(R)), full);
  const lh = fastHalf(xh, th, vh, logJoinHf2x(f64x2.convert_low_i32x4_s(kh), hi64(f), hi64(s), hi64(R)), full);
  const okl = fastOk(i64x2.extend_low_i32x4_s(inRange), vl, eps, ll);
  const okh = fastOk(i64x2.extend_high_i32x4_s(inRange), vh, eps, lh);
  // Each half computes the float64 formula only when one of its lanes needs it.
  const rl = i64x2.all_true(okl) ? ll : v128.bitselect(ll, lossLanes(xl, tl, vl, eps, full), okl);
  const rh = i64x2.all_true(okh) ? lh : v128.bitselect(lh, lossLanes(xh, th, vh, eps, full), okh);
  return pack32(rl, rh);
}

/** The scalar twin of `loss32Lanes`. */
function loss32(x: f32, t: f32, v: f32, eps: f64, full: f64): f32 {
  const X = <f64>x, T = <f64>t, V = <f64>v;
  if (v >= MIN_NORMAL32 && v <= MAX32 && V > eps) {
    const f = logFractionF1(v), s = logSF1(f);
    const L = logJoinHf1(<f64>logExponentF1(v), <f64>f, <f64>s, <f64>logRF1(s));
    const d = X - T;
    let l = 0.5 * (L + (d * d) / V);
    if (full != 0) l = l + HALF_LOG_2PI;
    if (abs(l) >= L_MIN) return <f32>l;
  }
  return <f32>loss(X, T, V, eps, full);
}

// @ts-ignore: decorator
@final @unmanaged class GaussianNll {
  // @ts-ignore: decorator
  @inline wide(): bool { return true; }
  // @ts-ignore: decorator
  @inline narrowValue(): bool { return true; }
  // @ts-ignore: decorator
  @inline wideParams(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(x: N, t: N, v: N, eps: f64, full: f64): N {
    if (sizeof<N>() == 4) return <N>loss32(<f32>x, <f32>t, <f32>v, eps, full);
    return <N>loss(<f64>x, <f64>t, <f64>v, eps, full);
  }
  // @ts-ignore: decorator
  @inline lanes<N>(x: v128, t: v128, v: v128, eps: v128, full: v128): v128 {
    return sizeof<N>() == 4 ? loss32Lanes(x, t, v, eps, full) : lossLanes(x, t, v, eps, full);
  }
  // @ts-ignore: decorator
  @inline scaledGrad<N>(which: i32, x: N, t: N, v: N, s: N, eps: N, full: N): N {
    const V = <f64>v < <f64>eps ? <f64>eps : <f64>v;
    const d = <f64>x - <f64>t;
    const h = <f64>s * 0.5;
    if (which == 0) return <N>((h / V) * (2 * d));
    if (which == 1) return <N>-((h / V) * (2 * d));
    return <N>(h / V + -h * (((d * d) / V) / V));
  }
  // @ts-ignore: decorator
  @inline scaledGradLanes<N>(which: i32, x: v128, t: v128, v: v128, s: v128, eps: v128, full: v128): v128 {
    const V = f64x2.pmax(v, eps);
    const d = f64x2.sub(x, t);
    const h = f64x2.mul(s, f64x2.splat(0.5));
    const hv = f64x2.div(h, V);
    if (which == 0) return f64x2.mul(hv, f64x2.mul(f64x2.splat(2), d));
    if (which == 1) return f64x2.neg(f64x2.mul(hv, f64x2.mul(f64x2.splat(2), d)));
    return f64x2.add(hv, f64x2.mul(f64x2.neg(h), f64x2.div(f64x2.div(f64x2.mul(d, d), V), V)));
  }
  // Required by the driver's interface; unused (scaledGrad is defined).
  // @ts-ignore: decorator
  @inline gradA<N>(x: N, t: N, v: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradALanes<N>(x: v128, t: v128, v: v128, p: v128, q: v128): v128 { return zero(); }
  // @ts-ignore: decorator
  @inline gradB<N>(x: N, t: N, v: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(x: v128, t: v128, v: v128, p: v128, q: v128): v128 { return zero(); }
  // @ts-ignore: decorator
  @inline gradC<N>(x: N, t: N, v: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(x: v128, t: v128, v: v128, p: v128, q: v128): v128 { return zero(); }
}

// ---------------------------------------------------------------------------------------------------------------
// The certified block sum of the float32 values (see the header).

/** Elements per certified block; the facade's chunks (CHUNK_BYTES / 4 = 4096 float32) are a multiple of it. */
const CERT_BLOCK: i32 = 1024;
/** Vectors multiplied into the product lanes between two renormalisations: 6·149 < 1022. */
const RENORM: i32 = 6;
const U64: f64 = 1.0 / 9007199254740992.0; // 2^-53
const Q_REL: f64 = 1.0 / 16777216.0 + 1.0 / 1125899906842624.0; // 2^-24 + 2^-50
const SLACK_UP: f64 = 1 + 1.0 / 1099511627776.0; // 1 + 2^-40
const BUDGET: f64 = 1.0 / 8388608.0; // 2^-23
const LN2: f64 = 0.6931471805599453;
const EXP_MASK: u64 = 0x7FF0000000000000;
const ONE_BITS: u64 = 0x3FF0000000000000;

/** P's exponents moved into k: P's lanes back to [1, 2), k += their exponents (i64 lanes). */
// @ts-ignore: decorator
@inline function renormalise(P: v128, k: v128): v128 {
  return i64x2.add(k, i64x2.sub(i64x2.shr_u(v128.and(P, i64x2.splat(EXP_MASK)), 52), i64x2.splat(1023)));
}

// @ts-ignore: decorator
@inline function mantissas(P: v128): v128 {
  return v128.or(v128.andnot(P, i64x2.splat(EXP_MASK)), i64x2.splat(ONE_BITS));
}

/** The smallest float32 v for which max(v, eps) = v > 0 (eps a float64). */
function smallestKept(eps: f64): f32 {
  let e = <f32>eps;
  if (<f64>e < eps) e = reinterpret<f32>(reinterpret<i32>(e) + (e > 0 ? 1 : -1));
  return e > 0 ? e : reinterpret<f32>(1); // the smallest positive float32
}

/**
 * Ŝ of the `len` (≤ CERT_BLOCK) elements at x, t, v when the block is certified (see the header), else NaN;
 * vLow = smallestKept(eps). SIMD build only.
 */
function certifiedBlock(x: usize, t: usize, v: usize, len: i32, vLow: f32): f64 {
  const vMin = f32x4.splat(vLow), vMax = f32x4.splat(MAX32);
  const one = f32x4.splat(1);
  let P0 = f64x2.splat(1), P1 = P0, k = i64x2.splat(0);
  let q0 = f64x2.splat(0), q1 = q0;
  let ok = i32x4.splat(-1);
  let i = 0;
  while (i + 4 <= len) {
    const stop = min(len & ~3, i + 4 * RENORM);
    for (; i < stop; i += 4) {
      const off = <usize>i << 2;
      const xv = v128.load(x + off), tv = v128.load(t + off), vv = v128.load(v + off);
      ok = v128.and(ok, v128.and(f32x4.ge(vv, vMin), f32x4.le(vv, vMax)));
      const r = f32x4.div(one, vv);
      const dl = f64x2.sub(lo64(xv), lo64(tv)), dh = f64x2.sub(hi64(xv), hi64(tv));
      q0 = f64x2.add(q0, f64x2.mul(f64x2.mul(dl, dl), lo64(r)));
      q1 = f64x2.add(q1, f64x2.mul(f64x2.mul(dh, dh), hi64(r)));
      P0 = f64x2.mul(P0, lo64(vv));
      P1 = f64x2.mul(P1, hi64(vv));
    }
    k = renormalise(P1, renormalise(P0, k));
    P0 = mantissas(P0);
    P1 = mantissas(P1);
  }
  let Q = hsum(f64x2.add(q0, q1));
  // The four lanes' mantissas (each in [1, 2)) and the tail's ≤ 3 factors: no renormalisation needed.
  let P = f64x2.extract_lane(P0, 0) * f64x2.extract_lane(P0, 1) * (f64x2.extract_lane(P1, 0) * f64x2.extract_lane(P1, 1));
  let inRange = i32x4.all_true(ok);
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const X = <f64>load<f32>(x + off), T = <f64>load<f32>(t + off), vi = load<f32>(v + off);
    inRange = inRange && vi >= vLow && vi <= MAX32;
    const d = X - T;
    Q += (d * d) * <f64>(<f32>1 / vi);
    P *= <f64>vi;
  }
  const K = <f64>(i64x2.extract_lane(k, 0) + i64x2.extract_lane(k, 1));
  const lp = log_f64_call(P);
  const S = 0.5 * ((K * LN2 + lp) + Q);
  const B = 0.5 * (<f64>(len + 8) * U64 + 4 * U64 * (0.7 * abs(K) + abs(lp) + 1) + (Q_REL + <f64>len * U64) * Q * SLACK_UP)
    + 2 * U64 * abs(S);
  return inRange && Q <= MAX32 && B <= BUDGET * (abs(S) - B) ? S : NaN;
}

/** The unweighted float32 sum without `full`: certified blocks, the per-element path elsewhere. */
function certifiedSum(x: usize, t: usize, v: usize, n: i32, eps: f64): f64 {
  const vLow = smallestKept(eps);
  let total: f64 = 0;
  for (let i = 0; i < n; i += CERT_BLOCK) {
    const len = min(CERT_BLOCK, n - i);
    const off = <usize>i << 2;
    const s = certifiedBlock(x + off, t + off, v + off, len, vLow);
    total += s == s ? s : sum<GaussianNll, f32>(x + off, t + off, v + off, 0, len, eps, 0);
  }
  return total;
}

export function gaussian_nll_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 {
  // (ASC_FEATURE_SIMD alone in its condition: the scalar build must not see the v128 code.)
  if (ASC_FEATURE_SIMD) {
    if (w == 0 && q == 0 && c != 0) return certifiedSum(a, b, c, n, p);
  }
  return sum<GaussianNll, f32>(a, b, c, w, n, p, q);
}

export function gaussian_nll_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<GaussianNll, f64>(a, b, c, w, n, p, q); }
export function gaussian_nll_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<GaussianNll, f32>(a, b, c, w, out, n, p, q); }
export function gaussian_nll_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<GaussianNll, f64>(a, b, c, w, out, n, p, q); }
export function gaussian_nll_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<GaussianNll, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function gaussian_nll_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<GaussianNll, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function gaussian_nll_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<GaussianNll, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function gaussian_nll_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<GaussianNll, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
