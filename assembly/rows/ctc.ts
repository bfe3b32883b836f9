// CTC loss (connectionist temporal classification) of one sequence, as PyTorch 1.13's ctc_loss on the CPU: the
// forward (α) recursion and its loss, and the backward (β) recursion with the gradient PyTorch returns.
//
// Formula. The extended label sequence l' has L = 2S + 1 states: blank, l_0, blank, l_1, …, l_{S−1}, blank
// (l'_s = blank for even s, l_{(s−1)/2} for odd s). With lp[t, c] the log-probabilities of frame t < T (T is the
// sequence's input length), in log space:
//   α_0(0) = lp[0, blank], α_0(1) = lp[0, l_0], α_0(s) = −∞ otherwise;
//   α_t(s) = lse(α_{t−1}(s), α_{t−1}(s−1), [skip_s] α_{t−1}(s−2)) + lp[t, l'_s], where lse is log-sum-exp and
//     skip_s holds for odd s ≥ 3 with l'_s ≠ l'_{s−2} (a label may follow the previous one directly unless it repeats);
//   nll = −lse(α_{T−1}(L−1), α_{T−1}(L−2)), or −α_{T−1}(0) for S = 0; +∞ when no alignment exists.
//   β mirrors α: β_{T−1}(L−1) = lp[T−1, blank], β_{T−1}(L−2) = lp[T−1, l_{S−1}], β_t(s) = lse(β_{t+1}(s),
//     β_{t+1}(s+1), [skip_{s+2}] β_{t+1}(s+2)) + lp[t, l'_s] (PyTorch's β includes frame t's own lp).
//   The gradient, as PyTorch computes it (with respect to the logits of a log_softmax that produced lp, not lp
//   itself; PyTorch's value minus the true ∂nll/∂lp is e^lp), times the upstream gradient gr:
//     g[t, c] = (e^{lp[t,c]} − Σ_{s: l'_s = c} e^{α_t(s) + β_t(s) + nll − lp[t,c]})·gr   for t < T,
//     NaN where lp[t, c] = −∞ (PyTorch's e^{−∞ + nll + ∞}), NaN for every t < T when nll = +∞ (or 0 everywhere
//     with CTC_ZERO_INFINITY), and 0 for T ≤ t < Tpad.
//
// Three paths, chosen per sequence and recorded in the work header (the gradient follows the forward's):
// - The band (both fast paths; every lp[t, c], t < T, finite or −∞): only states that lie on some complete
//   alignment are computed, s ∈ [lo_t, hi_t) with hi_t = min(L, 2t + 2) (reachable from the start by frame t) and
//   lo_t = max(0, L − 2(T − t)) rounded down to even (able to reach the end in time; repeats only shrink this
//   set, so the band is a superset). A state outside it never feeds one inside it, so the band gives PyTorch's
//   loss and gradient exactly (its other states are −∞ on one of the two sides).
// - Scaled (the default): the log-space recursion with one shared reference per frame, carried in linear form:
//   α_t(s) = R_t + log A_t(s) with A_t(s) = (A_{t−1}(s) + A_{t−1}(s−1) + [skip_s] A_{t−1}(s−2))·2^−e·y_t(l'_s),
//   y_t(c) = e^{lp[t, c] − lp[t, blank]}, 2^e the previous frame's largest A (so R_t = Σ lp[·, blank] + Σ e·ln2,
//   summed compensated). No exp or log per cell. It holds while every reachable state of a frame stays within
//   [2^−896, 2^896] of that frame's scale (a dynamic range of ~620 nats) and every y is in (0, +∞); otherwise the
//   sequence takes the log-space path (β likewise: the gradient then redoes the sequence in log space). The
//   occupancies of a frame, A·B/y, are normalised by their sum, which is e^{−nll} times a per-frame constant.
// - Log space (the fallback, or CTC_LOGSPACE): each frame's reference M is its maximum; with E(s) = e^{α_{t−1}(s) −
//   M} (0 for −∞, else ≥ e^−708), α_t(s) = (M + log(E(s) + E(s−1) + [skip_s] E(s−2))) + lp[t, l'_s]: one exp per
//   state and one log per cell instead of three exps and a log. Where that sum is below 1e-290 but not 0 (the
//   three inputs all more than ~667 below M, where E lost its precision), the cell is recomputed with its own
//   maximum, as PyTorch does; a sum of exactly 0 means three −∞ inputs and gives −∞.
// - Exact (a NaN or +∞ log-probability in the sequence, or CTC_EXACT): PyTorch's loops verbatim over every state of
//   every frame (its lamax rule, its −∞ fills, its log-add of the collected α·β per class), in float64, so NaN and
//   infinities spread exactly as they do in PyTorch.
//
// Pointer contract: lp holds T rows of C elements of N (f32 | f64), row t at lp + t·ldLp·sizeof<N>() (ldLp ≥ C
// elements, any alignment); labels holds S int32, each in [0, C) and ≠ blank (the facade validates them); work is
// `ctc_work_bytes(T, S, C, flags)` bytes, 16-byte aligned, owned by the call (the forward with CTC_KEEP_ALPHA leaves
// α there for `ctc_backward_*`, which must get the same lp, labels, S, blank and work); grad holds Tpad ≥ T rows of C
// elements of N at stride ldGrad, written completely. T ≥ 1. Nothing is allocated, nothing throws, no state is kept
// outside `work`.
//
// Precision: everything in float64 (float32 log-probabilities promoted exactly; e^ from assembly/math/exp.ts, log
// from assembly/math/log.ts, each < 1 ulp); the loss is returned in float64 and the gradient rounded once to N (a
// float32 element that rounds to zero takes the sign of PyTorch's float32 formula, `storeGrad`). The paths differ
// only by roundings: a few 2^-52 per frame, relative in A (scaled) or absolute in α (log space, exact). Like any
// float64 recursion, a loss near 0 (one dominant alignment) is known to about T·2^-52 absolute only.
// Memory (work): the α (or A) rows of the sequence, T·(2S + 6) float64 with CTC_KEEP_ALPHA (else two), the
// emission ratios of the band's labels (T·2S float64, else one frame's), and a few rows.
//
// Lane layout: a row holds 2 pad cells, the L states, and 3 pad cells (float64). The recursions run over pairs of
// states (2k, 2k+1) = (blank, l_k) in one f64x2, the pair's multiplier [2^−e, 2^−e·y_k] (scaled) or lp
// [lp[t, blank], lp[t, l_k]] (log space) built from one scalar gather; the skip rule is a per-pair lane mask;
// the emission ratios of a frame are two labels per f64x2 exp. The collected α·β terms of a pair go to the blank's running sum (lane 0)
// and to class l_k (lane 1, scalar). The gradient row runs over classes (f32: 4 per v128, as two promoted
// halves; f64: 2). Every SIMD loop has a scalar tail performing the same operations per element, so the scalar
// build gives the same bits.
import { exp1, exp2x, expLse1, expLse2x, expLseZ1, expLseZ2x } from '../math/exp';
import { log_f64, log_f64x2 } from '../math/log';
import { hi64, lo64, pack32 } from '../lanes';
import { exp_f64_call as expS, log_f64_call as logS } from '../math/calls';

/** flags bit (forward): keep every α row in `work` for a following `ctc_backward_*`. */
export const CTC_KEEP_ALPHA: i32 = 1;
/** flags bit: take the exact path (PyTorch's loops over every state) even where the fast one applies. */
export const CTC_EXACT: i32 = 2;
/** flags bit (gradient): a sequence whose loss is +∞ gets a zero gradient (PyTorch's zero_infinity). */
export const CTC_ZERO_INFINITY: i32 = 4;
/** flags bit (forward, for tests): take the per-cell log-space path even where the scaled one applies. */
export const CTC_LOGSPACE: i32 = 8;

/** The path a forward took, in the work header (the gradient follows it). */
const PATH_SCALED: i32 = 0;
const PATH_LOG: i32 = 1;
const PATH_EXACT: i32 = 2;

const NEG_INF: f64 = -Infinity;
/** Below this (and above 0) a cell's shared-reference sum has lost precision: recompute it exactly. */
const TINY: f64 = 1e-290;
/** 2^−896 and 2^896: a reachable state outside [SCALED_MIN, SCALED_MAX] leaves the scaled path's range. */
const SCALED_MIN: f64 = 1.8928834978668395e-270;
const SCALED_MAX: f64 = 5.282945311356653e+269;

// ---------------------------------------------------------------------------------------------------------------
// Work layout (byte offsets from `work`): header (16), skip masks ((S + 2) pairs of 16), the E row, the class
// accumulator (C f64, rounded up to 16 bytes), two β rows, then the α rows (T with CTC_KEEP_ALPHA, else 2). A row
// is W = 2S + 6 float64: cell s at row + 16 + 8s, so s = −2, −1 and L, L + 1, L + 2 are pads.

// @ts-ignore: decorator
@inline function rowWidth(S: i32): usize {
  return <usize>(2 * S + 6);
}
// @ts-ignore: decorator
@inline function masksAt(work: usize): usize {
  return work + 16;
}
// @ts-ignore: decorator
@inline function eRowAt(work: usize, S: i32): usize {
  return masksAt(work) + (<usize>(S + 2) << 4);
}
// @ts-ignore: decorator
@inline function accAt(work: usize, S: i32): usize {
  return eRowAt(work, S) + (rowWidth(S) << 3);
}
// @ts-ignore: decorator
@inline function betaAt(work: usize, S: i32, C: i32): usize {
  return accAt(work, S) + ((<usize>C * 8 + 15) & ~(<usize>15));
}
// @ts-ignore: decorator
@inline function alphaAt(work: usize, S: i32, C: i32): usize {
  return betaAt(work, S, C) + (rowWidth(S) << 4);
}
/** Cell 0 of α row t. */
// @ts-ignore: decorator
@inline function alphaRow(work: usize, S: i32, C: i32, t: i32): usize {
  return alphaAt(work, S, C) + <usize>t * (rowWidth(S) << 3) + 16;
}

/** α rows kept: T with CTC_KEEP_ALPHA, else two (rolling). */
// @ts-ignore: decorator
@inline function alphaRows(T: i32, flags: i32): i32 {
  return (flags & CTC_KEEP_ALPHA) != 0 ? max(T, 2) : 2;
}
/** Bytes of one row of the scaled path's emission ratios: S values y_k, then S values 1/y_k (each rounded to even). */
// @ts-ignore: decorator
@inline function yRowBytes(S: i32): usize {
  return <usize>((S + 1) & ~1) << 4;
}
/** The emission ratios of frame t (row t with CTC_KEEP_ALPHA, else the one row): after the α rows. */
// @ts-ignore: decorator
@inline function yRowAt(work: usize, S: i32, C: i32, T: i32, flags: i32, t: i32): usize {
  const base = alphaAt(work, S, C) + <usize>alphaRows(T, flags) * (rowWidth(S) << 3);
  return base + ((flags & CTC_KEEP_ALPHA) != 0 ? <usize>t * yRowBytes(S) : 0);
}

/** Bytes of `work` a call needs for a sequence of T frames and S labels over C classes. */
export function ctc_work_bytes(T: i32, S: i32, C: i32, flags: i32): i32 {
  const yRows = (flags & CTC_KEEP_ALPHA) != 0 ? max(T, 1) : 1;
  return <i32>(yRowAt(0, S, C, T, flags, 0) + <usize>yRows * yRowBytes(S));
}

// @ts-ignore: decorator
@inline function cell(row: usize, s: i32): f64 {
  return load<f64>(row + <usize>(<isize>s << 3));
}
// @ts-ignore: decorator
@inline function setCell(row: usize, s: i32, v: f64): void {
  store<f64>(row + <usize>(<isize>s << 3), v);
}
// @ts-ignore: decorator
@inline function lpAt<N>(lpRow: usize, c: i32): f64 {
  return <f64>load<N>(lpRow + <usize>c * sizeof<N>());
}
// @ts-ignore: decorator
@inline function label(labels: usize, k: i32): i32 {
  return load<i32>(labels + (<usize>k << 2));
}
/** Frame t of lp: its row pointer (`wide`: float64 elements, else float32). */
// @ts-ignore: decorator
@inline function rowOf(lp: usize, ldLp: i32, wide: bool, t: i32): usize {
  return lp + <usize>t * <usize>ldLp * (wide ? 8 : 4);
}
/**
 * lp of class c in a frame, as float64. The recursions read log-probabilities only through this (a branch on the
 * loop-invariant dtype), so that they are compiled once; the domain check and the gradient rows are per dtype.
 */
// @ts-ignore: decorator
@inline function lpOf(row: usize, wide: bool, c: i32): f64 {
  return wide ? load<f64>(row + (<usize>c << 3)) : <f64>load<f32>(row + (<usize>c << 2));
}
/** lp of state s in a frame. */
// @ts-ignore: decorator
@inline function stateLp(row: usize, wide: bool, labels: usize, blank: i32, s: i32): f64 {
  return lpOf(row, wide, (s & 1) != 0 ? label(labels, s >> 1) : blank);
}
/** α's skip rule for state s: odd, s ≥ 3, l'_s ≠ l'_{s−2}. */
// @ts-ignore: decorator
@inline function skipOf(labels: usize, S: i32, s: i32): bool {
  const k = s >> 1;
  return (s & 1) != 0 && k >= 1 && k < S && label(labels, k) != label(labels, k - 1);
}

/** The band [lo, hi) of frame t (see the header); lo is even. */
// @ts-ignore: decorator
@inline function bandLo(L: i32, T: i32, t: i32): i32 {
  return max(0, L - 2 * (T - t)) & ~1;
}
// @ts-ignore: decorator
@inline function bandHi(L: i32, t: i32): i32 {
  return min(L, 2 * t + 2);
}
/** The band's labels: its pairs (2k, 2k + 1) need label k for k ∈ [lo/2, bandLabels1(S, hi)). */
// @ts-ignore: decorator
@inline function bandLabels1(S: i32, hi: i32): i32 {
  return min(S, (hi + 1) >> 1);
}

/** e^d for d ≤ 0 from a row maximum: exactly 0 for d = −∞, at least e^−708 otherwise (expLse's clamp). */
// @ts-ignore: decorator
@inline function expRel2(d: v128): v128 {
  return v128.and(exp2x(f64x2.pmax(d, f64x2.splat(-708))), f64x2.gt(d, f64x2.splat(NEG_INF)));
}
// @ts-ignore: decorator
@inline function expRel1(d: f64): f64 {
  return d > NEG_INF ? expS(d < -708 ? -708 : d) : 0.0;
}

/** PyTorch's three-term log-sum-exp plus lp: lamax = max of the terms taken (0 if all are −∞). */
function lse3(a: f64, b: f64, c: f64, lp: f64): f64 {
  let m = a;
  if (b > m) m = b;
  if (c > m) m = c;
  if (m == NEG_INF) m = 0;
  return (logS(expS(a - m) + expS(b - m) + expS(c - m)) + m) + lp;
}

/** PyTorch's two-term log-add (std::max, then the same form). */
function lse2(a: f64, b: f64): f64 {
  let m = a < b ? b : a;
  if (m == NEG_INF) m = 0;
  return logS(expS(a - m) + expS(b - m)) + m;
}

/** The loss from the last α row (PyTorch's form). */
function finalNll(last: usize, S: i32): f64 {
  if (S == 0) return -cell(last, 0);
  return -lse2(cell(last, 2 * S), cell(last, 2 * S - 1));
}

/** Writes the skip masks: pair k = [0, all ones when l_k may follow l_{k−1} directly]; pairs S and S + 1 are 0. */
function writeMasks(masks: usize, labels: usize, S: i32): void {
  for (let k = 0; k < S + 2; k++) {
    const m: i64 = k >= 1 && k < S && label(labels, k) != label(labels, k - 1) ? -1 : 0;
    store<i64>(masks + (<usize>k << 4), 0);
    store<i64>(masks + (<usize>k << 4), m, 8);
  }
}

/** True when every lp[t, c], t < T, is finite or −∞ (the band paths' domain). */
function fastDomain<N>(lp: usize, ldLp: i32, T: i32, C: i32): bool {
  const rowBytes = <usize>ldLp * sizeof<N>();
  for (let t = 0; t < T; t++) {
    const row = lp + <usize>t * rowBytes;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      if (sizeof<N>() == 4) {
        let ok = i32x4.splat(-1);
        for (; c + 4 <= C; c += 4) ok = v128.and(ok, f32x4.lt(v128.load(row + (<usize>c << 2)), f32x4.splat(Infinity)));
        if (!i32x4.all_true(ok)) return false;
      } else {
        let ok = i64x2.splat(-1);
        for (; c + 2 <= C; c += 2) ok = v128.and(ok, f64x2.lt(v128.load(row + (<usize>c << 3)), f64x2.splat(Infinity)));
        if (!i64x2.all_true(ok)) return false;
      }
    }
    for (; c < C; c++) if (!(lpAt<N>(row, c) < Infinity)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Forward, log-space path

// The recursion steps are shared by α (dir = −1: a state's inputs are s, s − 1, s − 2 of the previous frame, skip
// rule of pair k) and β (dir = +1: s, s + 1, s + 2 of the next frame, skip rule of pair k + 1).

/** β's skip rule for state s: odd s = 2k + 1 with k + 1 < S and l_{k+1} ≠ l_k (= α's rule for s + 2). */
// @ts-ignore: decorator
@inline function skipBeta(labels: usize, S: i32, s: i32): bool {
  return skipOf(labels, S, s + 2);
}
// @ts-ignore: decorator
@inline function skipDir(labels: usize, S: i32, s: i32, dir: i32): bool {
  return dir < 0 ? skipOf(labels, S, s) : skipBeta(labels, S, s);
}

/** One cell of a log-space step from neighbour row `nb`, its E row and reference M (scalar; the lanes' twin). */
// @ts-ignore: decorator
@inline function cellLog(nb: usize, E: usize, M: f64, s: i32, dir: i32, skip: bool, lp: f64): f64 {
  const sum = (cell(E, s) + cell(E, s + dir)) + (skip ? cell(E, s + 2 * dir) : 0.0);
  if (sum < TINY && sum > 0) return lse3(cell(nb, s), cell(nb, s + dir), skip ? cell(nb, s + 2 * dir) : NEG_INF, lp);
  return (M + logS(sum)) + lp;
}

/** Lanes of a pair (cells s, s + 1) whose sum needed the exact form, recomputed from `nb`. */
function fixLog(a: v128, sum: v128, nb: usize, s: i32, dir: i32, mask: v128, lpv: v128): v128 {
  let r = a;
  const s0 = f64x2.extract_lane(sum, 0), s1 = f64x2.extract_lane(sum, 1);
  if (s0 < TINY && s0 > 0) {
    r = f64x2.replace_lane(r, 0, lse3(cell(nb, s), cell(nb, s + dir), NEG_INF, f64x2.extract_lane(lpv, 0)));
  }
  if (s1 < TINY && s1 > 0) {
    const skip = i64x2.extract_lane(mask, 1) != 0;
    r = f64x2.replace_lane(r, 1, lse3(cell(nb, s + 1), cell(nb, s + 1 + dir), skip ? cell(nb, s + 1 + 2 * dir) : NEG_INF,
      f64x2.extract_lane(lpv, 1)));
  }
  return r;
}

/**
 * One log-space frame: cur(s) for s in the band [lo, hi) from neighbour row nb (its E row, reference M) and the
 * frame's log-probabilities; returns the frame's maximum. Pads are the caller's.
 */
function stepLog(nb: usize, E: usize, M: f64, cur: usize, lo: i32, hi: i32, row: usize, wide: bool, labels: usize, S: i32,
  blank: i32, masks: usize, dir: i32): f64 {
  const d = <usize>(<isize>dir << 3);
  const maskAt = masks + (dir > 0 ? 16 : 0);
  const lpBlank = lpOf(row, wide, blank);
  let s = lo;
  let m = NEG_INF;
  if (ASC_FEATURE_SIMD) {
    const vM = f64x2.splat(M), vBlank = f64x2.splat(lpBlank), tiny = f64x2.splat(TINY), zero = f64x2.splat(0);
    let vmax = f64x2.splat(NEG_INF);
    for (; s + 2 <= hi; s += 2) {
      const k = s >> 1;
      const e = E + (<usize>s << 3);
      const mask = v128.load(maskAt + (<usize>k << 4));
      const sum = f64x2.add(f64x2.add(v128.load(e), v128.load(e + d)), v128.and(v128.load(e + d + d), mask));
      const lpv = f64x2.replace_lane(vBlank, 1, lpOf(row, wide, label(labels, k)));
      let a = f64x2.add(f64x2.add(vM, log_f64x2(sum)), lpv);
      if (v128.any_true(v128.and(f64x2.lt(sum, tiny), f64x2.gt(sum, zero)))) a = fixLog(a, sum, nb, s, dir, mask, lpv);
      v128.store(cur + (<usize>s << 3), a);
      vmax = f64x2.pmax(vmax, a);
    }
    m = max(f64x2.extract_lane(vmax, 0), f64x2.extract_lane(vmax, 1));
  }
  for (; s < hi; s++) {
    const lps = (s & 1) != 0 ? lpOf(row, wide, label(labels, s >> 1)) : lpBlank;
    const a = cellLog(nb, E, M, s, dir, skipDir(labels, S, s, dir), lps);
    setCell(cur, s, a);
    m = max(m, a);
  }
  return m;
}

/**
 * One scaled frame: cur(s) = (nb(s) + nb(s + dir) + [skip] nb(s + 2·dir))·rho·y(l'_s) over the band; returns the
 * frame's maximum, or −1 when a reachable state left [SCALED_MIN, SCALED_MAX].
 */
function stepScaled(nb: usize, cur: usize, rho: f64, y: usize, lo: i32, hi: i32, labels: usize, S: i32, masks: usize, dir: i32): f64 {
  const d = <usize>(<isize>dir << 3);
  const maskAt = masks + (dir > 0 ? 16 : 0);
  let s = lo;
  let m: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const vrho = f64x2.splat(rho), lowest = f64x2.splat(SCALED_MIN), highest = f64x2.splat(SCALED_MAX), zero = f64x2.splat(0);
    let vmax = zero, bad = zero;
    for (; s + 2 <= hi; s += 2) {
      const k = s >> 1;
      const p = nb + (<usize>s << 3);
      const sum = f64x2.add(f64x2.add(v128.load(p), v128.load(p + d)), v128.and(v128.load(p + d + d), v128.load(maskAt + (<usize>k << 4))));
      const a = f64x2.mul(sum, f64x2.replace_lane(vrho, 1, rho * load<f64>(y + (<usize>k << 3))));
      bad = v128.or(bad, v128.or(v128.and(f64x2.lt(a, lowest), f64x2.gt(sum, zero)), f64x2.gt(a, highest)));
      v128.store(cur + (<usize>s << 3), a);
      vmax = f64x2.pmax(vmax, a);
    }
    if (v128.any_true(bad)) return -1;
    m = max(f64x2.extract_lane(vmax, 0), f64x2.extract_lane(vmax, 1));
  }
  for (; s < hi; s++) {
    const skip = skipDir(labels, S, s, dir);
    const sum = (cell(nb, s) + cell(nb, s + dir)) + (skip ? cell(nb, s + 2 * dir) : 0.0);
    const a = sum * ((s & 1) != 0 ? rho * load<f64>(y + (<usize>(s >> 1) << 3)) : rho);
    if ((a < SCALED_MIN && sum > 0) || a > SCALED_MAX) return -1;
    setCell(cur, s, a);
    m = max(m, a);
  }
  return m;
}

/** E(s) = e^{row(s) − M} over [lo, hi), with zeros at hi, hi + 1. */
function fillE(row: usize, E: usize, lo: i32, hi: i32, M: f64): void {
  let s = lo;
  if (ASC_FEATURE_SIMD) {
    const vM = f64x2.splat(M);
    for (; s + 2 <= hi; s += 2) {
      const off = <usize>s << 3;
      v128.store(E + off, expRel2(f64x2.sub(v128.load(row + off), vM)));
    }
  }
  for (; s < hi; s++) setCell(E, s, expRel1(cell(row, s) - M));
  setCell(E, hi, 0);
  setCell(E, hi + 1, 0);
}

/** Log-space forward (see the header): returns nll; the α rows stay in work (all of them with `keep`). */
function forwardLog(lp: usize, ldLp: i32, wide: bool, T: i32, C: i32, labels: usize, S: i32, blank: i32, work: usize, keep: bool): f64 {
  const L = 2 * S + 1;
  const E = eRowAt(work, S) + 16;
  const masks = masksAt(work);
  let row: usize = 0;
  // Row 0.
  let lo = bandLo(L, T, 0), hi = bandHi(L, 0);
  if (lo >= hi) return Infinity;
  row = rowOf(lp, ldLp, wide, 0);
  let prev = alphaRow(work, S, C, 0);
  setCell(prev, -2, NEG_INF);
  setCell(prev, -1, NEG_INF);
  setCell(prev, 0, lpOf(row, wide, blank));
  if (S > 0) setCell(prev, 1, lpOf(row, wide, label(labels, 0)));
  setCell(prev, hi, NEG_INF);
  setCell(prev, hi + 1, NEG_INF);
  let M = S > 0 ? max(cell(prev, 0), cell(prev, 1)) : cell(prev, 0);
  setCell(E, -2, 0);
  setCell(E, -1, 0);
  for (let t = 1; t < T; t++) {
    if (M == NEG_INF) return Infinity; // no alignment reaches frame t − 1
    fillE(prev, E, lo, hi, M);
    lo = bandLo(L, T, t);
    hi = bandHi(L, t);
    if (lo >= hi) return Infinity;
    const cur = alphaRow(work, S, C, keep ? t : t & 1);
    row = rowOf(lp, ldLp, wide, t);
    const m = stepLog(prev, E, M, cur, lo, hi, row, wide, labels, S, blank, masks, -1);
    setCell(cur, -2, NEG_INF);
    setCell(cur, -1, NEG_INF);
    setCell(cur, hi, NEG_INF);
    setCell(cur, hi + 1, NEG_INF);
    prev = cur;
    M = m;
  }
  return finalNll(prev, S);
}

// ---------------------------------------------------------------------------------------------------------------
// Forward, scaled path: α_t(s) = R_t + log A_t(s), the A_t carried in linear form relative to a per-frame power of
// two, with R_t = Σ_{u ≤ t} lp[u, blank] + Σ_{u < t} e_u·ln2:
//   A_0(0) = 1, A_0(1) = y_0(l_0);   A_t(s) = (A_{t−1}(s) + A_{t−1}(s−1) + [skip_s] A_{t−1}(s−2))·2^{−e_{t−1}}·y_t(l'_s)
// with y_t(blank) = 1, y_t(l_k) = e^{lp[t, l_k] − lp[t, blank]} and e_t the binary exponent of max_s A_t(s). No exp or
// log per cell; exact to roundings while every reachable state stays within [2^−900, 2^900] of the frame's scale:
// a state leaving that range (a dynamic range of ~624 nats within one frame), or an emission ratio that is 0 or
// +∞, abandons the path (NaN) and the sequence runs in log space instead.

const LN2_HI: f64 = 6.93147180369123816490e-01; // n·LN2_HI is exact for |n| < 2^20
const LN2_LO: f64 = 1.90821492927058770002e-10;

/** The binary exponent e of m (m normal): m ∈ [2^e, 2^(e+1)). */
// @ts-ignore: decorator
@inline function exponentOf(m: f64): i32 {
  return <i32>((reinterpret<u64>(m) >> 52) & 0x7ff) - 1023;
}
/** 2^−e, exactly. */
// @ts-ignore: decorator
@inline function powTwoNeg(e: i32): f64 {
  return reinterpret<f64>(<u64>(1023 - e) << 52);
}

/**
 * The emission ratios y_k = e^{lp[t, l_k] − lp[t, blank]} of labels k ∈ [k0, k1) of frame `row` into yRow (and
 * 1/y_k after S slots when `inv`); false when one is 0, +∞ or NaN (or the blank's lp is −∞): then the scaled
 * path cannot run.
 */
function fillY(row: usize, wide: bool, labels: usize, blank: i32, S: i32, k0: i32, k1: i32, yRow: usize, inv: bool): bool {
  const lb = lpOf(row, wide, blank);
  if (!(lb > NEG_INF)) return false;
  const invAt = yRow + (<usize>((S + 1) & ~1) << 3);
  let k = k0;
  if (ASC_FEATURE_SIMD) {
    const vb = f64x2.splat(lb), zero = f64x2.splat(0), inf = f64x2.splat(Infinity), one = f64x2.splat(1);
    let ok = i64x2.splat(-1);
    for (; k + 2 <= k1; k += 2) {
      const d = f64x2.replace_lane(f64x2.splat(lpOf(row, wide, label(labels, k))), 1, lpOf(row, wide, label(labels, k + 1)));
      const y = exp2x(f64x2.sub(d, vb));
      ok = v128.and(ok, v128.and(f64x2.gt(y, zero), f64x2.lt(y, inf)));
      v128.store(yRow + (<usize>k << 3), y);
      if (inv) v128.store(invAt + (<usize>k << 3), f64x2.div(one, y));
    }
    if (!i64x2.all_true(ok)) return false;
  }
  for (; k < k1; k++) {
    const y = expS(lpOf(row, wide, label(labels, k)) - lb);
    if (!(y > 0 && y < Infinity)) return false;
    store<f64>(yRow + (<usize>k << 3), y);
    if (inv) store<f64>(invAt + (<usize>k << 3), 1.0 / y);
  }
  return true;
}


/** Scaled forward: nll, or NaN when the path cannot hold the sequence (see above). */
function forwardScaled(lp: usize, ldLp: i32, wide: bool, T: i32, C: i32, labels: usize, S: i32, blank: i32, work: usize, flags: i32): f64 {
  const keep = (flags & CTC_KEEP_ALPHA) != 0;
  const L = 2 * S + 1;
  const masks = masksAt(work);
  let row: usize = 0;
  let lo = bandLo(L, T, 0), hi = bandHi(L, 0);
  if (lo >= hi) return Infinity;
  let y = yRowAt(work, S, C, T, flags, 0);
  row = rowOf(lp, ldLp, wide, 0);
  if (!fillY(row, wide, labels, blank, S, lo >> 1, bandLabels1(S, hi), y, keep)) return NaN;
  let prev = alphaRow(work, S, C, 0);
  setCell(prev, -2, 0);
  setCell(prev, -1, 0);
  setCell(prev, 0, 1);
  if (S > 0) setCell(prev, 1, load<f64>(y));
  setCell(prev, hi, 0);
  setCell(prev, hi + 1, 0);
  let m = S > 0 ? max(1.0, cell(prev, 1)) : 1.0;
  if (S > 0 && !(cell(prev, 1) >= SCALED_MIN && cell(prev, 1) <= SCALED_MAX)) return NaN;
  // Σ lp[t, blank] compensated (Neumaier: sumHi + sumLo), so that R keeps its absolute accuracy when the blanks'
  // sum and the exponents' nearly cancel (a confident alignment through labels).
  let sumHi = lpOf(row, wide, blank), sumLo: f64 = 0;
  let eSum: i32 = 0;
  for (let t = 1; t < T; t++) {
    if (m == 0) return Infinity; // no alignment reaches frame t − 1
    const e = exponentOf(m);
    eSum += e;
    const rho = powTwoNeg(e);
    lo = bandLo(L, T, t);
    hi = bandHi(L, t);
    if (lo >= hi) return Infinity;
    y = yRowAt(work, S, C, T, flags, t);
    row = rowOf(lp, ldLp, wide, t);
    if (!fillY(row, wide, labels, blank, S, lo >> 1, bandLabels1(S, hi), y, keep)) return NaN;
    const lb = lpOf(row, wide, blank);
    const sum2 = sumHi + lb;
    sumLo += abs(sumHi) >= abs(lb) ? (sumHi - sum2) + lb : (lb - sum2) + sumHi;
    sumHi = sum2;
    const cur = alphaRow(work, S, C, keep ? t : t & 1);
    const mt = stepScaled(prev, cur, rho, y, lo, hi, labels, S, masks, -1);
    if (mt < 0) return NaN;
    setCell(cur, -2, 0);
    setCell(cur, -1, 0);
    setCell(cur, hi, 0);
    setCell(cur, hi + 1, 0);
    prev = cur;
    m = mt;
  }
  // eSum·LN2_HI is exact, and so is its sum with sumHi where they nearly cancel (Sterbenz).
  const R = (sumHi + <f64>eSum * LN2_HI) + (sumLo + <f64>eSum * LN2_LO);
  const last = S > 0 ? cell(prev, L - 1) + cell(prev, L - 2) : cell(prev, 0);
  return -(R + logS(last));
}

// ---------------------------------------------------------------------------------------------------------------
// Forward, exact path: PyTorch's loops (every state of every frame).

function forwardExact(lp: usize, ldLp: i32, wide: bool, T: i32, C: i32, labels: usize, S: i32, blank: i32, work: usize, keep: bool): f64 {
  const L = 2 * S + 1;
  let row: usize = 0;
  let prev = alphaRow(work, S, C, 0);
  for (let s = -2; s < L + 2; s++) setCell(prev, s, NEG_INF);
  row = rowOf(lp, ldLp, wide, 0);
  setCell(prev, 0, lpOf(row, wide, blank));
  if (S > 0) setCell(prev, 1, lpOf(row, wide, label(labels, 0)));
  for (let t = 1; t < T; t++) {
    const cur = alphaRow(work, S, C, keep ? t : t & 1);
    row = rowOf(lp, ldLp, wide, t);
    setCell(cur, -2, NEG_INF);
    setCell(cur, -1, NEG_INF);
    for (let s = 0; s < L; s++) {
      const skip = skipOf(labels, S, s);
      setCell(cur, s, lse3(cell(prev, s), cell(prev, s - 1), skip ? cell(prev, s - 2) : NEG_INF, stateLp(row, wide, labels, blank, s)));
    }
    setCell(cur, L, NEG_INF);
    setCell(cur, L + 1, NEG_INF);
    prev = cur;
  }
  return finalNll(prev, S);
}

function forward(lp: usize, ldLp: i32, wide: bool, T: i32, C: i32, labels: usize, S: i32, blank: i32, work: usize, flags: i32): f64 {
  const keep = (flags & CTC_KEEP_ALPHA) != 0;
  writeMasks(masksAt(work), labels, S);
  if ((flags & CTC_EXACT) != 0 || !(wide ? fastDomain<f64>(lp, ldLp, T, C) : fastDomain<f32>(lp, ldLp, T, C))) {
    store<i32>(work, PATH_EXACT);
    return forwardExact(lp, ldLp, wide, T, C, labels, S, blank, work, keep);
  }
  if ((flags & CTC_LOGSPACE) == 0) {
    const nll = forwardScaled(lp, ldLp, wide, T, C, labels, S, blank, work, flags);
    if (nll == nll) {
      store<i32>(work, PATH_SCALED);
      return nll;
    }
  }
  store<i32>(work, PATH_LOG);
  return forwardLog(lp, ldLp, wide, T, C, labels, S, blank, work, keep);
}

/**
 * The CTC loss (nll, float64; +∞ without an alignment) of one sequence of float32 log-probabilities. With
 * CTC_KEEP_ALPHA the α rows stay in `work` for `ctc_backward_f32`. Layout and contract in the file header.
 */
export function ctc_loss_f32(lp: usize, ldLp: i32, T: i32, C: i32, labels: usize, S: i32, blank: i32, work: usize, flags: i32): f64 {
  return forward(lp, ldLp, false, T, C, labels, S, blank, work, flags);
}
/** ctc_loss_f32 over float64 log-probabilities. */
export function ctc_loss_f64(lp: usize, ldLp: i32, T: i32, C: i32, labels: usize, S: i32, blank: i32, work: usize, flags: i32): f64 {
  return forward(lp, ldLp, true, T, C, labels, S, blank, work, flags);
}

// ---------------------------------------------------------------------------------------------------------------
// Gradient

/** Writes `v` to every element of rows [t0, t1) of grad. */
function fillRows<N>(grad: usize, ldGrad: i32, C: i32, t0: i32, t1: i32, v: f64): void {
  const rowBytes = <usize>ldGrad * sizeof<N>();
  for (let t = t0; t < t1; t++) {
    const row = grad + <usize>t * rowBytes;
    for (let c = 0; c < C; c++) store<N>(row + <usize>c * sizeof<N>(), <N>v);
  }
}

/**
 * One gradient element (e − occ)·gr rounded once to N. A float32 result that rounds to zero takes the sign of
 * PyTorch's float32 evaluation, (f32(e) − f32(occ))·f32(gr): an exact +0 times gr where the two terms round
 * alike (or both underflow), else the sign of the underflowed product.
 */
// @ts-ignore: decorator
@inline function storeGrad<N>(p: usize, e: f64, occ: f64, gr: f64): void {
  const v = (e - occ) * gr;
  if (sizeof<N>() == 4) {
    const r = <f32>v;
    store<f32>(p, r == 0 ? (<f32>e - <f32>occ) * <f32>gr : r);
  } else store<f64>(p, v);
}

/**
 * Gradient row t from the collected occupancies acc[c]·scale (log space: Σ e^{α + β + nll − lp}, scale 1; scaled:
 * Σ A·B/y, scale 1/G): (e^lp − acc·scale)·gr, NaN where lp = −∞; then acc is zeroed for the next frame.
 */
function gradRow<N>(lpRow: usize, gRow: usize, acc: usize, C: i32, gr: f64, scale: f64): void {
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    const vg = f64x2.splat(gr), ninf = f64x2.splat(NEG_INF), nan = f64x2.splat(NaN), zero = f64x2.splat(0);
    const vs = f64x2.splat(scale);
    if (sizeof<N>() == 4) {
      for (; c + 4 <= C; c += 4) {
        const x = v128.load(lpRow + (<usize>c << 2));
        const xl = lo64(x), xh = hi64(x);
        const a0 = f64x2.mul(v128.load(acc + (<usize>c << 3)), vs), a1 = f64x2.mul(v128.load(acc + (<usize>c << 3), 16), vs);
        const gl = v128.bitselect(nan, f64x2.mul(f64x2.sub(exp2x(xl), a0), vg), f64x2.eq(xl, ninf));
        const gh = v128.bitselect(nan, f64x2.mul(f64x2.sub(exp2x(xh), a1), vg), f64x2.eq(xh, ninf));
        const r = pack32(gl, gh);
        v128.store(gRow + (<usize>c << 2), r);
        if (v128.any_true(f32x4.eq(r, f32x4.splat(0)))) {
          // Zeros take PyTorch's float32 sign (storeGrad); the lanes are redone one by one.
          for (let i = 0; i < 4; i++) {
            const x = lpAt<N>(lpRow, c + i);
            if (x != NEG_INF) storeGrad<N>(gRow + (<usize>(c + i) << 2), expS(x), load<f64>(acc + (<usize>(c + i) << 3)) * scale, gr);
          }
        }
        v128.store(acc + (<usize>c << 3), zero);
        v128.store(acc + (<usize>c << 3), zero, 16);
      }
    } else {
      for (; c + 2 <= C; c += 2) {
        const x = v128.load(lpRow + (<usize>c << 3));
        const a = f64x2.mul(v128.load(acc + (<usize>c << 3)), vs);
        v128.store(gRow + (<usize>c << 3), v128.bitselect(nan, f64x2.mul(f64x2.sub(exp2x(x), a), vg), f64x2.eq(x, ninf)));
        v128.store(acc + (<usize>c << 3), zero);
      }
    }
  }
  for (; c < C; c++) {
    const x = lpAt<N>(lpRow, c);
    const a = load<f64>(acc + (<usize>c << 3)) * scale;
    if (x == NEG_INF) store<N>(gRow + <usize>c * sizeof<N>(), <N>NaN);
    else storeGrad<N>(gRow + <usize>c * sizeof<N>(), expS(x), a, gr);
    store<f64>(acc + (<usize>c << 3), 0);
  }
}

/** gradRow for frame t of lp and grad, in the dtype `wide` says. */
// @ts-ignore: decorator
@inline function gradRowAt(lp: usize, ldLp: i32, grad: usize, ldGrad: i32, wide: bool, t: i32, acc: usize, C: i32, gr: f64, scale: f64): void {
  if (wide) gradRow<f64>(lp + <usize>t * <usize>ldLp * 8, grad + <usize>t * <usize>ldGrad * 8, acc, C, gr, scale);
  else gradRow<f32>(lp + <usize>t * <usize>ldLp * 4, grad + <usize>t * <usize>ldGrad * 4, acc, C, gr, scale);
}

/**
 * The occupancies of frame t over the band [lo, hi): e^{(α + β + nll) − lp} per state (0 where α + β = −∞), the
 * blanks' summed into acc[blank], each label's added to acc[l_k].
 */
function collect(a: usize, b: usize, row: usize, wide: bool, labels: usize, blank: i32, lo: i32, hi: i32, nll: f64, acc: usize): void {
  let s = lo;
  let blankSum: f64 = 0;
  const lpBlank = lpOf(row, wide, blank);
  if (ASC_FEATURE_SIMD) {
    const vn = f64x2.splat(nll), vBlank = f64x2.splat(lpBlank), ninf = f64x2.splat(NEG_INF);
    let vb = f64x2.splat(0);
    for (; s + 2 <= hi; s += 2) {
      const off = <usize>s << 3;
      const k = s >> 1;
      const l = label(labels, k);
      const lpv = f64x2.replace_lane(vBlank, 1, lpOf(row, wide, label(labels, k)));
      const ab = f64x2.add(v128.load(a + off), v128.load(b + off));
      const w = v128.and(expLseZ2x(f64x2.sub(f64x2.add(ab, vn), lpv)), f64x2.gt(ab, ninf));
      vb = f64x2.add(vb, w);
      const p = acc + (<usize>l << 3);
      store<f64>(p, load<f64>(p) + f64x2.extract_lane(w, 1));
    }
    blankSum = f64x2.extract_lane(vb, 0);
  }
  for (; s < hi; s++) {
    const ab = cell(a, s) + cell(b, s);
    const odd = (s & 1) != 0;
    const l = odd ? label(labels, s >> 1) : blank;
    const lpS = odd ? lpOf(row, wide, label(labels, s >> 1)) : lpBlank;
    const w = ab > NEG_INF ? expLseZ1((ab + nll) - lpS) : 0.0;
    if (odd) {
      const p = acc + (<usize>l << 3);
      store<f64>(p, load<f64>(p) + w);
    } else blankSum += w;
  }
  const p = acc + (<usize>blank << 3);
  store<f64>(p, load<f64>(p) + blankSum);
}

/** Log-space gradient (the forward's α rows in work; nll finite). */
function gradLog(lp: usize, ldLp: i32, wide: bool, T: i32, C: i32, labels: usize, S: i32, blank: i32, work: usize, nll: f64, gr: f64, grad: usize, ldGrad: i32): void {
  const L = 2 * S + 1;
  let row: usize = 0;
  const E = eRowAt(work, S) + 16;
  const masks = masksAt(work);
  const acc = accAt(work, S);
  const beta0 = betaAt(work, S, C) + 16, beta1 = beta0 + (rowWidth(S) << 3);
  for (let c = 0; c < C; c++) store<f64>(acc + (<usize>c << 3), 0);
  // Frame T − 1: β is lp at the two final states (those in the band), −∞ elsewhere.
  let t = T - 1;
  let lo = bandLo(L, T, t), hi = bandHi(L, t);
  let next = (t & 1) != 0 ? beta1 : beta0;
  for (let s = lo - 2; s < hi + 2; s++) setCell(next, s, NEG_INF);
  row = rowOf(lp, ldLp, wide, t);
  if (L - 1 < hi) setCell(next, L - 1, lpOf(row, wide, blank));
  if (S > 0 && L - 2 < hi) setCell(next, L - 2, lpOf(row, wide, label(labels, S - 1)));
  let M = NEG_INF;
  for (let s = lo; s < hi; s++) M = max(M, cell(next, s));
  collect(alphaRow(work, S, C, t), next, row, wide, labels, blank, lo, hi, nll, acc);
  gradRowAt(lp, ldLp, grad, ldGrad, wide, t, acc, C, gr, 1.0);
  for (t = T - 2; t >= 0; t--) {
    // E of frame t + 1 over its band, zeros on both sides.
    setCell(E, lo - 2, 0);
    setCell(E, lo - 1, 0);
    fillE(next, E, lo, hi, M);
    lo = bandLo(L, T, t);
    hi = bandHi(L, t);
    const cur = (t & 1) != 0 ? beta1 : beta0;
    row = rowOf(lp, ldLp, wide, t);
    const m = stepLog(next, E, M, cur, lo, hi, row, wide, labels, S, blank, masks, 1);
    setCell(cur, lo - 2, NEG_INF);
    setCell(cur, lo - 1, NEG_INF);
    setCell(cur, hi, NEG_INF);
    setCell(cur, hi + 1, NEG_INF);
    collect(alphaRow(work, S, C, t), cur, row, wide, labels, blank, lo, hi, nll, acc);
    gradRowAt(lp, ldLp, grad, ldGrad, wide, t, acc, C, gr, 1.0);
    next = cur;
    M = m;
  }
}

/** log-add of PyTorch's collected α·β (`lcab`): the first term is taken as is, later ones log-added. */
function logAdd(p: usize, v: f64): void {
  const cur = load<f64>(p);
  if (cur == NEG_INF) {
    store<f64>(p, v);
    return;
  }
  const m = cur < v ? v : cur;
  store<f64>(p, logS(expS(cur - m) + expS(v - m)) + m);
}

/** Gradient row t from PyTorch's collected log α·β: (e^lp − e^{(lcab + nll) − lp})·gr; lcab reset to −∞. */
function gradRowExact<N>(lpRow: usize, gRow: usize, acc: usize, C: i32, nll: f64, gr: f64): void {
  for (let c = 0; c < C; c++) {
    const x = lpAt<N>(lpRow, c);
    const p = acc + (<usize>c << 3);
    storeGrad<N>(gRow + <usize>c * sizeof<N>(), expS(x), expS((load<f64>(p) + nll) - x), gr);
    store<f64>(p, NEG_INF);
  }
}

// @ts-ignore: decorator
@inline function gradRowExactAt(lp: usize, ldLp: i32, grad: usize, ldGrad: i32, wide: bool, t: i32, acc: usize, C: i32, nll: f64, gr: f64): void {
  if (wide) gradRowExact<f64>(lp + <usize>t * <usize>ldLp * 8, grad + <usize>t * <usize>ldGrad * 8, acc, C, nll, gr);
  else gradRowExact<f32>(lp + <usize>t * <usize>ldLp * 4, grad + <usize>t * <usize>ldGrad * 4, acc, C, nll, gr);
}

/** Exact gradient: PyTorch's backward loops (every state of every frame). */
function gradExact(lp: usize, ldLp: i32, wide: bool, T: i32, C: i32, labels: usize, S: i32, blank: i32, work: usize, nll: f64, gr: f64, grad: usize, ldGrad: i32): void {
  const L = 2 * S + 1;
  let row: usize = 0;
  const acc = accAt(work, S);
  const beta0 = betaAt(work, S, C) + 16, beta1 = beta0 + (rowWidth(S) << 3);
  for (let c = 0; c < C; c++) store<f64>(acc + (<usize>c << 3), NEG_INF);
  let t = T - 1;
  let next = (t & 1) != 0 ? beta1 : beta0;
  for (let s = -2; s < L + 2; s++) setCell(next, s, NEG_INF);
  let a = alphaRow(work, S, C, t);
  row = rowOf(lp, ldLp, wide, t);
  setCell(next, L - 1, lpOf(row, wide, blank));
  store<f64>(acc + (<usize>blank << 3), cell(a, L - 1) + cell(next, L - 1));
  if (S > 0) {
    const l = label(labels, S - 1);
    setCell(next, L - 2, lpOf(row, wide, label(labels, S - 1)));
    store<f64>(acc + (<usize>l << 3), cell(a, L - 2) + cell(next, L - 2));
  }
  gradRowExactAt(lp, ldLp, grad, ldGrad, wide, t, acc, C, nll, gr);
  for (t = T - 2; t >= 0; t--) {
    const cur = (t & 1) != 0 ? beta1 : beta0;
    row = rowOf(lp, ldLp, wide, t);
    a = alphaRow(work, S, C, t);
    setCell(cur, L, NEG_INF);
    setCell(cur, L + 1, NEG_INF);
    for (let s = L - 1; s >= 0; s--) {
      const l = (s & 1) != 0 ? label(labels, s >> 1) : blank;
      const b = lse3(cell(next, s), cell(next, s + 1), skipBeta(labels, S, s) ? cell(next, s + 2) : NEG_INF, stateLp(row, wide, labels, blank, s));
      setCell(cur, s, b);
      logAdd(acc + (<usize>l << 3), cell(a, s) + b);
    }
    gradRowExactAt(lp, ldLp, grad, ldGrad, wide, t, acc, C, nll, gr);
    next = cur;
  }
}

/**
 * The scaled path's occupancies of frame t over the band: g_s = A_t(s)·B_t(s)/y_t(l'_s) (blank: /1), the blanks'
 * summed into acc[blank], each label's added to acc[l_k]; returns G = Σ_s g_s (each occupancy is g_s / G).
 */
function collectScaled(a: usize, b: usize, y: usize, S: i32, labels: usize, blank: i32, lo: i32, hi: i32, acc: usize): f64 {
  const invAt = y + (<usize>((S + 1) & ~1) << 3);
  let s = lo;
  let blankSum: f64 = 0, total: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f64x2.splat(1);
    let vb = f64x2.splat(0);
    for (; s + 2 <= hi; s += 2) {
      const off = <usize>s << 3;
      const k = s >> 1;
      const l = label(labels, k);
      // A·(B/y): B carries frame t's y, so B/y stays in range where A·B might not.
      const w = f64x2.mul(v128.load(a + off),
        f64x2.mul(v128.load(b + off), f64x2.replace_lane(one, 1, load<f64>(invAt + (<usize>k << 3)))));
      vb = f64x2.add(vb, w);
      const p = acc + (<usize>l << 3);
      store<f64>(p, load<f64>(p) + f64x2.extract_lane(w, 1));
    }
    blankSum = f64x2.extract_lane(vb, 0);
    total = f64x2.extract_lane(vb, 1);
  }
  for (; s < hi; s++) {
    const odd = (s & 1) != 0;
    const w = cell(a, s) * (cell(b, s) * (odd ? load<f64>(invAt + (<usize>(s >> 1) << 3)) : 1.0));
    if (odd) {
      const p = acc + (<usize>label(labels, s >> 1) << 3);
      store<f64>(p, load<f64>(p) + w);
      total += w;
    } else blankSum += w;
  }
  const p = acc + (<usize>blank << 3);
  store<f64>(p, load<f64>(p) + blankSum);
  return blankSum + total;
}

/**
 * Scaled gradient (the forward's A rows and emission ratios in work): β as B_t(s) = e^{β_t(s) − Q_t} likewise,
 * occupancies normalised per frame. False when β leaves the scaled range (the caller redoes the sequence in log space).
 */
function gradScaled(lp: usize, ldLp: i32, wide: bool, T: i32, C: i32, labels: usize, S: i32, blank: i32, work: usize, gr: f64, grad: usize, ldGrad: i32): bool {
  const flags = CTC_KEEP_ALPHA;
  const L = 2 * S + 1;
  const masks = masksAt(work);
  const acc = accAt(work, S);
  const beta0 = betaAt(work, S, C) + 16, beta1 = beta0 + (rowWidth(S) << 3);
  for (let c = 0; c < C; c++) store<f64>(acc + (<usize>c << 3), 0);
  let t = T - 1;
  let lo = bandLo(L, T, t), hi = bandHi(L, t);
  let next = (t & 1) != 0 ? beta1 : beta0;
  for (let s = lo - 2; s < hi + 2; s++) setCell(next, s, 0);
  let y = yRowAt(work, S, C, T, flags, t);
  if (L - 1 < hi) setCell(next, L - 1, 1);
  if (S > 0 && L - 2 < hi) setCell(next, L - 2, load<f64>(y + (<usize>(S - 1) << 3)));
  let m: f64 = 0;
  for (let s = lo; s < hi; s++) m = max(m, cell(next, s));
  if (!(m >= SCALED_MIN && m <= SCALED_MAX)) return false;
  let G = collectScaled(alphaRow(work, S, C, t), next, y, S, labels, blank, lo, hi, acc);
  if (!(G >= SCALED_MIN && G <= SCALED_MAX)) return false;
  gradRowAt(lp, ldLp, grad, ldGrad, wide, t, acc, C, gr, 1.0 / G);
  for (t = T - 2; t >= 0; t--) {
    const rho = powTwoNeg(exponentOf(m));
    lo = bandLo(L, T, t);
    hi = bandHi(L, t);
    y = yRowAt(work, S, C, T, flags, t);
    const cur = (t & 1) != 0 ? beta1 : beta0;
    const mt = stepScaled(next, cur, rho, y, lo, hi, labels, S, masks, 1);
    if (mt < 0) return false;
    if (mt == 0) return false;
    setCell(cur, lo - 2, 0);
    setCell(cur, lo - 1, 0);
    setCell(cur, hi, 0);
    setCell(cur, hi + 1, 0);
    G = collectScaled(alphaRow(work, S, C, t), cur, y, S, labels, blank, lo, hi, acc);
    if (!(G >= SCALED_MIN && G <= SCALED_MAX)) return false;
    gradRowAt(lp, ldLp, grad, ldGrad, wide, t, acc, C, gr, 1.0 / G);
    next = cur;
    m = mt;
  }
  return true;
}

function gradient(lp: usize, ldLp: i32, wide: bool, T: i32, C: i32, labels: usize, S: i32, blank: i32, work: usize, flags: i32, nll: f64, gr: f64, grad: usize, ldGrad: i32, Tpad: i32): void {
  const rest = (flags & CTC_ZERO_INFINITY) != 0 ? 0.0 : NaN;
  if (wide) {
    fillRows<f64>(grad, ldGrad, C, T, Tpad, 0);
    if (nll == Infinity) fillRows<f64>(grad, ldGrad, C, 0, T, rest);
  } else {
    fillRows<f32>(grad, ldGrad, C, T, Tpad, 0);
    if (nll == Infinity) fillRows<f32>(grad, ldGrad, C, 0, T, rest);
  }
  if (nll == Infinity) return;
  const path = load<i32>(work);
  if (path == PATH_EXACT) {
    gradExact(lp, ldLp, wide, T, C, labels, S, blank, work, nll, gr, grad, ldGrad);
    return;
  }
  if (path == PATH_SCALED && gradScaled(lp, ldLp, wide, T, C, labels, S, blank, work, gr, grad, ldGrad)) return;
  if (path == PATH_SCALED) {
    // β left the scaled range: the whole sequence again in log space (its α rows replace the scaled ones).
    store<i32>(work, PATH_LOG);
    nll = forwardLog(lp, ldLp, wide, T, C, labels, S, blank, work, true);
  }
  gradLog(lp, ldLp, wide, T, C, labels, S, blank, work, nll, gr, grad, ldGrad);
}

/**
 * The gradient PyTorch gives for one sequence of float32 log-probabilities (see the file header), times gr, into
 * Tpad rows of grad (rows T … Tpad − 1 zero). Needs the α rows of a `ctc_loss_f32` with CTC_KEEP_ALPHA on the
 * same arguments and work, and its nll.
 */
export function ctc_backward_f32(lp: usize, ldLp: i32, T: i32, C: i32, labels: usize, S: i32, blank: i32, work: usize, flags: i32, nll: f64, gr: f64, grad: usize, ldGrad: i32, Tpad: i32): void {
  gradient(lp, ldLp, false, T, C, labels, S, blank, work, flags, nll, gr, grad, ldGrad, Tpad);
}
/** ctc_backward_f32 over float64. */
export function ctc_backward_f64(lp: usize, ldLp: i32, T: i32, C: i32, labels: usize, S: i32, blank: i32, work: usize, flags: i32, nll: f64, gr: f64, grad: usize, ldGrad: i32, Tpad: i32): void {
  gradient(lp, ldLp, true, T, C, labels, S, blank, work, flags, nll, gr, grad, ldGrad, Tpad);
}
