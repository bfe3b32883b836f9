// Box IoU losses (torchvision 0.14's ops.generalized_box_iou_loss, distance_box_iou_loss, complete_box_iou_loss),
// forward and backward, per pair of boxes (x1, y1, x2, y2) = boxes1[i], (X1, Y1, X2, Y2) = boxes2[i], in
// torchvision's operation order (e = eps; CIoU's DIoU part always uses e₀ = 1e-7, torchvision calls
// _diou_iou_loss without eps, so eps only reaches CIoU's α):
//   xk1 = max(x1, X1), yk1 = max(y1, Y1), xk2 = min(x2, X2), yk2 = min(y2, Y2)
//   I = (yk2 > yk1 and xk2 > xk1) ? (xk2 − xk1)·(yk2 − yk1) : 0
//   U = ((x2 − x1)·(y2 − y1) + (X2 − X1)·(Y2 − Y1)) − I,  iou = I/(U + e)
//   enclosing box: xc1 = min(x1, X1), yc1 = min(y1, Y1), xc2 = max(x2, X2), yc2 = max(y2, Y2); cw, ch its sides
//   GIoU  ℓ = 1 − (iou − (cw·ch − U)/(cw·ch + e))
//   DIoU  ℓ = (1 − iou) + ρ²/c²,  ρ² = (xp − xg)² + (yp − yg)² of the centres ((x2 + x1)/2, …),
//         c² = (cw² + ch²) + e
//   CIoU  ℓ = DIoU(e₀) + α·v,  v = (4/π²)·(atan(W/H) − atan(w/h))²,  α = v/(((1 − iou) + v) + e) (no gradient)
// The backward is autograd's, node by node with torch 1.13's formulas (a/b: g/b and −g·((a/b)/b); x²: g·(2x);
// atan: g/(x·x + 1); the masked intersection: +0 where the mask is false), so special values (a zero-height box,
// NaN) and the signs of exact zeros come out as PyTorch's; maximum/minimum route the gradient as
// where(a == b, g/2, g) masked to +0 on the losing side (ties split 50/50, a NaN gives both sides all of it).
//
// Precision: float64 throughout, float32 boxes promoted (wide, like the BCEWithLogits terms: CIoU's atan
// difference and the gradient's sums of autograd branches cancel, so a float32 evaluation not bit-identical to
// PyTorch's would miss DESIGN §2's accuracy rule); losses are written as float64, the gradients rounded once to N.
// Lane layout: structure of arrays, f64x2: one v128 holds one coordinate of two boxes (boxes i and i + 1), built
// by lane loads from the (n, 4) rows and scattered back for the gradients; an odd last box runs the same generic
// code on f64 scalars (and the scalar build runs every box that way), so a box gives the same bits either way.
// atan per lane with Math.atan (musl's).
//
// Pointer contract: `a`, `b` byte offsets of n boxes (4·n contiguous elements of N, row-major (n, 4)), read only;
// `out` (when != 0) n float64 losses; `g` (when != 0) n float64 upstream gradients, else `gs` for every box;
// `ga`, `gb` (when != 0) 4·n elements of N, the gradients of a and b. Any alignment. Nothing allocated or thrown.
import { vsel } from '../lanes';

/** Kinds (exported: the facade reads them from the module). */
export const BOX_GIOU: i32 = 0;
export const BOX_DIOU: i32 = 1;
export const BOX_CIOU: i32 = 2;

/** torchvision's 4 / (torch.pi ** 2), a Python float. */
const FOUR_OVER_PI2: f64 = 4.0 / (Math.PI * Math.PI);
/** _diou_iou_loss's default eps, which complete_box_iou_loss keeps. */
const DIOU_EPS: f64 = 1e-7;

// Generic operations over V = f64 (one box) or v128 (two boxes, f64x2); masks are V too (1.0/0.0 for f64).
// @ts-ignore: decorator
@inline function sp<V>(x: f64): V { if (isVector<V>()) return <V>f64x2.splat(x); else return <V>x; }
// @ts-ignore: decorator
@inline function add<V>(a: V, b: V): V { if (isVector<V>()) return <V>f64x2.add(<v128>a, <v128>b); else return <V>(<f64>a + <f64>b); }
// @ts-ignore: decorator
@inline function sub<V>(a: V, b: V): V { if (isVector<V>()) return <V>f64x2.sub(<v128>a, <v128>b); else return <V>(<f64>a - <f64>b); }
// @ts-ignore: decorator
@inline function mul<V>(a: V, b: V): V { if (isVector<V>()) return <V>f64x2.mul(<v128>a, <v128>b); else return <V>(<f64>a * <f64>b); }
// @ts-ignore: decorator
@inline function div<V>(a: V, b: V): V { if (isVector<V>()) return <V>f64x2.div(<v128>a, <v128>b); else return <V>(<f64>a / <f64>b); }
// @ts-ignore: decorator
@inline function neg<V>(a: V): V { if (isVector<V>()) return <V>f64x2.neg(<v128>a); else return <V>(-<f64>a); }
/** torch.maximum: NaN if either is NaN (wasm's f64.max and f64x2.max). */
// @ts-ignore: decorator
@inline function mx<V>(a: V, b: V): V { if (isVector<V>()) return <V>f64x2.max(<v128>a, <v128>b); else return <V>max<f64>(<f64>a, <f64>b); }
/** torch.minimum: NaN if either is NaN. */
// @ts-ignore: decorator
@inline function mn<V>(a: V, b: V): V { if (isVector<V>()) return <V>f64x2.min(<v128>a, <v128>b); else return <V>min<f64>(<f64>a, <f64>b); }
// @ts-ignore: decorator
@inline function eq<V>(a: V, b: V): V { if (isVector<V>()) return <V>f64x2.eq(<v128>a, <v128>b); else return <V>(<f64>a == <f64>b ? 1.0 : 0.0); }
// @ts-ignore: decorator
@inline function lt<V>(a: V, b: V): V { if (isVector<V>()) return <V>f64x2.lt(<v128>a, <v128>b); else return <V>(<f64>a < <f64>b ? 1.0 : 0.0); }
// @ts-ignore: decorator
@inline function gt<V>(a: V, b: V): V { if (isVector<V>()) return <V>f64x2.gt(<v128>a, <v128>b); else return <V>(<f64>a > <f64>b ? 1.0 : 0.0); }
// @ts-ignore: decorator
@inline function both<V>(m: V, k: V): V { if (isVector<V>()) return <V>v128.and(<v128>m, <v128>k); else return <V>(<f64>m * <f64>k); }
/** m ? a : b. */
// @ts-ignore: decorator
@inline function sel<V>(m: V, a: V, b: V): V { if (isVector<V>()) return <V>vsel(<v128>a, <v128>b, <v128>m); else return <f64>m != 0 ? a : b; }
// @ts-ignore: decorator
@inline function atanOf<V>(x: V): V {
  if (isVector<V>()) {
    const v = <v128>x;
    return <V>f64x2.replace_lane(f64x2.splat(Math.atan(f64x2.extract_lane(v, 0))), 1, Math.atan(f64x2.extract_lane(v, 1)));
  }
  return <V>Math.atan(<f64>x);
}

/** Coordinate k of box i (and i + 1 in the second lane for v128), promoted to f64. */
// @ts-ignore: decorator
@inline function coord<V, N>(p: usize, i: i32, k: i32): V {
  const at = p + ((<usize>i * 4 + <usize>k) << (sizeof<N>() == 4 ? 2 : 3));
  if (isVector<V>()) {
    const lo = <f64>load<N>(at), hi = <f64>load<N>(at + 4 * sizeof<N>());
    return <V>f64x2.replace_lane(f64x2.splat(lo), 1, hi);
  }
  return <V>(<f64>load<N>(at));
}

/** Stores v (rounded to N) as coordinate k of box i (and i + 1). */
// @ts-ignore: decorator
@inline function putCoord<V, N>(p: usize, i: i32, k: i32, v: V): void {
  const at = p + ((<usize>i * 4 + <usize>k) << (sizeof<N>() == 4 ? 2 : 3));
  if (isVector<V>()) {
    store<N>(at, <N>f64x2.extract_lane(<v128>v, 0));
    store<N>(at + 4 * sizeof<N>(), <N>f64x2.extract_lane(<v128>v, 1));
  } else {
    store<N>(at, <N>(<f64>v));
  }
}

/** Stores the losses of box i (and i + 1) as f64. */
// @ts-ignore: decorator
@inline function putLoss<V>(out: usize, i: i32, v: V): void {
  if (isVector<V>()) v128.store(out + (<usize>i << 3), <v128>v);
  else store<f64>(out + (<usize>i << 3), <f64>v);
}

/** The upstream gradient of box i (and i + 1). */
// @ts-ignore: decorator
@inline function upstream<V>(g: usize, gs: f64, i: i32): V {
  if (g == 0) return sp<V>(gs);
  if (isVector<V>()) return <V>v128.load(g + (<usize>i << 3));
  return <V>load<f64>(g + (<usize>i << 3));
}

/** maximum's backward to its first argument a (ties: g/2; a < b: +0). */
// @ts-ignore: decorator
@inline function maxA<V>(a: V, b: V, g: V): V { return sel<V>(lt<V>(a, b), sp<V>(0), sel<V>(eq<V>(a, b), div<V>(g, sp<V>(2)), g)); }
/** maximum's backward to its second argument b (ties: g/2; a > b: +0). */
// @ts-ignore: decorator
@inline function maxB<V>(a: V, b: V, g: V): V { return sel<V>(gt<V>(a, b), sp<V>(0), sel<V>(eq<V>(a, b), div<V>(g, sp<V>(2)), g)); }
/** minimum's backward to a (a > b: +0). */
// @ts-ignore: decorator
@inline function minA<V>(a: V, b: V, g: V): V { return maxB<V>(a, b, g); }
/** minimum's backward to b (a < b: +0). */
// @ts-ignore: decorator
@inline function minB<V>(a: V, b: V, g: V): V { return maxA<V>(a, b, g); }

/**
 * The loss of box i (and i + 1) and, when `ga` or `gb` != 0, its gradients times the upstream (written there).
 * One function for forward and backward, so both see the same intermediate values. Not inlined: one copy per
 * (V, N) instead of one per driver (binary size; a call per box pair is cheap next to its ~150 operations).
 */
function box<V, N>(kind: i32, eps: f64, a: usize, b: usize, i: i32, g: usize, gs: f64, ga: usize, gb: usize): V {
  const x1 = coord<V, N>(a, i, 0), y1 = coord<V, N>(a, i, 1), x2 = coord<V, N>(a, i, 2), y2 = coord<V, N>(a, i, 3);
  const X1 = coord<V, N>(b, i, 0), Y1 = coord<V, N>(b, i, 1), X2 = coord<V, N>(b, i, 2), Y2 = coord<V, N>(b, i, 3);
  const zero = sp<V>(0), one = sp<V>(1), two = sp<V>(2);
  const e = sp<V>(kind == BOX_CIOU ? DIOU_EPS : eps);
  // intersection and union
  const xk1 = mx<V>(x1, X1), yk1 = mx<V>(y1, Y1), xk2 = mn<V>(x2, X2), yk2 = mn<V>(y2, Y2);
  const mask = both<V>(gt<V>(yk2, yk1), gt<V>(xk2, xk1));
  const dx = sub<V>(xk2, xk1), dy = sub<V>(yk2, yk1);
  const inter = sel<V>(mask, mul<V>(dx, dy), zero);
  const w1 = sub<V>(x2, x1), h1 = sub<V>(y2, y1), w2 = sub<V>(X2, X1), h2 = sub<V>(Y2, Y1);
  const union = sub<V>(add<V>(mul<V>(w1, h1), mul<V>(w2, h2)), inter);
  const ue = add<V>(union, e);
  const iou = div<V>(inter, ue);
  // enclosing box
  const xc1 = mn<V>(x1, X1), yc1 = mn<V>(y1, Y1), xc2 = mx<V>(x2, X2), yc2 = mx<V>(y2, Y2);
  const cw = sub<V>(xc2, xc1), ch = sub<V>(yc2, yc1);
  let loss: V;
  // GIoU pieces
  let ace = zero, q = zero;
  // DIoU pieces
  let diag = zero, ex = zero, ey = zero, r = zero;
  // CIoU pieces
  let ra = zero, rb = zero, d = zero, alpha = zero;
  if (kind == BOX_GIOU) {
    const ac = mul<V>(cw, ch);
    ace = add<V>(ac, e);
    q = div<V>(sub<V>(ac, union), ace);
    loss = sub<V>(one, sub<V>(iou, q));
  } else {
    diag = add<V>(add<V>(mul<V>(cw, cw), mul<V>(ch, ch)), e);
    ex = sub<V>(div<V>(add<V>(x2, x1), two), div<V>(add<V>(X1, X2), two));
    ey = sub<V>(div<V>(add<V>(y2, y1), two), div<V>(add<V>(Y1, Y2), two));
    r = div<V>(add<V>(mul<V>(ex, ex), mul<V>(ey, ey)), diag);
    loss = add<V>(sub<V>(one, iou), r);
    if (kind == BOX_CIOU) {
      ra = div<V>(w2, h2);
      rb = div<V>(w1, h1);
      d = sub<V>(atanOf<V>(ra), atanOf<V>(rb));
      const v = mul<V>(sp<V>(FOUR_OVER_PI2), mul<V>(d, d));
      alpha = div<V>(v, add<V>(add<V>(sub<V>(one, iou), v), sp<V>(eps)));
      loss = add<V>(loss, mul<V>(alpha, v));
    }
  }
  if (ga == 0 && gb == 0) return loss;

  // backward
  const G = upstream<V>(g, gs, i);
  let gIou: V, gUnion = zero, gCw: V, gCh: V;
  let gx1 = zero, gy1 = zero, gx2 = zero, gy2 = zero, gX1 = zero, gY1 = zero, gX2 = zero, gY2 = zero;
  let gw1 = zero, gh1 = zero, gw2 = zero, gh2 = zero;
  if (kind == BOX_GIOU) {
    const gMiou = neg<V>(G);
    gIou = gMiou;
    const gq = neg<V>(gMiou);
    const gNum = div<V>(gq, ace);
    const gAce = mul<V>(neg<V>(gq), div<V>(q, ace));
    const gAc = add<V>(gNum, gAce);
    gUnion = neg<V>(gNum);
    gCw = mul<V>(gAc, ch);
    gCh = mul<V>(gAc, cw);
  } else {
    gIou = neg<V>(G);
    const gCd = div<V>(G, diag);
    const gDiag = mul<V>(neg<V>(G), div<V>(r, diag));
    gCw = mul<V>(gDiag, mul<V>(two, cw));
    gCh = mul<V>(gDiag, mul<V>(two, ch));
    const gEx = mul<V>(gCd, mul<V>(two, ex)), gEy = mul<V>(gCd, mul<V>(two, ey));
    const hx = div<V>(gEx, two), hy = div<V>(gEy, two), hX = div<V>(neg<V>(gEx), two), hY = div<V>(neg<V>(gEy), two);
    gx2 = hx; gx1 = hx; gX1 = hX; gX2 = hX;
    gy2 = hy; gy1 = hy; gY1 = hY; gY2 = hY;
    if (kind == BOX_CIOU) {
      const gv = mul<V>(G, alpha);
      const gd = mul<V>(mul<V>(gv, sp<V>(FOUR_OVER_PI2)), mul<V>(two, d));
      const gra = div<V>(gd, add<V>(mul<V>(ra, ra), one));
      const grb = div<V>(neg<V>(gd), add<V>(mul<V>(rb, rb), one));
      gw2 = div<V>(gra, h2);
      gh2 = mul<V>(neg<V>(gra), div<V>(ra, h2));
      gw1 = div<V>(grb, h1);
      gh1 = mul<V>(neg<V>(grb), div<V>(rb, h1));
    }
  }
  // iou = I/(U + e), U = (A1 + A2) − I
  let gInter = div<V>(gIou, ue);
  gUnion = add<V>(gUnion, mul<V>(neg<V>(gIou), div<V>(iou, ue)));
  gInter = add<V>(gInter, neg<V>(gUnion));
  gw1 = add<V>(gw1, mul<V>(gUnion, h1));
  gh1 = add<V>(gh1, mul<V>(gUnion, w1));
  gw2 = add<V>(gw2, mul<V>(gUnion, h2));
  gh2 = add<V>(gh2, mul<V>(gUnion, w2));
  // the masked intersection: +0 where the mask is false
  const gDx = mul<V>(gInter, dy), gDy = mul<V>(gInter, dx);
  const gxk2 = sel<V>(mask, gDx, zero), gxk1 = sel<V>(mask, neg<V>(gDx), zero);
  const gyk2 = sel<V>(mask, gDy, zero), gyk1 = sel<V>(mask, neg<V>(gDy), zero);
  // widths and heights
  gx2 = add<V>(gx2, gw1); gx1 = add<V>(gx1, neg<V>(gw1));
  gy2 = add<V>(gy2, gh1); gy1 = add<V>(gy1, neg<V>(gh1));
  gX2 = add<V>(gX2, gw2); gX1 = add<V>(gX1, neg<V>(gw2));
  gY2 = add<V>(gY2, gh2); gY1 = add<V>(gY1, neg<V>(gh2));
  // intersection corners (max of the minima, min of the maxima) and the enclosing box's
  gx1 = add<V>(gx1, maxA<V>(x1, X1, gxk1)); gX1 = add<V>(gX1, maxB<V>(x1, X1, gxk1));
  gy1 = add<V>(gy1, maxA<V>(y1, Y1, gyk1)); gY1 = add<V>(gY1, maxB<V>(y1, Y1, gyk1));
  gx2 = add<V>(gx2, minA<V>(x2, X2, gxk2)); gX2 = add<V>(gX2, minB<V>(x2, X2, gxk2));
  gy2 = add<V>(gy2, minA<V>(y2, Y2, gyk2)); gY2 = add<V>(gY2, minB<V>(y2, Y2, gyk2));
  const gxc1 = neg<V>(gCw), gyc1 = neg<V>(gCh);
  gx1 = add<V>(gx1, minA<V>(x1, X1, gxc1)); gX1 = add<V>(gX1, minB<V>(x1, X1, gxc1));
  gy1 = add<V>(gy1, minA<V>(y1, Y1, gyc1)); gY1 = add<V>(gY1, minB<V>(y1, Y1, gyc1));
  gx2 = add<V>(gx2, maxA<V>(x2, X2, gCw)); gX2 = add<V>(gX2, maxB<V>(x2, X2, gCw));
  gy2 = add<V>(gy2, maxA<V>(y2, Y2, gCh)); gY2 = add<V>(gY2, maxB<V>(y2, Y2, gCh));
  if (ga != 0) {
    putCoord<V, N>(ga, i, 0, gx1); putCoord<V, N>(ga, i, 1, gy1); putCoord<V, N>(ga, i, 2, gx2); putCoord<V, N>(ga, i, 3, gy2);
  }
  if (gb != 0) {
    putCoord<V, N>(gb, i, 0, gX1); putCoord<V, N>(gb, i, 1, gY1); putCoord<V, N>(gb, i, 2, gX2); putCoord<V, N>(gb, i, 3, gY2);
  }
  return loss;
}

/** Σ of the n losses (float64, two lanes then the tail), each written to `out` when out != 0. */
// @ts-ignore: decorator
@inline function lossDriver<N>(a: usize, b: usize, n: i32, kind: i32, eps: f64, out: usize): f64 {
  let i = 0;
  let s = 0.0;
  if (ASC_FEATURE_SIMD) {
    let acc = f64x2.splat(0);
    for (; i + 2 <= n; i += 2) {
      const l = box<v128, N>(kind, eps, a, b, i, 0, 0, 0, 0);
      if (out != 0) putLoss<v128>(out, i, l);
      acc = f64x2.add(acc, l);
    }
    s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  }
  for (; i < n; i++) {
    const l = box<f64, N>(kind, eps, a, b, i, 0, 0, 0, 0);
    if (out != 0) putLoss<f64>(out, i, l);
    s += l;
  }
  return s;
}

/** The gradients of the n boxes (and their losses to `out` when != 0). */
// @ts-ignore: decorator
@inline function gradDriver<N>(a: usize, b: usize, g: usize, gs: f64, n: i32, kind: i32, eps: f64, ga: usize, gb: usize, out: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= n; i += 2) {
      const l = box<v128, N>(kind, eps, a, b, i, g, gs, ga, gb);
      if (out != 0) putLoss<v128>(out, i, l);
    }
  }
  for (; i < n; i++) {
    const l = box<f64, N>(kind, eps, a, b, i, g, gs, ga, gb);
    if (out != 0) putLoss<f64>(out, i, l);
  }
}

export function box_loss_f32(a: usize, b: usize, n: i32, kind: i32, eps: f64, out: usize): f64 { return lossDriver<f32>(a, b, n, kind, eps, out); }
export function box_loss_f64(a: usize, b: usize, n: i32, kind: i32, eps: f64, out: usize): f64 { return lossDriver<f64>(a, b, n, kind, eps, out); }
export function box_grad_f32(a: usize, b: usize, g: usize, gs: f64, n: i32, kind: i32, eps: f64, ga: usize, gb: usize, out: usize): void { gradDriver<f32>(a, b, g, gs, n, kind, eps, ga, gb, out); }
export function box_grad_f64(a: usize, b: usize, g: usize, gs: f64, n: i32, kind: i32, eps: f64, ga: usize, gb: usize, out: usize): void { gradDriver<f64>(a, b, g, gs, n, kind, eps, ga, gb, out); }
