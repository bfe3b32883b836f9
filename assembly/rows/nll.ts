// NLLLoss over gathered log-probabilities (PyTorch 1.13's nll_loss and nll_loss_backward, CPU kernels). NLL reads
// one input element per position, x[o, t_p, j], so the facade gathers those (src/wasm/nll.ts) instead of staging
// whole rows; the kernels see one value per position. Per position p with target t_p, weights w (1 without):
//   t_p == ignore:     loss 0, gradient 0, left out of every sum
//   otherwise:         loss_p = −(v_p·w_t),   ∂loss/∂x[o, t_p, j] = −(w_t·G_p)     (every other element: +0)
// as PyTorch writes them (−(x·w) gives its signed zeros; the gradient is nll_loss_backward's −w·grad with
// grad = G/Σw for 'mean', which the caller folds into G). Σ w_t over the kept positions is the 'mean' divisor
// (0 when every target is ignored: PyTorch's NaN mean). Matches assembly/rows/cross_entropy.ts with stats = 0.
//
// `nll_loss_rows_*` is the same loss over n whole rows of C values instead (v = x, v_p read as x[p·C + t_p] after
// the target's checks): for small C the facade copies the rows (a memcpy) rather than gather in JS, and the kernel's
// gather loads overlap its serial float64 sum. Same operations in the same order, so the same bits.
//
// Pointer contract: v: n gathered values of T (any value where t_p is ignored or out of range: not read), or for
// nll_loss_rows_* n rows of C values of T (n·C < 2^31); t: n int32
// targets; w: C weights of T or 0; out: n losses of T (with NLL_WRITE_OUT); res: two float64 the loss kernel
// overwrites (Σ loss_p, Σ w_t); g: n upstream gradients of T or 0 (then gs); gv: n gradient values of T for the
// facade to scatter. Any alignment; nothing allocated, nothing thrown, no state.
//
// Precision: float64 (float32 promoted exactly), each output rounded once to T. Lanes: scalar, one position at a
// time (a weight lookup per position; the cost is the gather, in the facade).

/** flags bit of nll_loss_*: write each position's loss to `out`. */
export const NLL_WRITE_OUT: i32 = 1;

// @ts-ignore: decorator
@inline function at<T>(p: usize, i: i32): f64 {
  return <f64>load<T>(p + (<usize>i * sizeof<T>()));
}

/** The loss kernels; `rows` (a compile-time constant): v holds n rows of C values, read at [p·C + t_p]. */
// @ts-ignore: decorator
@inline function loss<T>(v: usize, t: usize, w: usize, n: i32, C: i32, ignore: i32, flags: i32, out: usize, res: usize, rows: bool): i32 {
  const write = (flags & NLL_WRITE_OUT) != 0;
  let sum: f64 = 0, sw: f64 = 0;
  for (let p = 0; p < n; p++) {
    const ti = load<i32>(t + (<usize>p << 2));
    if (ti == ignore) {
      if (write) store<T>(out + (<usize>p * sizeof<T>()), <T>0);
      continue;
    }
    if (<u32>ti >= <u32>C) return p;
    const wt = w == 0 ? 1.0 : at<T>(w, ti);
    const l = -(at<T>(v, rows ? p * C + ti : p) * wt);
    sum += l;
    sw += wt;
    if (write) store<T>(out + (<usize>p * sizeof<T>()), <T>l);
  }
  store<f64>(res, sum);
  store<f64>(res, sw, 8);
  return -1;
}

/**
 * NLL of n gathered float32 log-probabilities: res[0] = Σ loss_p and res[1] = Σ w_t over the kept positions, each
 * loss_p to `out` with NLL_WRITE_OUT. Returns the first position whose target is neither `ignore` nor in [0, C)
 * (then res is not written), or −1.
 */
export function nll_loss_f32(v: usize, t: usize, w: usize, n: i32, C: i32, ignore: i32, flags: i32, out: usize, res: usize): i32 {
  return loss<f32>(v, t, w, n, C, ignore, flags, out, res, false);
}
/** nll_loss_f32 over float64 values and weights. */
export function nll_loss_f64(v: usize, t: usize, w: usize, n: i32, C: i32, ignore: i32, flags: i32, out: usize, res: usize): i32 {
  return loss<f64>(v, t, w, n, C, ignore, flags, out, res, false);
}
/** nll_loss_f32 over n whole float32 rows of C log-probabilities at x (x[p·C + t_p] for each kept position). */
export function nll_loss_rows_f32(x: usize, t: usize, w: usize, n: i32, C: i32, ignore: i32, flags: i32, out: usize, res: usize): i32 {
  return loss<f32>(x, t, w, n, C, ignore, flags, out, res, true);
}
/** nll_loss_rows_f32 over float64 rows and weights. */
export function nll_loss_rows_f64(x: usize, t: usize, w: usize, n: i32, C: i32, ignore: i32, flags: i32, out: usize, res: usize): i32 {
  return loss<f64>(x, t, w, n, C, ignore, flags, out, res, true);
}

// @ts-ignore: decorator
@inline function backward<T>(t: usize, w: usize, n: i32, ignore: i32, g: usize, gs: f64, gv: usize): void {
  for (let p = 0; p < n; p++) {
    const ti = load<i32>(t + (<usize>p << 2));
    let v: f64 = 0;
    if (ti != ignore) {
      const G = g == 0 ? gs : at<T>(g, p);
      v = -((w == 0 ? 1.0 : at<T>(w, ti)) * G);
    }
    store<T>(gv + (<usize>p * sizeof<T>()), <T>v);
  }
}

/**
 * The gradient value of each of n float32 positions (−w_t·G_p, 0 where ignored) into gv, for the facade to scatter
 * to x[o, t_p, j]. Targets must have passed nll_loss_*.
 */
export function nll_backward_f32(t: usize, w: usize, n: i32, ignore: i32, g: usize, gs: f64, gv: usize): void {
  backward<f32>(t, w, n, ignore, g, gs, gv);
}
/** nll_backward_f32 over float64 weights, g and gv. */
export function nll_backward_f64(t: usize, w: usize, n: i32, ignore: i32, g: usize, gs: f64, gv: usize): void {
  backward<f64>(t, w, n, ignore, g, gs, gv);
}
