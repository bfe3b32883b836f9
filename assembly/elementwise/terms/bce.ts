// BCELoss term (PyTorch 1.13's binary_cross_entropy and binary_cross_entropy_backward, CPU kernels), for inputs
// x = a in [0, 1] and targets y = b:
//   ℓ = (y − 1)·max(log(1 − x), −100) − y·max(log x, −100)
//   ∂ℓ/∂x = (x − y) / max((1 − x)·x, ε)              (ε = float32(1e-12), PyTorch's `float EPSILON`, in N)
//   ∂ℓ/∂y = log(1 − x) − log x                        (no clamp, so ±∞ at x = 0, 1; +0 at x = ½, as 1.13)
// with PyTorch's operation order, in the input's precision (1 − x rounded there: 1.13 takes log(1 − x), not
// log1p(−x)); max(v, m) is std::max, `v < m ? m : v`, so a NaN log stays NaN.
// An input outside [0, 1] (NaN included) makes ℓ NaN (log of a negative number or of NaN), never a finite
// number: the facade runs `outside_unit_*` (assembly/checks.ts) to name it. Targets are not checked (as 1.13).
// float32 values (narrowValue), in float32 lanes, with log(1 − x) taken as log1p(−x) = log u + c/u, u = fl32(1 − x)
// and c = −x − (u − 1) its exact rounding error (no correction where c = 0, 1 − x exact, nor for x < 2^-53, where
// the float64 reference log(1 − x) is 0 too): more accurate than PyTorch's log(fl32(1 − x)), whose rounding of
// 1 − x costs up to ~10 ulp near x = 0, and which a correctly rounded float32 log can miss PyTorch's luckier glibc
// result on.
// - targets +0 or 1 (BCE's usual use): one log per element, ℓ = −max(L, −100) + z with L = log x (y = 1) or
//   log1p(−x) (y = 0) and z = −0 (y = 1) or +0 (y = 0): the bits of the two-log formula below, signed zeros
//   included (0·a − b = −b for y = 1; −a − 0·b = −a + 0 for y = 0); a vector of such targets takes this path.
// - targets in [0, 1]: PyTorch's (y − 1)·a − y·b in float32 (two positive products, no cancellation).
// - other targets (outside [0, 1], NaN): PyTorch's formula in float64, rounded once: there the two products cancel,
//   and a float32 evaluation that is not bit-identical to PyTorch's misses the accuracy rule on some fixture
//   cases. A vector with such a lane computes both and selects per lane, so lanes, tails and the scalar build
//   agree.
// Inputs outside [0, 1] give NaN (selected explicitly: the one-log form would not).
// Fast path: a vector whose x and u = 1 − x are all normal float32 (x ∈ [2^-126, 1)) and whose targets are all in
// [0, 1] (the usual case) skips what is an identity there: the logs' subnormal scaling and special cases
// (log_normal_f32x4), the −100 clamps (log ≥ ln 2^-126 > −100), the c = 0 mask (u > 0, so c/u = ±0 adds
// nothing), the NaN select and the float64 fallback: the same bits as the general path (`bceLanesGeneral`, not
// inlined, so only x and y are live across the branch), at ~2/3 of its operations; its constants are loaded from a
// data segment (`bk`), not rebuilt at each use, and its vector tests are bitmasks (movmskps, not all_true's five
// instructions). Gradients stay wide: float64,
// each result rounded once (the target's gradient near x = ½ is a cancellation of its own). log: log_f32x4
// (assembly/math/log.ts; measured 0.83 ulp over every float32 in (0, 1]), float64 log < 1 ulp.
// Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { pack32, hi64, lo64, vdiv, vmul, vpmax, vsplat, vsub } from '../../lanes';
import { logLanes, logOf, log_normal_f32x4 } from '../../math/log';

/** PyTorch's `static const float EPSILON = 1e-12`: the float32 value, also in float64 kernels. */
const EPSILON: f64 = <f64><f32>1e-12;

// @ts-ignore: decorator
@inline function clampLog<N>(v: N): N {
  const l = logOf<N>(v);
  return l < <N>-100 ? <N>-100 : l;
}

const NEG_ZERO: f32 = reinterpret<f32>(0x80000000);
/** 2^-53: below it float64's 1 − x is 1, so PyTorch's float64 log(1 − x) is 0 and log1p's correction is left out. */
const TINY: f32 = 1.1102230246251565e-16;

/** 2^-126, the smallest normal float32: the fast path's lower bound for x and 1 − x. */
const NORMAL32: f32 = 1.17549435e-38;
// The float32 lane constants of the fast path, each in four lanes; bk(i) loads the i-th (V8 materialises a
// v128.const at every use, a load is one instruction).
const BK: usize = memory.data<f32>([
  1, 1, 1, 1, NORMAL32, NORMAL32, NORMAL32, NORMAL32, TINY, TINY, TINY, TINY,
  NEG_ZERO, NEG_ZERO, NEG_ZERO, NEG_ZERO,
], 16);
const K_ONE = 0, K_NORMAL = 1, K_TINY = 2, K_NEG_ZERO = 3;
// @ts-ignore: decorator
@inline function bk(i: i32): v128 { return v128.load(BK + (<usize>i << 4)); }

/** PyTorch's formula in float64: (y − 1)·max(log(1 − x), −100) − y·max(log x, −100). */
// @ts-ignore: decorator
@inline function bce64(x: f64, y: f64): f64 {
  return (y - 1) * clampLog<f64>(1 - x) - y * clampLog<f64>(x);
}

/** bce64 on two float64 lanes. */
// @ts-ignore: decorator
@inline function bce64Lanes(x: v128, y: v128): v128 {
  const one = f64x2.splat(1), floor = f64x2.splat(-100);
  const a = f64x2.pmax(logLanes<f64>(f64x2.sub(one, x)), floor);
  const b = f64x2.pmax(logLanes<f64>(x), floor);
  return f64x2.sub(f64x2.mul(f64x2.sub(y, one), a), f64x2.mul(y, b));
}

/**
 * The float32 term on four lanes in general (any x, any y): the path of vectors the fast path does not take (see
 * the header). Not inlined: it keeps the fast loop's registers free.
 */
function bceLanesGeneral(x: v128, y: v128): v128 {
  const one = bk(K_ONE), zero = i32x4.splat(0);
  const u = f32x4.sub(one, x);
  const cu = f32x4.sub(f32x4.neg(x), f32x4.sub(u, one));
  const isOne = f32x4.eq(y, one);
  const binary = v128.or(isOne, i32x4.eq(y, zero));
  const floor = f32x4.splat(-100);
  // log(1 − x) as log1p(−x): u = fl32(1 − x), c = −x − (u − 1) its rounding error, log u + c/u.
  const corr = v128.and(f32x4.div(cu, u), v128.andnot(f32x4.ge(x, f32x4.splat(TINY)), f32x4.eq(cu, zero)));
  let r: v128;
  if (i32x4.all_true(binary)) {
    const l = logLanes<f32>(v128.bitselect(x, u, isOne));
    const L = f32x4.pmax(v128.bitselect(l, f32x4.add(l, corr), isOne), floor);
    r = f32x4.add(f32x4.neg(L), v128.and(isOne, f32x4.splat(NEG_ZERO)));
  } else {
    // Soft targets: PyTorch's two logs, in float32 (gives the one-log bits at y = +0 and 1, see the header).
    const a = f32x4.pmax(f32x4.add(logLanes<f32>(u), corr), floor);
    const b = f32x4.pmax(logLanes<f32>(x), floor);
    r = f32x4.sub(f32x4.mul(f32x4.sub(y, one), a), f32x4.mul(y, b));
  }
  // x outside [0, 1] gives NaN, as the two-log formula does (the facade's range check relies on it).
  r = v128.bitselect(f32x4.splat(NaN), r, v128.or(f32x4.lt(u, zero), f32x4.lt(x, zero)));
  const unit = v128.and(f32x4.ge(y, zero), f32x4.le(y, one));
  if (i32x4.all_true(unit)) return r;
  return v128.bitselect(r, pack32(bce64Lanes(lo64(x), lo64(y)), bce64Lanes(hi64(x), hi64(y))), unit);
}

// @ts-ignore: decorator
@final @unmanaged class Bce {
  // @ts-ignore: decorator
  @inline wide(): bool { return true; }
  // @ts-ignore: decorator
  @inline narrowValue(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(x: N, y: N, c: N, p: N, q: N): N {
    if (sizeof<N>() == 4) {
      const X = <f32>x, Y = <f32>y;
      if (!(Y >= <f32>0 && Y <= <f32>1)) return <N>bce64(<f64>x, <f64>y);
      const u = <f32>1 - X;
      const cu = -X - (u - <f32>1);
      const isOne = Y == <f32>1;
      let r: f32;
      if (isOne || reinterpret<u32>(Y) == 0) {
        const l = logOf<f32>(isOne ? X : u);
        const L = isOne ? l : l + (cu != 0 && X >= TINY ? cu / u : <f32>0);
        r = -(L < <f32>-100 ? <f32>-100 : L) + (isOne ? NEG_ZERO : <f32>0);
      } else {
        const la = logOf<f32>(u);
        const a0 = la + (cu != 0 && X >= TINY ? cu / u : <f32>0);
        const a = a0 < <f32>-100 ? <f32>-100 : a0;
        const lb = logOf<f32>(X);
        const b = lb < <f32>-100 ? <f32>-100 : lb;
        r = (Y - <f32>1) * a - Y * b;
      }
      return <N>(u < <f32>0 || X < <f32>0 ? <f32>NaN : r);
    }
    return (y - <N>1) * clampLog<N>(<N>1 - x) - y * clampLog<N>(x);
  }
  // @ts-ignore: decorator
  @inline lanes<N>(x: v128, y: v128, c: v128, p: v128, q: v128): v128 {
    if (sizeof<N>() == 4) {
      const one = bk(K_ONE), zero = i32x4.splat(0);
      const u = f32x4.sub(one, x);
      const normal = bk(K_NORMAL);
      // The fast path (see the header); only x and y are live into the general path, which recomputes the rest.
      const fast = v128.and(v128.and(f32x4.ge(x, normal), f32x4.ge(u, normal)), v128.and(f32x4.ge(y, zero), f32x4.le(y, one)));
      if (i32x4.bitmask(fast) != 0xF) return bceLanesGeneral(x, y);
      const cu = f32x4.sub(f32x4.sub(zero, x), f32x4.sub(u, one)); // −x − (u − 1); 0 − x = −x as x > 0
      const corr = v128.and(f32x4.div(cu, u), f32x4.ge(x, bk(K_TINY)));
      const isOne = f32x4.eq(y, one);
      if (i32x4.bitmask(v128.or(isOne, i32x4.eq(y, zero))) == 0xF) {
        const l = log_normal_f32x4(v128.bitselect(x, u, isOne));
        return f32x4.sub(v128.and(isOne, bk(K_NEG_ZERO)), v128.bitselect(l, f32x4.add(l, corr), isOne));
      }
      const a = f32x4.add(log_normal_f32x4(u), corr);
      return f32x4.sub(f32x4.mul(f32x4.sub(y, one), a), f32x4.mul(y, log_normal_f32x4(x)));
    }
    return bce64Lanes(x, y);
  }
  // @ts-ignore: decorator
  @inline gradA<N>(x: N, y: N, c: N, p: N, q: N): N {
    const d = (<N>1 - x) * x;
    return (x - y) / (d < <N>EPSILON ? <N>EPSILON : d);
  }
  // @ts-ignore: decorator
  @inline gradALanes<N>(x: v128, y: v128, c: v128, p: v128, q: v128): v128 {
    const d = vmul<N>(vsub<N>(vsplat<N>(1), x), x);
    return vdiv<N>(vsub<N>(x, y), vpmax<N>(d, vsplat<N>(EPSILON)));
  }
  // @ts-ignore: decorator
  @inline gradB<N>(x: N, y: N, c: N, p: N, q: N): N { return logOf<N>(<N>1 - x) - logOf<N>(x); }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(x: v128, y: v128, c: v128, p: v128, q: v128): v128 {
    return vsub<N>(logLanes<N>(vsub<N>(vsplat<N>(1), x)), logLanes<N>(x));
  }
  // @ts-ignore: decorator
  @inline gradC<N>(a: N, b: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(a: v128, b: v128, c: v128, p: v128, q: v128): v128 { return vsplat<N>(0); }
}

export function bce_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<Bce, f32>(a, b, c, w, n, p, q); }
export function bce_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<Bce, f64>(a, b, c, w, n, p, q); }
export function bce_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<Bce, f32>(a, b, c, w, out, n, p, q); }
export function bce_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<Bce, f64>(a, b, c, w, out, n, p, q); }
export function bce_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<Bce, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function bce_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<Bce, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function bce_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<Bce, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function bce_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<Bce, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
