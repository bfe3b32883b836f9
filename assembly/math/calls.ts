// Out-of-line float64 exp, log and log1p (f64x2 lanes and scalar twins): the same functions as exp.ts's exp2x / exp1
// and log.ts's log_f64x2 / log_f64 / log1p_f64x2 / log1p_f64 (so the same bits and bounds: exp ≤ 1 ulp, log and
// log1p < 1 ulp), but compiled once as functions instead of inlined at every use. For kernels whose polynomials
// would otherwise be copied into each of their eight exports and each use (the wide elementwise terms of
// BCEWithLogits, KLDiv, PoissonNLL, GaussianNLL, SoftMargin: 370 kB of wasm inlined, 147 kB outlined per term,
// less again sharing these): a call costs a few cycles next to the ~50 vector operations of a polynomial.
// Not inlined because binaryen inlines only functions much smaller than these (or with one caller).
import { exp1, exp2x } from './exp';
import { log1p_f64, log1p_f64x2, log_f64, log_f64x2 } from './log';

/** e^x on two f64 lanes (exp2x, out of line). */
export function exp_f64x2_call(x: v128): v128 { return exp2x(x); }
/** e^x (exp1, out of line). */
export function exp_f64_call(x: f64): f64 { return exp1(x); }
/** log x on two f64 lanes (log_f64x2, out of line). */
export function log_f64x2_call(x: v128): v128 { return log_f64x2(x); }
/** log x (log_f64, out of line). */
export function log_f64_call(x: f64): f64 { return log_f64(x); }
/** log(1 + t) on two f64 lanes (log1p_f64x2, out of line). */
export function log1p_f64x2_call(t: v128): v128 { return log1p_f64x2(t); }
/** log(1 + t) (log1p_f64, out of line). */
export function log1p_f64_call(t: f64): f64 { return log1p_f64(t); }
