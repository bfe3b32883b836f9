// Generic drivers for elementwise losses: one loop each for the sum (a reduction), the map (reduction 'none'), the
// gradient (backward) and the fused sum-and-gradient (valueAndGrad), over any term class and element type, for
// terms of up to three operands (a, b, c) plus an optional per-element weight w.
//
// A term class (see assembly/elementwise/terms/) is `@final @unmanaged`, has no fields and only `@inline` methods,
// and is used as `changetype<Op>(0)`: after inlining, each exported kernel is straight-line code. For N = f32 | f64:
//   value<N>(a: N, b: N, c: N, p: N, q: N): N                  the term ℓ(a, b, c) (p, q: the loss's parameters;
//                                                               c is 0 for two-operand terms)
//   lanes<N>(a: v128, b: v128, c: v128, p: v128, q: v128): v128 ℓ on the N lanes of a v128, same operations
//   gradA<N>(…): N, gradALanes<N>(…): v128                      ∂ℓ/∂a
//   gradB<N>(…), gradBLanes<N>(…)                               ∂ℓ/∂b
//   gradC<N>(…), gradCLanes<N>(…)                               ∂ℓ/∂c (a term without a gradient for an operand
//                                                               returns 0 there: the facade then asks for none)
//   nonNegative(): bool                                         optional: the term is never negative (NaN aside), so
//                                                               its unweighted float32 sums may add float32 blocks
//                                                               (see Precision)
//   wide(): bool                                                true: float32 inputs are computed in float64 (the
//                                                               f64 methods on promoted lanes, each result rounded
//                                                               once), for terms whose float32 evaluation would
//                                                               not meet the accuracy rule (cancellation; bce.ts)
//   narrowValue(): bool                                         optional, on a wide term: its value methods run in
//                                                               N after all (float32 lanes for float32; the term
//                                                               falls back to float64 itself where it must), only
//                                                               the gradients are wide (bce.ts)
//   wideParams(): bool                                          optional, with narrowValue: the value methods take
//                                                               p and q as given, in float64 (value<N>(…, p: f64,
//                                                               q: f64), lanes<N>(…) with f64x2 splats), not
//                                                               rounded to N (gaussian_nll.ts: a float64 eps for its
//                                                               float64 fallback)
//   scaledGrad<N>(which: i32, a: N, b: N, c: N, s: N, p: N, q: N): N        optional: ∂ℓ/∂(operand `which`: 0 a,
//   scaledGradLanes<N>(which, a, b, c, s: v128, p, q: v128): v128           1 b, 2 c) times the upstream s, computed
//                                                               by the term itself. For terms whose PyTorch gradient
//                                                               selects the upstream before it multiplies
//                                                               (where(mask, g, 0)·x), so that a masked-out zero
//                                                               takes its sign from x, not from g
//                                                               (margin_ranking.ts, hinge.ts). When a term defines
//                                                               them (`isDefined`, resolved at compile time), the
//                                                               driver calls them instead of gradX·s.
//   ready(a: v128, b: v128): bool, front(a, b, lo: bool): v128, back(a, b, hi: v128, lo: v128): v128
//                                                               optional, for two-operand terms whose float32 value is
//                                                               one long dependency chain in two stages (the softplus
//                                                               tail: its split exp, then the log1p of hi + lo): where
//                                                               ready(a, b) (all four lanes on the fast path), lanes<f32>
//                                                               (a, b) is back(a, b, front(a, b, false), front(a, b,
//                                                               true)), the same operations. The unweighted float32 sum
//                                                               then runs a software-pipelined loop (pipeSum; not the
//                                                               map, to stay in the size budget): vector i + 1's front
//                                                               beside vector i's back, two independent chains per
//                                                               iteration, where one vector
//                                                               at a time leaves the core waiting on its latency
//                                                               (SoftMargin, BCEWithLogits: 1.5-1.6× on the bench's
//                                                               data); a vector that is not ready ends the run and
//                                                               takes lanes<f32>. Each element gets the same bits as
//                                                               from lanes<f32>; the sum adds the vectors' halves in
//                                                               one accumulator, in order (float64 sums of float32
//                                                               terms: the order changes only float64 roundings).
// Scalar and lane versions perform the same IEEE operations in the same order, so a SIMD lane, a scalar tail and
// the scalar build give the same bits for the same element.
//
// Pointer contract (every driver): `a`, `b`, `c`, `w`, `g` are byte offsets of `n` contiguous elements of N, read
// only; `out`, `ga`, `gb`, `gc` byte offsets of `n` elements written once each; any alignment; outputs may alias
// inputs element for element. `c == 0` means no third operand (c_i = 0), `w == 0` no per-element weight (w_i = 1),
// `g == 0` an upstream gradient `gs` shared by every element, `ga == 0` (gb, gc) that gradient is not wanted.
// Nothing is allocated, nothing throws.
//
// Precision: terms and gradients are computed in N (float32 lanes for float32 inputs, as PyTorch computes them),
// or in float64 for `wide` terms; sums accumulate in float64 across four f64x2 accumulators (float32 terms
// promoted exactly), so a float32 sum carries only its terms' rounding, not a float32 summation's — except for
// `nonNegative` terms without a weight: there each lane first adds its four terms of a 16-element block pairwise
// in float32, ((t0 + t1) + (t2 + t3)), and the block is widened (MSE, L1, SmoothL1, Huber: the widening was most of
// their cost). Two float32 roundings per term, of partial sums of non-negative terms, add at most 2·2^-24 of the
// sum (relative; one to two float32 ulp of the result only if every rounding went the same way, a small fraction
// of an ulp in practice, as they cancel); the float32 loss is then rounded once. The fixture rule (DESIGN §2:
// within max(2 ulp, PyTorch's own error) of the float64 truth) is tested per case, and PyTorch's own float32
// sums round at every level of its cascade. The weight
// multiplies the term in N (PyTorch's `loss * weight`); gradients are ∂ℓ·(w·g), each product rounded in N.
//
// Lane layout: one v128 holds lanesOf<N>() elements (4 float32 or 2 float64); sums take four vectors per
// iteration, then single vectors, then a scalar tail; maps and gradients one vector per iteration, then the tail.
import { at, hi64, hsum, lanesOf, lo64, pack32, put, vadd, vat, vmul, vput, vsplat, widenAdd } from '../lanes';

/** The third operand's lanes at element i, or zeros when there is none. */
// @ts-ignore: decorator
@inline function cLanes<N>(c: usize, i: i32): v128 {
  return c == 0 ? i64x2.splat(0) : vat<N>(c, i);
}

/** The third operand's element i, or 0 when there is none. */
// @ts-ignore: decorator
@inline function cAt<N>(c: usize, i: i32): N {
  return c == 0 ? <N>0 : at<N>(c, i);
}

/**
 * The term's value on the N lanes of (a, b, c), times the weight lanes wv when w != 0, as f64x2 partial sums to
 * accumulate (the two halves of float32 lanes added; for a wide float32 term, computed on the promoted halves).
 */
// @ts-ignore: decorator
@inline function termSum<Op, N>(a: v128, b: v128, c: v128, w: usize, wv: v128, p: f64, q: f64, vp: v128, vq: v128): v128 {
  const op = changetype<Op>(0);
  if (sizeof<N>() == 4 && op.wide() && !isDefined(op.narrowValue)) {
    const P = f64x2.splat(p), Q = f64x2.splat(q);
    let lo = op.lanes<f64>(lo64(a), lo64(b), lo64(c), P, Q), hi = op.lanes<f64>(hi64(a), hi64(b), hi64(c), P, Q);
    if (w != 0) {
      lo = f64x2.mul(lo, lo64(wv));
      hi = f64x2.mul(hi, hi64(wv));
    }
    return f64x2.add(lo, hi);
  }
  let t: v128;
  if (isDefined(op.wideParams)) t = op.lanes<N>(a, b, c, f64x2.splat(p), f64x2.splat(q));
  else t = op.lanes<N>(a, b, c, vp, vq);
  if (w != 0) t = vmul<N>(t, wv);
  return widenAdd<N>(f64x2.splat(0), t);
}

/** The term's N lanes times the weight lanes (when w != 0), rounded once from float64 for a wide float32 term. */
// @ts-ignore: decorator
@inline function termLanes<Op, N>(a: v128, b: v128, c: v128, w: usize, wv: v128, p: f64, q: f64, vp: v128, vq: v128): v128 {
  const op = changetype<Op>(0);
  if (sizeof<N>() == 4 && op.wide() && !isDefined(op.narrowValue)) {
    const P = f64x2.splat(p), Q = f64x2.splat(q);
    let lo = op.lanes<f64>(lo64(a), lo64(b), lo64(c), P, Q), hi = op.lanes<f64>(hi64(a), hi64(b), hi64(c), P, Q);
    if (w != 0) {
      lo = f64x2.mul(lo, lo64(wv));
      hi = f64x2.mul(hi, hi64(wv));
    }
    return pack32(lo, hi);
  }
  let t: v128;
  if (isDefined(op.wideParams)) t = op.lanes<N>(a, b, c, f64x2.splat(p), f64x2.splat(q));
  else t = op.lanes<N>(a, b, c, vp, vq);
  return w != 0 ? vmul<N>(t, wv) : t;
}

/** The term's value at one element times its weight (w != 0), as float64 (exact for N = f32 unless wide). */
// @ts-ignore: decorator
@inline function termValue<Op, N>(a: N, b: N, c: N, w: usize, wi: N, p: f64, q: f64): f64 {
  const op = changetype<Op>(0);
  if (sizeof<N>() == 4 && op.wide() && !isDefined(op.narrowValue)) {
    const t = op.value<f64>(<f64>a, <f64>b, <f64>c, p, q);
    return w != 0 ? t * <f64>wi : t;
  }
  let t: N;
  if (isDefined(op.wideParams)) t = op.value<N>(a, b, c, p, q);
  else t = op.value<N>(a, b, c, <N>p, <N>q);
  return <f64>(w != 0 ? t * wi : t);
}

/** ∂ℓ/∂(operand `which`: 0 a, 1 b, 2 c) on N lanes, times s (N lanes). */
// @ts-ignore: decorator
@inline function gradLanes<Op, N>(which: i32, a: v128, b: v128, c: v128, s: v128, p: f64, q: f64, vp: v128, vq: v128): v128 {
  const op = changetype<Op>(0);
  if (sizeof<N>() == 4 && op.wide()) {
    const P = f64x2.splat(p), Q = f64x2.splat(q);
    const la = lo64(a), lb = lo64(b), lc = lo64(c), ha = hi64(a), hb = hi64(b), hc = hi64(c);
    if (isDefined(op.scaledGradLanes)) {
      return pack32(op.scaledGradLanes<f64>(which, la, lb, lc, lo64(s), P, Q), op.scaledGradLanes<f64>(which, ha, hb, hc, hi64(s), P, Q));
    }
    const lo = which == 0 ? op.gradALanes<f64>(la, lb, lc, P, Q)
      : which == 1 ? op.gradBLanes<f64>(la, lb, lc, P, Q) : op.gradCLanes<f64>(la, lb, lc, P, Q);
    const hi = which == 0 ? op.gradALanes<f64>(ha, hb, hc, P, Q)
      : which == 1 ? op.gradBLanes<f64>(ha, hb, hc, P, Q) : op.gradCLanes<f64>(ha, hb, hc, P, Q);
    return pack32(f64x2.mul(lo, lo64(s)), f64x2.mul(hi, hi64(s)));
  }
  if (isDefined(op.scaledGradLanes)) return op.scaledGradLanes<N>(which, a, b, c, s, vp, vq);
  const d = which == 0 ? op.gradALanes<N>(a, b, c, vp, vq)
    : which == 1 ? op.gradBLanes<N>(a, b, c, vp, vq) : op.gradCLanes<N>(a, b, c, vp, vq);
  return vmul<N>(d, s);
}

/** ∂ℓ/∂(operand `which`) of one element, times s, in N. */
// @ts-ignore: decorator
@inline function gradValue<Op, N>(which: i32, a: N, b: N, c: N, s: N, p: f64, q: f64): N {
  const op = changetype<Op>(0);
  if (sizeof<N>() == 4 && op.wide()) {
    const A = <f64>a, B = <f64>b, Cv = <f64>c;
    if (isDefined(op.scaledGrad)) return <N>op.scaledGrad<f64>(which, A, B, Cv, <f64>s, p, q);
    const d = which == 0 ? op.gradA<f64>(A, B, Cv, p, q) : which == 1 ? op.gradB<f64>(A, B, Cv, p, q) : op.gradC<f64>(A, B, Cv, p, q);
    return <N>(d * <f64>s);
  }
  const P = <N>p, Q = <N>q;
  if (isDefined(op.scaledGrad)) return op.scaledGrad<N>(which, a, b, c, s, P, Q);
  const d = which == 0 ? op.gradA<N>(a, b, c, P, Q) : which == 1 ? op.gradB<N>(a, b, c, P, Q) : op.gradC<N>(a, b, c, P, Q);
  return d * s;
}

/** ((t0 + t1) + (t2 + t3)) in N lanes for the terms of the four vectors from element i (no weight). */
// @ts-ignore: decorator
@inline function block4<Op, N>(a: usize, b: usize, c: usize, i: i32, p: f64, q: f64, vp: v128, vq: v128): v128 {
  const op = changetype<Op>(0);
  const L = lanesOf<N>();
  const t0 = op.lanes<N>(vat<N>(a, i), vat<N>(b, i), cLanes<N>(c, i), vp, vq);
  const t1 = op.lanes<N>(vat<N>(a, i + L), vat<N>(b, i + L), cLanes<N>(c, i + L), vp, vq);
  const t2 = op.lanes<N>(vat<N>(a, i + 2 * L), vat<N>(b, i + 2 * L), cLanes<N>(c, i + 2 * L), vp, vq);
  const t3 = op.lanes<N>(vat<N>(a, i + 3 * L), vat<N>(b, i + 3 * L), cLanes<N>(c, i + 3 * L), vp, vq);
  return vadd<N>(vadd<N>(t0, t1), vadd<N>(t2, t3));
}

/**
 * The unweighted float32 sum of a pipelined term (see the header: ready, front, back) from element i (a multiple of
 * 4) over whole vectors, added to `s` (f64x2 partial sums); the caller adds the scalar tail from (n − i) & ~3 on.
 */
// @ts-ignore: decorator
@inline function pipeSum<Op>(a: usize, b: usize, n: i32, p: f64, q: f64, vp: v128, vq: v128): v128 {
  const op = changetype<Op>(0);
  const zero = i64x2.splat(0);
  let s = f64x2.splat(0);
  let i = 0;
  while (i + 4 <= n) {
    const x = vat<f32>(a, i), y = vat<f32>(b, i);
    if (!op.ready(x, y)) {
      s = widenAdd<f32>(s, op.lanes<f32>(x, y, zero, vp, vq));
      i += 4;
      continue;
    }
    // A run of ready vectors: the front of vector j beside the back of vector j − 1.
    let hi = op.front(x, y, false), lo = op.front(x, y, true);
    let j = i + 4;
    for (; j + 4 <= n; j += 4) {
      const x2 = vat<f32>(a, j), y2 = vat<f32>(b, j);
      if (!op.ready(x2, y2)) break;
      const hi2 = op.front(x2, y2, false), lo2 = op.front(x2, y2, true);
      s = widenAdd<f32>(s, op.back(vat<f32>(a, j - 4), vat<f32>(b, j - 4), hi, lo));
      hi = hi2;
      lo = lo2;
    }
    s = widenAdd<f32>(s, op.back(vat<f32>(a, j - 4), vat<f32>(b, j - 4), hi, lo));
    i = j;
  }
  return s;
}

/** Σ w_i·ℓ(a_i, b_i, c_i) in float64. */
// @ts-ignore: decorator
@inline export function sum<Op, N>(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 {
  let i = 0;
  let acc: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const L = lanesOf<N>();
    const vp = vsplat<N>(p), vq = vsplat<N>(q), one = vsplat<N>(1);
    let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
    // Cheap terms are unrolled (independent accumulators hide the add latency). A wide term's math is long enough
    // to hide that latency alone: only its unweighted float32 values get a two-vector loop (below), which saves the
    // single-vector loop's per-vector selects; elsewhere unrolling it would only multiply its code.
    if (sizeof<N>() == 4 && isDefined(changetype<Op>(0).front) && w == 0) {
      s0 = pipeSum<Op>(a, b, n, p, q, vp, vq);
      i = n & ~3;
    } else if (changetype<Op>(0).wide()) {
      if (sizeof<N>() == 4 && isDefined(changetype<Op>(0).narrowValue) && w == 0 && c == 0) {
        // Unweighted two-operand float32 values of wide terms (BCE, KLDiv, …): their own loop, two vectors per
        // iteration into two accumulators, without the single-vector loop's per-vector weight and third-operand
        // selects (BCE's kernel 1.1×, KLDiv's 1.05×).
        const z = i64x2.splat(0);
        for (; i + 2 * L <= n; i += 2 * L) {
          s0 = f64x2.add(s0, termSum<Op, N>(vat<N>(a, i), vat<N>(b, i), z, 0, one, p, q, vp, vq));
          s1 = f64x2.add(s1, termSum<Op, N>(vat<N>(a, i + L), vat<N>(b, i + L), z, 0, one, p, q, vp, vq));
        }
      }
    } else if (sizeof<N>() == 4 && isDefined(changetype<Op>(0).nonNegative) && w == 0) {
      // Non-negative float32 terms: each lane adds its four terms of a 16-element block pairwise in float32,
      // ((t0 + t1) + (t2 + t3)), before the block is widened into float64 (see the header's precision note).
      for (; i + 8 * L <= n; i += 8 * L) {
        s0 = widenAdd<N>(s0, block4<Op, N>(a, b, c, i, p, q, vp, vq));
        s1 = widenAdd<N>(s1, block4<Op, N>(a, b, c, i + 4 * L, p, q, vp, vq));
      }
    } else if (w == 0) {
      for (; i + 4 * L <= n; i += 4 * L) {
        s0 = f64x2.add(s0, termSum<Op, N>(vat<N>(a, i), vat<N>(b, i), cLanes<N>(c, i), 0, one, p, q, vp, vq));
        s1 = f64x2.add(s1, termSum<Op, N>(vat<N>(a, i + L), vat<N>(b, i + L), cLanes<N>(c, i + L), 0, one, p, q, vp, vq));
        s2 = f64x2.add(s2, termSum<Op, N>(vat<N>(a, i + 2 * L), vat<N>(b, i + 2 * L), cLanes<N>(c, i + 2 * L), 0, one, p, q, vp, vq));
        s3 = f64x2.add(s3, termSum<Op, N>(vat<N>(a, i + 3 * L), vat<N>(b, i + 3 * L), cLanes<N>(c, i + 3 * L), 0, one, p, q, vp, vq));
      }
    } else {
      for (; i + 2 * L <= n; i += 2 * L) {
        s0 = f64x2.add(s0, termSum<Op, N>(vat<N>(a, i), vat<N>(b, i), cLanes<N>(c, i), w, vat<N>(w, i), p, q, vp, vq));
        s1 = f64x2.add(s1, termSum<Op, N>(vat<N>(a, i + L), vat<N>(b, i + L), cLanes<N>(c, i + L), w, vat<N>(w, i + L), p, q, vp, vq));
      }
    }
    for (; i + L <= n; i += L) {
      s0 = f64x2.add(s0, termSum<Op, N>(vat<N>(a, i), vat<N>(b, i), cLanes<N>(c, i), w, w != 0 ? vat<N>(w, i) : one, p, q, vp, vq));
    }
    acc = hsum(f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3)));
  }
  for (; i < n; i++) acc += termValue<Op, N>(at<N>(a, i), at<N>(b, i), cAt<N>(c, i), w, w != 0 ? at<N>(w, i) : <N>1, p, q);
  return acc;
}

/** out_i = w_i·ℓ(a_i, b_i, c_i) in N. */
// @ts-ignore: decorator
@inline export function map<Op, N>(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const L = lanesOf<N>();
    const vp = vsplat<N>(p), vq = vsplat<N>(q), one = vsplat<N>(1);
    for (; i + L <= n; i += L) {
      const wv = w != 0 ? vat<N>(w, i) : one;
      vput<N>(out, i, termLanes<Op, N>(vat<N>(a, i), vat<N>(b, i), cLanes<N>(c, i), w, wv, p, q, vp, vq));
    }
  }
  for (; i < n; i++) {
    put<N>(out, i, <N>termValue<Op, N>(at<N>(a, i), at<N>(b, i), cAt<N>(c, i), w, w != 0 ? at<N>(w, i) : <N>1, p, q));
  }
}

/** Writes ∂ℓ/∂a·s, ∂ℓ/∂b·s, ∂ℓ/∂c·s of element i (lanes from i) to the wanted outputs. */
// @ts-ignore: decorator
@inline function storeGrads<Op, N>(
  i: i32, x: v128, y: v128, z: v128, s: v128, ga: usize, gb: usize, gc: usize, p: f64, q: f64, vp: v128, vq: v128,
): void {
  if (ga != 0) vput<N>(ga, i, gradLanes<Op, N>(0, x, y, z, s, p, q, vp, vq));
  if (gb != 0) vput<N>(gb, i, gradLanes<Op, N>(1, x, y, z, s, p, q, vp, vq));
  if (gc != 0) vput<N>(gc, i, gradLanes<Op, N>(2, x, y, z, s, p, q, vp, vq));
}

/** The scalar twin of `storeGrads`. */
// @ts-ignore: decorator
@inline function storeGrad<Op, N>(i: i32, x: N, y: N, z: N, s: N, ga: usize, gb: usize, gc: usize, p: f64, q: f64): void {
  if (ga != 0) put<N>(ga, i, gradValue<Op, N>(0, x, y, z, s, p, q));
  if (gb != 0) put<N>(gb, i, gradValue<Op, N>(1, x, y, z, s, p, q));
  if (gc != 0) put<N>(gc, i, gradValue<Op, N>(2, x, y, z, s, p, q));
}

/** ga_i = ∂ℓ/∂a·(w_i·g_i) and likewise gb, gc (each only when its pointer is non-zero); g_i = gs when g == 0. */
// @ts-ignore: decorator
@inline export function grad<Op, N>(
  a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const L = lanesOf<N>();
    const vp = vsplat<N>(p), vq = vsplat<N>(q), vgs = vsplat<N>(gs);
    for (; i + L <= n; i += L) {
      let s = g == 0 ? vgs : vat<N>(g, i);
      if (w != 0) s = vmul<N>(vat<N>(w, i), s);
      storeGrads<Op, N>(i, vat<N>(a, i), vat<N>(b, i), cLanes<N>(c, i), s, ga, gb, gc, p, q, vp, vq);
    }
  }
  const sgs = <N>gs;
  for (; i < n; i++) {
    let s = g == 0 ? sgs : at<N>(g, i);
    if (w != 0) s = at<N>(w, i) * s;
    storeGrad<Op, N>(i, at<N>(a, i), at<N>(b, i), cAt<N>(c, i), s, ga, gb, gc, p, q);
  }
}

/**
 * The fused forward and backward of a reduction: returns Σ w_i·ℓ(a_i, b_i, c_i) (float64) and writes the
 * gradients for the upstream gradient `gs` (already scaled for the reduction, e.g. g/n for 'mean'), as `grad`.
 */
// @ts-ignore: decorator
@inline export function sumGrad<Op, N>(
  a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64,
): f64 {
  let i = 0;
  let acc: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const L = lanesOf<N>();
    const vp = vsplat<N>(p), vq = vsplat<N>(q), vgs = vsplat<N>(gs), one = vsplat<N>(1);
    let s0 = f64x2.splat(0);
    for (; i + L <= n; i += L) {
      const x = vat<N>(a, i), y = vat<N>(b, i), z = cLanes<N>(c, i);
      const wv = w != 0 ? vat<N>(w, i) : one;
      s0 = f64x2.add(s0, termSum<Op, N>(x, y, z, w, wv, p, q, vp, vq));
      storeGrads<Op, N>(i, x, y, z, w != 0 ? vmul<N>(wv, vgs) : vgs, ga, gb, gc, p, q, vp, vq);
    }
    acc = hsum(s0);
  }
  const sgs = <N>gs;
  for (; i < n; i++) {
    const x = at<N>(a, i), y = at<N>(b, i), z = cAt<N>(c, i);
    const wi = w != 0 ? at<N>(w, i) : <N>1;
    acc += termValue<Op, N>(x, y, z, w, wi, p, q);
    storeGrad<Op, N>(i, x, y, z, w != 0 ? wi * sgs : sgs, ga, gb, gc, p, q);
  }
  return acc;
}
