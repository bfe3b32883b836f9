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
// atan: g/(x·x + 1); the masked intersection: +0 where the mask is false, +0 + g where true (index_backward's
// accumulating index_put into zeros); maximum/minimum route the gradient as where(a == b, g/2, g) masked to +0 on
// the losing side (ties split 50/50, a NaN gives both sides all of it)), and its sums in autograd's order: a
// tensor used twice gets its later use's gradient plus its earlier use's; a box coordinate gets one term per
// unbind (torchvision unbinds the boxes once per function): (CIoU's + DIoU's/GIoU's) + _loss_inter_union's, each
// the sum of its two uses. So special values (a zero-height box, NaN) and the signs of exact zeros come out as
// PyTorch's, and in float32 every value and gradient of GIoU and DIoU is PyTorch's bit for bit.
//
// Precision: each box computes in its own dtype N, as torchvision does (float32 boxes in float32 lanes: +, −, ×,
// ÷, min, max are correctly rounded in both, so the same operations in the same order give PyTorch's float32
// bits; eps and 4/π² rounded to N as PyTorch casts its Python scalars). One exception, CIoU's aspect difference
// d = atan(W/H) − atan(w/h): PyTorch's float32 atan (Sleef's, ≤ 1 ulp) cannot be reproduced bit for bit, so for
// float32 d is computed in float64 from the float32 ratios (./atan.ts: atan((W/H − w/h)/(1 + (W/H)·(w/h))) ± π,
// fdlibm's atan vectorised, ≤ ~4 ulp64 and no cancellation) and rounded once: |d − d(ratios)| ≤ ½ ulp32(d) +
// 2^-50·|d| (PyTorch's: up to 1 ulp32 of each atan, more where they cancel); everything after d is float32 in
// PyTorch's order. float64 boxes take the same d in float64. float32 CIoU's gradient kernel computes in float64
// (wide, from the float32 boxes, rounded once per element): its autograd branches cancel, and without PyTorch's
// atan bits a float32 evaluation misses DESIGN §2's rule on some fixture elements. Losses are returned and
// written as float64 (exact for float32), the sum accumulated in float64.
// Lane layout: structure of arrays: one v128 holds one coordinate of four float32 boxes (i … i + 3: four row
// loads transposed by shuffles, ./lanes.ts) or two float64 boxes (lane loads); the gradients are transposed back
// into rows. The last boxes (fewer than a vector) run the same generic code on scalars of N (and the scalar build
// runs every box that way), so a box gives the same bits either way.
//
// Pointer contract: `a`, `b` byte offsets of n boxes (4·n contiguous elements of N, row-major (n, 4)), read only;
// `out` (when != 0) n float64 losses; `g` (when != 0) n float64 upstream gradients (for float32 exactly float32
// values: rounded to float32), else `gs` (rounded to N) for every box; `ga`, `gb` (when != 0) 4·n elements of N,
// the gradients of a and b. Any alignment. Nothing allocated or thrown.
import { hi64, lo64, pack32, widenAdd } from '../lanes';
import { atanDiffOf } from './atan';
import { add, both, coord, cols4, div, eq, gt, lt, mn, mul, mx, neg, pair, putBoxes, row, sel, sp, sub } from './lanes';

/** Kinds (exported: the facade reads them from the module). */
export const BOX_GIOU: i32 = 0;
export const BOX_DIOU: i32 = 1;
export const BOX_CIOU: i32 = 2;

/** torchvision's 4 / (torch.pi ** 2), a Python float. */
const FOUR_OVER_PI2: f64 = 4.0 / (Math.PI * Math.PI);
/** _diou_iou_loss's default eps, which complete_box_iou_loss keeps. */
const DIOU_EPS: f64 = 1e-7;

/** Boxes per step: four float32 or two float64 boxes per vector (T the lanes' type), 1 for a scalar. */
// @ts-ignore: decorator
@inline function stepOf<V, T>(): i32 { return isVector<V>() ? (sizeof<T>() == 4 ? 4 : 2) : 1; }

/** Coordinate k (a constant) of the step's boxes at i, stored as N, in lanes of T (float32 promoted for T = f64). */
// @ts-ignore: decorator
@inline function load4<V, T, N>(p: usize, i: i32, k: i32): V {
  if (isVector<V>()) {
    if (sizeof<T>() == 4) return <V>cols4(row(p, i, 0), row(p, i, 1), row(p, i, 2), row(p, i, 3), k);
    if (sizeof<N>() == 8) return <V>pair(p, i, k);
    return <V>f64x2.replace_lane(f64x2.splat(<f64>coord<f32>(p, i, k)), 1, <f64>coord<f32>(p, i + 1, k));
  }
  return <V>(<T>coord<N>(p, i, k));
}

/** atan(ra) − atan(rb) (./atan.ts) in float64: for float32 lanes per promoted pair, rounded once. */
// @ts-ignore: decorator
@inline function atanDiff<V, T>(ra: V, rb: V): V {
  if (isVector<V>()) {
    if (sizeof<T>() == 4) {
      const a = <v128>ra, b = <v128>rb;
      return <V>pack32(atanDiffOf<v128>(lo64(a), lo64(b)), atanDiffOf<v128>(hi64(a), hi64(b)));
    }
    return <V>atanDiffOf<v128>(<v128>ra, <v128>rb);
  }
  return <V>(<T>atanDiffOf<f64>(<f64>ra, <f64>rb));
}

/** The step's losses, written as float64. */
// @ts-ignore: decorator
@inline function putLoss<V, T>(out: usize, i: i32, v: V): void {
  const at = out + (<usize>i << 3);
  if (isVector<V>()) {
    if (sizeof<T>() == 4) {
      v128.store(at, lo64(<v128>v));
      v128.store(at, hi64(<v128>v), 16);
    } else {
      v128.store(at, <v128>v);
    }
  } else {
    store<f64>(at, <f64>v);
  }
}

/** The upstream gradient of the step's boxes (rounded to T). */
// @ts-ignore: decorator
@inline function upstream<V, T>(g: usize, gs: f64, i: i32): V {
  if (g == 0) return sp<V, T>(gs);
  const at = g + (<usize>i << 3);
  if (isVector<V>()) {
    if (sizeof<T>() == 4) return <V>pack32(v128.load(at), v128.load(at, 16));
    return <V>v128.load(at);
  }
  return <V>(<T>load<f64>(at));
}

/** x/2, as x·0.5 (the same bits: scaling by a power of two rounds once either way), which is cheaper. */
// @ts-ignore: decorator
@inline function half<V, T>(x: V): V { return mul<V, T>(x, sp<V, T>(0.5)); }
/** maximum's backward to its first argument a (ties: g/2; a < b: +0). */
// @ts-ignore: decorator
@inline function maxA<V, T>(a: V, b: V, g: V): V { return sel<V, T>(lt<V, T>(a, b), sp<V, T>(0), sel<V, T>(eq<V, T>(a, b), half<V, T>(g), g)); }
/** maximum's backward to its second argument b (ties: g/2; a > b: +0). */
// @ts-ignore: decorator
@inline function maxB<V, T>(a: V, b: V, g: V): V { return sel<V, T>(gt<V, T>(a, b), sp<V, T>(0), sel<V, T>(eq<V, T>(a, b), half<V, T>(g), g)); }
/** minimum's backward to a (a > b: +0). */
// @ts-ignore: decorator
@inline function minA<V, T>(a: V, b: V, g: V): V { return maxB<V, T>(a, b, g); }
/** minimum's backward to b (a < b: +0). */
// @ts-ignore: decorator
@inline function minB<V, T>(a: V, b: V, g: V): V { return maxA<V, T>(a, b, g); }

/**
 * The loss of the step's boxes at i and, when `ga` or `gb` != 0, their gradients times the upstream (written
 * there). One function for forward and backward, so both see the same intermediate values. Not inlined: one copy
 * per (V, N) instead of one per driver (binary size; a call per step is cheap next to its ~150 operations).
 */
function box<V, T, N>(kind: i32, eps: f64, a: usize, b: usize, i: i32, g: usize, gs: f64, ga: usize, gb: usize): V {
  const x1 = load4<V, T, N>(a, i, 0), y1 = load4<V, T, N>(a, i, 1), x2 = load4<V, T, N>(a, i, 2), y2 = load4<V, T, N>(a, i, 3);
  const X1 = load4<V, T, N>(b, i, 0), Y1 = load4<V, T, N>(b, i, 1), X2 = load4<V, T, N>(b, i, 2), Y2 = load4<V, T, N>(b, i, 3);
  const zero = sp<V, T>(0), one = sp<V, T>(1), two = sp<V, T>(2);
  const e = sp<V, T>(kind == BOX_CIOU ? DIOU_EPS : eps);
  // intersection and union (_loss_inter_union)
  const xk1 = mx<V, T>(x1, X1), yk1 = mx<V, T>(y1, Y1), xk2 = mn<V, T>(x2, X2), yk2 = mn<V, T>(y2, Y2);
  const mask = both<V, T>(gt<V, T>(yk2, yk1), gt<V, T>(xk2, xk1));
  const dx = sub<V, T>(xk2, xk1), dy = sub<V, T>(yk2, yk1);
  const inter = sel<V, T>(mask, mul<V, T>(dx, dy), zero);
  const w1 = sub<V, T>(x2, x1), h1 = sub<V, T>(y2, y1), w2 = sub<V, T>(X2, X1), h2 = sub<V, T>(Y2, Y1);
  const union = sub<V, T>(add<V, T>(mul<V, T>(w1, h1), mul<V, T>(w2, h2)), inter);
  const ue = add<V, T>(union, e);
  const iou = div<V, T>(inter, ue);
  // enclosing box
  const xc1 = mn<V, T>(x1, X1), yc1 = mn<V, T>(y1, Y1), xc2 = mx<V, T>(x2, X2), yc2 = mx<V, T>(y2, Y2);
  const cw = sub<V, T>(xc2, xc1), ch = sub<V, T>(yc2, yc1);
  let loss: V;
  // GIoU pieces
  let ace = zero, q = zero;
  // DIoU pieces
  let diag = zero, ex = zero, ey = zero, r = zero;
  // CIoU pieces
  let ra = zero, rb = zero, d = zero, alpha = zero;
  if (kind == BOX_GIOU) {
    const ac = mul<V, T>(cw, ch);
    ace = add<V, T>(ac, e);
    q = div<V, T>(sub<V, T>(ac, union), ace);
    loss = sub<V, T>(one, sub<V, T>(iou, q));
  } else {
    diag = add<V, T>(add<V, T>(mul<V, T>(cw, cw), mul<V, T>(ch, ch)), e);
    ex = sub<V, T>(half<V, T>(add<V, T>(x2, x1)), half<V, T>(add<V, T>(X1, X2)));
    ey = sub<V, T>(half<V, T>(add<V, T>(y2, y1)), half<V, T>(add<V, T>(Y1, Y2)));
    r = div<V, T>(add<V, T>(mul<V, T>(ex, ex), mul<V, T>(ey, ey)), diag);
    loss = add<V, T>(sub<V, T>(one, iou), r);
    if (kind == BOX_CIOU) {
      ra = div<V, T>(w2, h2);
      rb = div<V, T>(w1, h1);
      d = atanDiff<V, T>(ra, rb);
      const v = mul<V, T>(sp<V, T>(FOUR_OVER_PI2), mul<V, T>(d, d));
      alpha = div<V, T>(v, add<V, T>(add<V, T>(sub<V, T>(one, iou), v), sp<V, T>(eps)));
      loss = add<V, T>(loss, mul<V, T>(alpha, v));
    }
  }
  if (ga == 0 && gb == 0) return loss;

  // backward; per coordinate: c (the last function's unbind: CIoU's aspect widths), o (GIoU's / DIoU's), u
  // (_loss_inter_union's)
  const G = upstream<V, T>(g, gs, i);
  let gIou: V, gUnion: V, gCw: V, gCh: V;
  let hx = zero, hy = zero, hX = zero, hY = zero;
  let gwc = zero, ghc = zero, gWc = zero, gHc = zero;
  if (kind == BOX_GIOU) {
    const gMiou = neg<V, T>(G);
    gIou = gMiou;
    const gq = neg<V, T>(gMiou);
    const gNum = div<V, T>(gq, ace);
    const gAce = mul<V, T>(neg<V, T>(gq), div<V, T>(q, ace));
    const gAc = add<V, T>(gAce, gNum);
    gUnion = add<V, T>(neg<V, T>(gNum), mul<V, T>(neg<V, T>(gIou), div<V, T>(iou, ue)));
    gCw = mul<V, T>(gAc, ch);
    gCh = mul<V, T>(gAc, cw);
  } else {
    gIou = neg<V, T>(G);
    gUnion = mul<V, T>(neg<V, T>(gIou), div<V, T>(iou, ue));
    const gCd = div<V, T>(G, diag);
    const gDiag = mul<V, T>(neg<V, T>(G), div<V, T>(r, diag));
    gCw = mul<V, T>(gDiag, mul<V, T>(two, cw));
    gCh = mul<V, T>(gDiag, mul<V, T>(two, ch));
    const gEx = mul<V, T>(gCd, mul<V, T>(two, ex)), gEy = mul<V, T>(gCd, mul<V, T>(two, ey));
    hx = half<V, T>(gEx); hy = half<V, T>(gEy);
    hX = half<V, T>(neg<V, T>(gEx)); hY = half<V, T>(neg<V, T>(gEy));
    if (kind == BOX_CIOU) {
      const gv = mul<V, T>(G, alpha);
      const gd = mul<V, T>(mul<V, T>(gv, sp<V, T>(FOUR_OVER_PI2)), mul<V, T>(two, d));
      const gra = div<V, T>(gd, add<V, T>(mul<V, T>(ra, ra), one));
      const grb = div<V, T>(neg<V, T>(gd), add<V, T>(mul<V, T>(rb, rb), one));
      gWc = div<V, T>(gra, h2);
      gHc = mul<V, T>(neg<V, T>(gra), div<V, T>(ra, h2));
      gwc = div<V, T>(grb, h1);
      ghc = mul<V, T>(neg<V, T>(grb), div<V, T>(rb, h1));
    }
  }
  // iou = I/(U + e), U = (A1 + A2) − I
  const gInter = add<V, T>(div<V, T>(gIou, ue), neg<V, T>(gUnion));
  const gw1 = mul<V, T>(gUnion, h1), gh1 = mul<V, T>(gUnion, w1);
  const gw2 = mul<V, T>(gUnion, h2), gh2 = mul<V, T>(gUnion, w2);
  // the masked intersection: +0 where the mask is false, +0 + g where true
  const gDx = mul<V, T>(gInter, dy), gDy = mul<V, T>(gInter, dx);
  const gxk2 = sel<V, T>(mask, add<V, T>(zero, gDx), zero), gxk1 = sel<V, T>(mask, sub<V, T>(zero, gDx), zero);
  const gyk2 = sel<V, T>(mask, add<V, T>(zero, gDy), zero), gyk1 = sel<V, T>(mask, sub<V, T>(zero, gDy), zero);
  const gxc1 = neg<V, T>(gCw), gyc1 = neg<V, T>(gCh);
  // _loss_inter_union's unbind: the width/height use (later) plus the intersection corner's
  const ux1 = add<V, T>(neg<V, T>(gw1), maxA<V, T>(x1, X1, gxk1)), uX1 = add<V, T>(neg<V, T>(gw2), maxB<V, T>(x1, X1, gxk1));
  const uy1 = add<V, T>(neg<V, T>(gh1), maxA<V, T>(y1, Y1, gyk1)), uY1 = add<V, T>(neg<V, T>(gh2), maxB<V, T>(y1, Y1, gyk1));
  const ux2 = add<V, T>(gw1, minA<V, T>(x2, X2, gxk2)), uX2 = add<V, T>(gw2, minB<V, T>(x2, X2, gxk2));
  const uy2 = add<V, T>(gh1, minA<V, T>(y2, Y2, gyk2)), uY2 = add<V, T>(gh2, minB<V, T>(y2, Y2, gyk2));
  // the loss function's unbind: the enclosing box's (GIoU), plus the centres' (later) for DIoU and CIoU
  let ox1 = minA<V, T>(x1, X1, gxc1), oX1 = minB<V, T>(x1, X1, gxc1);
  let oy1 = minA<V, T>(y1, Y1, gyc1), oY1 = minB<V, T>(y1, Y1, gyc1);
  let ox2 = maxA<V, T>(x2, X2, gCw), oX2 = maxB<V, T>(x2, X2, gCw);
  let oy2 = maxA<V, T>(y2, Y2, gCh), oY2 = maxB<V, T>(y2, Y2, gCh);
  if (kind != BOX_GIOU) {
    ox1 = add<V, T>(hx, ox1); oX1 = add<V, T>(hX, oX1); oy1 = add<V, T>(hy, oy1); oY1 = add<V, T>(hY, oY1);
    ox2 = add<V, T>(hx, ox2); oX2 = add<V, T>(hX, oX2); oy2 = add<V, T>(hy, oy2); oY2 = add<V, T>(hY, oY2);
  }
  if (kind == BOX_CIOU) {
    // complete_box_iou_loss's unbind (the aspect widths) comes first
    ox1 = add<V, T>(neg<V, T>(gwc), ox1); oX1 = add<V, T>(neg<V, T>(gWc), oX1);
    oy1 = add<V, T>(neg<V, T>(ghc), oy1); oY1 = add<V, T>(neg<V, T>(gHc), oY1);
    ox2 = add<V, T>(gwc, ox2); oX2 = add<V, T>(gWc, oX2); oy2 = add<V, T>(ghc, oy2); oY2 = add<V, T>(gHc, oY2);
  }
  if (ga != 0) {
    putBoxes<V, T, N>(ga, i, add<V, T>(ox1, ux1), add<V, T>(oy1, uy1), add<V, T>(ox2, ux2), add<V, T>(oy2, uy2));
  }
  if (gb != 0) {
    putBoxes<V, T, N>(gb, i, add<V, T>(oX1, uX1), add<V, T>(oY1, uY1), add<V, T>(oX2, uX2), add<V, T>(oY2, uY2));
  }
  return loss;
}

/** Σ of the n losses (float64: vector steps' lanes widened, then the tail), each written to `out` when != 0. */
// @ts-ignore: decorator
@inline function lossDriver<N>(a: usize, b: usize, n: i32, kind: i32, eps: f64, out: usize): f64 {
  let i = 0;
  let s = 0.0;
  if (ASC_FEATURE_SIMD) {
    const step = stepOf<v128, N>();
    let acc = f64x2.splat(0);
    for (; i + step <= n; i += step) {
      const l = box<v128, N, N>(kind, eps, a, b, i, 0, 0, 0, 0);
      if (out != 0) putLoss<v128, N>(out, i, l);
      acc = widenAdd<N>(acc, l);
    }
    s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  }
  for (; i < n; i++) {
    const l = <f64>box<N, N, N>(kind, eps, a, b, i, 0, 0, 0, 0);
    if (out != 0) putLoss<f64, f64>(out, i, l);
    s += l;
  }
  return s;
}

/** The gradients of boxes [i, n) computed in T, stored as N (and their losses to `out` when != 0). */
// @ts-ignore: decorator
@inline function gradSteps<T, N>(a: usize, b: usize, g: usize, gs: f64, n: i32, kind: i32, eps: f64, ga: usize, gb: usize, out: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const step = stepOf<v128, T>();
    for (; i + step <= n; i += step) {
      const l = box<v128, T, N>(kind, eps, a, b, i, g, gs, ga, gb);
      if (out != 0) putLoss<v128, T>(out, i, l);
    }
  }
  for (; i < n; i++) {
    const l = <f64>box<T, T, N>(kind, eps, a, b, i, g, gs, ga, gb);
    if (out != 0) putLoss<f64, f64>(out, i, l);
  }
}

/**
 * The gradients of the n boxes (and their losses to `out` when != 0). float32 CIoU runs in float64 (wide): its
 * gradient sums autograd branches that cancel, and with an atan not bit-identical to PyTorch's a float32
 * evaluation misses DESIGN §2's rule on some elements; its `out` losses are then the wide ones rounded once.
 */
// @ts-ignore: decorator
@inline function gradDriver<N>(a: usize, b: usize, g: usize, gs: f64, n: i32, kind: i32, eps: f64, ga: usize, gb: usize, out: usize): void {
  if (sizeof<N>() == 4 && kind == BOX_CIOU) gradSteps<f64, N>(a, b, g, gs, n, kind, eps, ga, gb, out);
  else gradSteps<N, N>(a, b, g, gs, n, kind, eps, ga, gb, out);
}

export function box_loss_f32(a: usize, b: usize, n: i32, kind: i32, eps: f64, out: usize): f64 { return lossDriver<f32>(a, b, n, kind, eps, out); }
export function box_loss_f64(a: usize, b: usize, n: i32, kind: i32, eps: f64, out: usize): f64 { return lossDriver<f64>(a, b, n, kind, eps, out); }
export function box_grad_f32(a: usize, b: usize, g: usize, gs: f64, n: i32, kind: i32, eps: f64, ga: usize, gb: usize, out: usize): void { gradDriver<f32>(a, b, g, gs, n, kind, eps, ga, gb, out); }
export function box_grad_f64(a: usize, b: usize, g: usize, gs: f64, n: i32, kind: i32, eps: f64, ga: usize, gb: usize, out: usize): void { gradDriver<f64>(a, b, g, gs, n, kind, eps, ga, gb, out); }
