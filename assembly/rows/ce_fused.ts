// CrossEntropy's value and gradient in one pass for the common training call: float32 logits in contiguous rows
// [rows, C] (inner == 1; columns [outer, C, inner] at the end of the file), class-index targets, no label
// smoothing, with or without class weights and ignore_index, a scalar upstream gs or one per position (g). No
// statistics are taken or given: each row is read twice (one-pass rows) or three times.
//
// One-pass rows (SIMD build, C ≥ RAW_MIN_CLASSES, every logit in [XMIN_M, XMAX_IN_RANGE] ≈ [−87.3, 88], checked
// by pmin / pmax in the same pass): steps 1 and the max fuse into `expStoreRaw`, which stores e'_c = e^(x_c) by
// `expInRangeF4` (x_c itself is the exact argument: no difference, no TwoSum, no clamp; ≤ 1 ulp) and sums s' = Σ e'_c
// in float64. Then, with E = e^m in float64 (expLse1, relative error ≤ 1.5e-14), s = 1 + (s' − fl32(e^m))/E is
// the sum below with the max's term replaced by its exact 1, and step 2 scales e'_c by (S/s)/E instead of S/s, so
// gx_c = e'_c·(S/s)/E = e^(x_c − m)·(1 + δ_c)·S/s with the same ≤ 1 ulp δ_c as step 1's. Steps 3 and the loss use m
// and s unchanged. A row outside the domain (or with a NaN) is redone by the three passes below. About 10 fewer
// operations per f32x4 than the three passes (1.3× on C = 1000 and 32000 rows: bench/experiments/kernel-ab.ts
// ce1000-f32-1e5:fused), for one float64 and one scalar float32 exp per row, hence the class threshold.
//
// Per row, with m = max_c x_c (rowMax) and e_c = e^(x_c − m):
//   1. e_c in float32 lanes (`expDiffF4`: x − m exact as fl32(x − m) plus its TwoSum error folded into the exp's
//      reduced argument; ≤ 1 ulp + 2^-25 relative, +0 below e^-87.3, e^0 = 1 exactly) stored straight into gx,
//      s = Σ_c e_c accumulated in float64 (four f64x2 accumulators; NaN when m is NaN or ±Inf, as stats.ts);
//   2. gx_c = 0 − e_c·(S/s) (invS·S, float64, rounded once), S = Σ_c g_c = −w_t·G (PyTorch's log-softmax
//      backward gx_c = g_c − q_c·S with g = nll_loss's gradient: −w_t·G at the target, +0 elsewhere; a zero S takes
//      PyTorch's sign through `zeroSum`, as in ce_index_grad);
//   3. the target's element from scratch in float64: gx_t = −w_t·G − (e^(x_t − m)·invS)·S (expLseZ1). When t is
//      the row's max, e_t = 1 and 1 − q_t = (s − 1)/s is carried by s's small part, which float64 holds to the
//      float32 terms' own error (no cancellation beyond it); otherwise q_t ≤ 1/2 and nothing cancels.
//   The loss: nll = w_t·(log s − (x_t − m)) over the non-ignored rows, res[0] = Σ nll (without weights as
//   Σ (m − x_t) + log Π s, one Math.log per 64 rows, as ce_index_loss's plainSum), res[1] = 0.
// Precision: every gradient element off the target ≤ 1 ulp + 2^-25 (e_c) plus s's relative error (a weighted mean
// of its terms' ≤ 1 ulp errors) plus the final rounding; held to the fixture rule (DESIGN §2) with float32's
// exact-difference exp — the float64 statistics of softmax_stats_wide are not needed here. Label smoothing and
// probability targets cancel q against ε/C or y and keep the wide statistics (assembly/rows/cross_entropy.ts).
//
// Pointer contract: x and gx [rows, C] float32 (gx fully written; may not alias x); t: rows int32 indices already
// validated by ce_targets (in [0, C) or == ignore); w: C float32 weights or 0; g: rows float32 upstream values or 0
// (then gs); res: 2 float64. Any alignment. Lane layout: 4 classes per f32x4 (four vectors per iteration of pass 1,
// the row's last 1–3 classes by its last full vector), float64 halves for the sum and the scaling; scalar tails
// for rows of fewer than 4 classes (the scalar build runs them alone: its s sums in another order).
import { expDiffF1, expDiffF4, expInRangeF4, expLse1, expLseZ1 } from '../math/exp';
import { hi64, hsum, lo64, pack32 } from '../lanes';
import { colMax4, rowMax } from './stats';
import { rawPass, sumFromRaw } from './one_pass';
import { KEEP32 } from './sum32';
import { weightAt, zeroSum } from './cross_entropy';

/** Rows per Math.log in the product form of Σ log s (flushed earlier when the product nears float64's range). */
const ROWS_PER_LOG: i32 = 64;

/** Four vectors stored at p, p + 16, p + 32, p + 48. */
// @ts-ignore: decorator
@inline function store4(p: usize, e0: v128, e1: v128, e2: v128, e3: v128): void {
  v128.store(p, e0);
  v128.store(p, e1, 16);
  v128.store(p, e2, 32);
  v128.store(p, e3, 48);
}

/** (a + u) + v in float64 lanes: one accumulator's two terms of a four-vector step, in that order. */
// @ts-ignore: decorator
@inline function add2(a: v128, u: v128, v: v128): v128 {
  return f64x2.add(f64x2.add(a, u), v);
}

/**
 * e_c = e^(x_c − m) of one row stored to gx; returns Σ_c e_c in float64: four vectors per iteration into four
 * f64x2 accumulators (each vector's low and high halves into their own two), then single vectors, then the row's
 * last 1–3 classes by its last full v128 with the lanes already counted masked off (stored again, same bits). The
 * sum stays float64 throughout: its error enters every gradient element, and at the target it is amplified by
 * 1/(1 − q_t) (see the header), so float32 partial sums would not meet the accuracy rule. Not inlined: once per row.
 */
function expStore(x: usize, gx: usize, C: i32, m: f32): f64 {
  let c = 0;
  let s: f64 = 0;
  // (ASC_FEATURE_SIMD alone in its condition: the scalar build must not see the v128 code.)
  if (ASC_FEATURE_SIMD) {
    if (C >= 4) {
      const vm = f32x4.splat(m), vnm = f32x4.splat(-m);
      let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (; c + 16 <= C; c += 16) {
        const px = x + (<usize>c << 2), pg = gx + (<usize>c << 2);
        const e0 = expDiffF4(v128.load(px), vm, vnm);
        const e1 = expDiffF4(v128.load(px, 16), vm, vnm);
        const e2 = expDiffF4(v128.load(px, 32), vm, vnm);
        const e3 = expDiffF4(v128.load(px, 48), vm, vnm);
        store4(pg, e0, e1, e2, e3);
        a0 = add2(a0, lo64(e0), lo64(e2));
        a1 = add2(a1, hi64(e0), hi64(e2));
        a2 = add2(a2, lo64(e1), lo64(e3));
        a3 = add2(a3, hi64(e1), hi64(e3));
      }
      for (; c + 4 <= C; c += 4) {
        const off = <usize>c << 2;
        const e = expDiffF4(v128.load(x + off), vm, vnm);
        v128.store(gx + off, e);
        a0 = f64x2.add(a0, lo64(e));
        a1 = f64x2.add(a1, hi64(e));
      }
      if (c < C) {
        const off = <usize>(C - 4) << 2;
        const e = expDiffF4(v128.load(x + off), vm, vnm);
        v128.store(gx + off, e); // lanes already stored get the same bits again
        const fresh = v128.and(e, v128.load(KEEP32 + (<usize>(4 - (C - c)) << 4)));
        a2 = f64x2.add(a2, lo64(fresh));
        a3 = f64x2.add(a3, hi64(fresh));
        c = C;
      }
      s = hsum(f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)));
    }
  }
  for (; c < C; c++) {
    const e = expDiffF1(load<f32>(x + (<usize>c << 2)), m);
    store<f32>(gx + (<usize>c << 2), e);
    s += <f64>e;
  }
  return s;
}

/** Rows of at least this many classes try the raw exp (`expStoreRaw`); a row's two extra scalar exps cost
 *  ~20 ns, paid back by ~10 fewer operations per f32x4 from about 100 classes on. */
const RAW_MIN_CLASSES: i32 = 128;

/**
 * The one-pass form of rowMax + expStore for rows whose logits all lie in [XMIN_M, XMAX_IN_RANGE]: e'_c = e^(x_c)
 * by `expInRangeF4` (the exact argument: no difference, no TwoSum, no clamp; ≤ 1 ulp) stored to gx, with
 * s' = Σ_c e'_c in float64 as expStore and the row's min and max by pmin / pmax. Returns f64x2(s', m), or s' = NaN
 * when the row leaves the domain (a NaN logit: pmin and pmax skip it, but its e' makes s' NaN); the caller then
 * redoes the row by rowMax and expStore. SIMD build, C ≥ 4.
 */
// @ts-ignore: decorator
@inline function expStoreRaw(x: usize, gx: usize, C: i32): v128 {
  let c = 0;
  let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let lo0 = f32x4.splat(Infinity), lo1 = lo0, hi0 = f32x4.splat(-Infinity), hi1 = hi0;
  for (; c + 16 <= C; c += 16) {
    const px = x + (<usize>c << 2), pg = gx + (<usize>c << 2);
    const x0 = v128.load(px), x1 = v128.load(px, 16), x2 = v128.load(px, 32), x3 = v128.load(px, 48);
    lo0 = f32x4.pmin(lo0, f32x4.pmin(x0, x1));
    lo1 = f32x4.pmin(lo1, f32x4.pmin(x2, x3));
    hi0 = f32x4.pmax(hi0, f32x4.pmax(x0, x1));
    hi1 = f32x4.pmax(hi1, f32x4.pmax(x2, x3));
    const e0 = expInRangeF4(x0), e1 = expInRangeF4(x1), e2 = expInRangeF4(x2), e3 = expInRangeF4(x3);
    store4(pg, e0, e1, e2, e3);
    a0 = add2(a0, lo64(e0), lo64(e2));
    a1 = add2(a1, hi64(e0), hi64(e2));
    a2 = add2(a2, lo64(e1), lo64(e3));
    a3 = add2(a3, hi64(e1), hi64(e3));
  }
  for (; c + 4 <= C; c += 4) {
    const off = <usize>c << 2;
    const xv = v128.load(x + off);
    lo0 = f32x4.pmin(lo0, xv);
    hi0 = f32x4.pmax(hi0, xv);
    const e = expInRangeF4(xv);
    v128.store(gx + off, e);
    a0 = f64x2.add(a0, lo64(e));
    a1 = f64x2.add(a1, hi64(e));
  }
  if (c < C) {
    const off = <usize>(C - 4) << 2;
    const xv = v128.load(x + off);
    lo1 = f32x4.pmin(lo1, xv);
    hi1 = f32x4.pmax(hi1, xv);
    const e = expInRangeF4(xv);
    v128.store(gx + off, e); // lanes already stored get the same bits again
    const fresh = v128.and(e, v128.load(KEEP32 + (<usize>(4 - (C - c)) << 4)));
    a2 = f64x2.add(a2, lo64(fresh));
    a3 = f64x2.add(a3, hi64(fresh));
  }
  return rawPass(hsum(f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3))), f32x4.pmin(lo0, lo1), f32x4.pmax(hi0, hi1));
}

/**
 * gx_c = fl32(0 − e_c·k) in float64 for the row of e_c that expStore left in gx. When k's sign bit is set (k ≤ −0:
 * every non-ignored row with a non-negative upstream) this is fl32(e_c·(−k)), the same product with its sign
 * flipped (e_c ≥ +0: a zero product is +0 both ways), one subtraction fewer per lane; otherwise 0 − e_c·k keeps
 * PyTorch's +0 where e_c·k is +0. Not inlined: once per row.
 */
function scaleRow(gx: usize, C: i32, k: f64): void {
  if (reinterpret<i64>(k) < 0) scaleBy(gx, C, -k);
  else subtractScaled(gx, C, k);
}

/** gx_c = fl32(e_c·k) for the e_c in gx (scaleRow's k ≤ −0 case, given −k). */
// @ts-ignore: decorator
@inline function scaleBy(gx: usize, C: i32, k: f64): void {
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    const vk = f64x2.splat(k);
    for (; c + 8 <= C; c += 8) {
      const q = gx + (<usize>c << 2);
      const e0 = v128.load(q), e1 = v128.load(q, 16);
      const l0 = f64x2.mul(lo64(e0), vk);
      const h0 = f64x2.mul(hi64(e0), vk);
      const l1 = f64x2.mul(lo64(e1), vk);
      const h1 = f64x2.mul(hi64(e1), vk);
      v128.store(q, pack32(l0, h0));
      v128.store(q, pack32(l1, h1), 16);
    }
    for (; c + 4 <= C; c += 4) {
      const q = gx + (<usize>c << 2);
      const e = v128.load(q);
      const lo = f64x2.mul(lo64(e), vk);
      const hi = f64x2.mul(hi64(e), vk);
      v128.store(q, pack32(lo, hi));
    }
  }
  for (; c < C; c++) {
    const q = gx + (<usize>c << 2);
    store<f32>(q, <f32>(<f64>load<f32>(q) * k));
  }
}

/** gx_c = fl32(0 − e_c·k) for the e_c in gx (scaleRow's other case). */
// @ts-ignore: decorator
@inline function subtractScaled(gx: usize, C: i32, k: f64): void {
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    const vk = f64x2.splat(k), zero = f64x2.splat(0);
    for (; c + 4 <= C; c += 4) {
      const q = gx + (<usize>c << 2);
      const e = v128.load(q);
      const lo = f64x2.sub(zero, f64x2.mul(lo64(e), vk));
      const hi = f64x2.sub(zero, f64x2.mul(hi64(e), vk));
      v128.store(q, pack32(lo, hi));
    }
  }
  for (; c < C; c++) {
    const q = gx + (<usize>c << 2);
    store<f32>(q, <f32>(0.0 - <f64>load<f32>(q) * k));
  }
}

/** Σ_c g_c of a position with target ti: S = −w_t·G, or PyTorch's signed zero (`zeroSum`; `row` as there). */
// @ts-ignore: decorator
@inline function sumOfG(w: usize, C: i32, ti: i32, ignored: bool, gt: f64, row: bool): f64 {
  return gt == 0 ? zeroSum<f32>(w, C, ti, gt, 0, false, ignored, row) : gt;
}

/** The upstream G of position p (0 when ignored): g[p] when g != 0, else gs. */
// @ts-ignore: decorator
@inline function upstream(g: usize, gs: f64, p: i32, ignored: bool): f64 {
  return ignored ? 0.0 : g == 0 ? gs : <f64>load<f32>(g + (<usize>p << 2));
}

/** The target's element from scratch in float64: gt − (e^(x_t − m)·invS)·S, rounded once, stored at `at`. */
// @ts-ignore: decorator
@inline function putTarget(at: usize, xt: f64, m: f64, invS: f64, S: f64, gt: f64): void {
  store<f32>(at, <f32>(gt - (expLseZ1(xt - m) * invS) * S));
}

/**
 * CrossEntropy over float32 rows [rows, C] with class-index targets and no smoothing: ∂loss/∂x into gx (scaled by
 * g[r] when g != 0, else gs; ignored rows get 0 − e·0) and res[0] = Σ nll over the non-ignored rows, res[1] = 0
 * (the layout of ce_index_loss's res). Formulas, precision and contract in the file header.
 */
export function ce_index_fused_f32(
  x: usize, t: usize, w: usize, rows: i32, C: i32, ignore: i32, g: usize, gs: f64, gx: usize, res: usize,
): void {
  const rowBytes = <usize>C << 2;
  let prod: f64 = 1, shift: f64 = 0, logs: f64 = 0, nll: f64 = 0;
  let inProd = 0;
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * rowBytes, grow = gx + <usize>r * rowBytes;
    const ti = load<i32>(t + (<usize>r << 2));
    const ignored = ti == ignore;
    const wt = ignored ? 0.0 : weightAt<f32>(w, ti);
    const gt = -(wt * upstream(g, gs, r, ignored));
    const S = sumOfG(w, C, ti, ignored, gt, true);
    // E: what the stored e'_c carry beyond e_c = e^(x_c − m) (1 for expStore's, e^m for expStoreRaw's).
    let s: f64 = NaN, E: f64 = 1, mf: f32 = 0;
    // (ASC_FEATURE_SIMD alone in its condition: the scalar build must not see the v128 code.)
    if (ASC_FEATURE_SIMD) {
      if (C >= RAW_MIN_CLASSES) {
        const sm = expStoreRaw(row, grow, C);
        const raw = f64x2.extract_lane(sm, 0);
        if (raw == raw) {
          // s' = Σ e^m·e_c with the max's own term fl32(e^m) (≤ 1 ulp) replaced by the float64 e^m: s is then
          // expStore's Σ_c e^(x_c − m) with its exact 1, and the scale below divides e'_c = e^m·e_c by E = e^m.
          mf = <f32>f64x2.extract_lane(sm, 1);
          E = expLse1(<f64>mf);
          s = sumFromRaw(raw, mf, E);
        }
      }
    }
    if (s != s) {
      mf = rowMax<f32>(row, C);
      const sum = expStore(row, grow, C, mf);
      s = abs(<f64>mf) < Infinity ? sum : NaN;
    }
    const m = <f64>mf;
    const invS = 1.0 / s;
    scaleRow(grow, C, (invS * S) / E); // (x / 1 is x exactly, signed zeros and NaN included)
    if (ignored) continue;
    const xt = <f64>load<f32>(row + (<usize>ti << 2));
    putTarget(grow + (<usize>ti << 2), xt, m, invS, S, gt);
    if (w == 0) {
      shift += m - xt;
      prod *= s;
      if (++inProd == ROWS_PER_LOG || prod > 1e270) {
        logs += Math.log(prod);
        prod = 1;
        inProd = 0;
      }
    } else {
      nll += -(((xt - m) - Math.log(s)) * wt);
    }
  }
  store<f64>(res, w == 0 ? shift + (logs + Math.log(prod)) : nll);
  store<f64>(res, 0, 8);
}

// ---------------------------------------------------------------------------------------------------------------
// Columns: x [outer, C, inner] with inner > 1 (e.g. (N, C, H, W)), the classes of a position inner floats apart.
// The same three steps per position, four neighbouring positions per f32x4 (one class of each): the max by
// stats.ts's colMax4 (pmax with a NaN mask), e_c stored into gx with two float64 sums, then each lane scaled by its
// own invS·S; PyTorch's Σg over strided classes starts at +0 (`zeroSum` with row false). One Math.log per position
// for the loss. Positions j ≥ span of a slab are neither read nor written.

/** invS·S of position p, whose softmax sum is s. */
// @ts-ignore: decorator
@inline function colScale(t: usize, w: usize, g: usize, gs: f64, C: i32, p: i32, ignore: i32, s: f64): f64 {
  const ti = load<i32>(t + (<usize>p << 2));
  const ignored = ti == ignore;
  const wt = ignored ? 0.0 : weightAt<f32>(w, ti);
  return (1.0 / s) * sumOfG(w, C, ti, ignored, -(wt * upstream(g, gs, p, ignored)), false);
}

/**
 * The target's element of position p (column j of the slab at byte offset `slab`), after the scaling; returns
 * its nll (0 when ignored).
 */
// @ts-ignore: decorator
@inline function colTarget(
  x: usize, gx: usize, t: usize, w: usize, g: usize, gs: f64, C: i32, stride: usize, at: usize, p: i32, ignore: i32,
  s: f64, m: f64,
): f64 {
  const ti = load<i32>(t + (<usize>p << 2));
  if (ti == ignore) return 0;
  const wt = weightAt<f32>(w, ti);
  const gt = -(wt * upstream(g, gs, p, false));
  const off = at + <usize>ti * stride;
  const xt = <f64>load<f32>(x + off);
  putTarget(gx + off, xt, m, 1.0 / s, sumOfG(w, C, ti, false, gt, false), gt);
  return -(((xt - m) - Math.log(s)) * wt);
}

/** gx_c = fl32(0 − gx_c·k) down one column (scalar). */
// @ts-ignore: decorator
@inline function colScaleDown(gx: usize, stride: usize, C: i32, k: f64): void {
  for (let c = 0; c < C; c++) {
    const q = gx + <usize>c * stride;
    store<f32>(q, <f32>(0.0 - <f64>load<f32>(q) * k));
  }
}

/**
 * CrossEntropy over float32 columns [outer, C, inner] (inner > 1; positions j < span of each slab, p = o·span + j),
 * index targets, no smoothing: ce_index_fused_f32's outputs (gx in x's layout, span columns only; res[0] = Σ nll,
 * res[1] = 0). Targets, weights, g and res as there.
 */
export function ce_index_fused_cols_f32(
  x: usize, t: usize, w: usize, outer: i32, C: i32, inner: i32, span: i32, ignore: i32, g: usize, gs: f64,
  gx: usize, res: usize,
): void {
  const stride = <usize>inner << 2;
  let nll: f64 = 0;
  for (let o = 0; o < outer; o++) {
    const slab = <usize>o * <usize>C * stride;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= span; j += 4) {
        const at = slab + (<usize>j << 2);
        const px = x + at, pg = gx + at;
        const vm = colMax4<f32>(px, stride, C);
        const vnm = f32x4.neg(vm);
        let lo = f64x2.splat(0), hi = lo;
        for (let c = 0; c < C; c++) {
          const e = expDiffF4(v128.load(px + <usize>c * stride), vm, vnm);
          v128.store(pg + <usize>c * stride, e);
          lo = f64x2.add(lo, lo64(e));
          hi = f64x2.add(hi, hi64(e));
        }
        // s per lane (NaN where m is NaN or ±Inf), then each lane's invS·S.
        const inf = f64x2.splat(Infinity);
        const mlo = lo64(vm), mhi = hi64(vm);
        lo = v128.bitselect(lo, f64x2.splat(NaN), f64x2.lt(f64x2.abs(mlo), inf));
        hi = v128.bitselect(hi, f64x2.splat(NaN), f64x2.lt(f64x2.abs(mhi), inf));
        const p = o * span + j;
        const s0 = f64x2.extract_lane(lo, 0), s1 = f64x2.extract_lane(lo, 1);
        const s2 = f64x2.extract_lane(hi, 0), s3 = f64x2.extract_lane(hi, 1);
        let k01 = f64x2.splat(colScale(t, w, g, gs, C, p, ignore, s0));
        k01 = f64x2.replace_lane(k01, 1, colScale(t, w, g, gs, C, p + 1, ignore, s1));
        let k23 = f64x2.splat(colScale(t, w, g, gs, C, p + 2, ignore, s2));
        k23 = f64x2.replace_lane(k23, 1, colScale(t, w, g, gs, C, p + 3, ignore, s3));
        const zero = f64x2.splat(0);
        for (let c = 0; c < C; c++) {
          const q = pg + <usize>c * stride;
          const e = v128.load(q);
          const a = f64x2.sub(zero, f64x2.mul(lo64(e), k01));
          const b = f64x2.sub(zero, f64x2.mul(hi64(e), k23));
          v128.store(q, pack32(a, b));
        }
        nll += colTarget(x, gx, t, w, g, gs, C, stride, at, p, ignore, s0, f64x2.extract_lane(mlo, 0));
        nll += colTarget(x, gx, t, w, g, gs, C, stride, at + 4, p + 1, ignore, s1, f64x2.extract_lane(mlo, 1));
        nll += colTarget(x, gx, t, w, g, gs, C, stride, at + 8, p + 2, ignore, s2, f64x2.extract_lane(mhi, 0));
        nll += colTarget(x, gx, t, w, g, gs, C, stride, at + 12, p + 3, ignore, s3, f64x2.extract_lane(mhi, 1));
      }
    }
    for (; j < span; j++) {
      const at = slab + (<usize>j << 2);
      let mf = <f32>-Infinity;
      for (let c = 0; c < C; c++) mf = max<f32>(mf, load<f32>(x + at + <usize>c * stride));
      let sum: f64 = 0;
      for (let c = 0; c < C; c++) {
        const e = expDiffF1(load<f32>(x + at + <usize>c * stride), mf);
        store<f32>(gx + at + <usize>c * stride, e);
        sum += <f64>e;
      }
      const s = abs(<f64>mf) < Infinity ? sum : NaN;
      const p = o * span + j;
      colScaleDown(gx + at, stride, C, colScale(t, w, g, gs, C, p, ignore, s));
      nll += colTarget(x, gx, t, w, g, gs, C, stride, at, p, ignore, s, <f64>mf);
    }
  }
  store<f64>(res, nll);
  store<f64>(res, 0, 8);
}
