// Shared steps of the float32 one-pass rows (stats.ts's rowSumExpRaw, ce_fused.ts's expStoreRaw): rows whose
// logits all lie in [XMIN_M, XMAX_IN_RANGE] take e^(x_c) itself in one pass, with the row's min and max by pmin /
// pmax, instead of rowMax and then e^(x_c − m); see those files' headers. Not exported from the module (index.ts
// re-exports kernels only).
import { expInRangeF1, XMAX_IN_RANGE, XMIN_M } from '../math/exp';

/**
 * The result of a one-pass row (rowSumExpRaw, ce_fused.ts's expStoreRaw) from its sum s' and its lane minima and
 * maxima: f64x2(s', m), s' replaced by NaN when the row leaves [XMIN_M, XMAX_IN_RANGE].
 */
// @ts-ignore: decorator
@inline export function rawPass(sum: f64, lo: v128, hi: v128): v128 {
  hi = f32x4.pmax(hi, i32x4.shuffle(hi, hi, 2, 3, 0, 1));
  const m = max<f32>(f32x4.extract_lane(hi, 0), f32x4.extract_lane(hi, 1));
  const inDomain = i32x4.all_true(f32x4.ge(lo, f32x4.splat(XMIN_M))) && m <= XMAX_IN_RANGE;
  return f64x2.replace_lane(f64x2.splat(inDomain ? sum : NaN), 1, <f64>m);
}

/**
 * Σ_c e^(x_c − m) from a one-pass row's s' = Σ_c fl32(e^(x_c)): the max's own term fl32(e^m) swapped for the exact 1
 * (s'/E with E = e^m in float64, expLse1(m): relative error ≤ 1.5e-14; the caller computes it, ce_fused.ts uses it
 * again). Once per row.
 */
// @ts-ignore: decorator
@inline export function sumFromRaw(raw: f64, m: f32, E: f64): f64 {
  return 1.0 + (raw - <f64>expInRangeF1(m)) / E;
}
