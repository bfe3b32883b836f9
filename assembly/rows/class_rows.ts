// The exports shared by the row kernels over contiguous rows of class scores (multi_margin.ts, multilabel_margin.ts,
// multilabel_soft_margin.ts): the flag that asks for per-row losses and the validation pass over class-index targets.
// Their shared inline helpers are in hinge.ts (not part of the ABI).
//
// Layout: scores x hold `rows` rows of C contiguous elements of T (f32 | f64): element (r, c) at r·C + c. Targets
// are int32 (the facade narrows int64 as it stages them). Pure functions of their arguments: no module state,
// nothing allocates or throws.

/** flags bit of every *_loss kernel here: write each row's loss to `out`. */
export const MARGIN_WRITE_OUT: i32 = 1;

// ---------------------------------------------------------------------------------------------------------------
// Targets

/**
 * Index of the first of the n int32 at t outside [lo, hi), or −1: MultiMargin's targets ([0, C)) and
 * MultiLabelMargin's (every element in [−1, C), also after the first −1, as PyTorch 1.13 checks them). Lanes:
 * four targets per i32x4 while all are inside; the scalar loop finds the exact one.
 */
export function index_outside_i32(t: usize, n: i32, lo: i32, hi: i32): i32 {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlo = i32x4.splat(lo), vhi = i32x4.splat(hi);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(t + (<usize>i << 2));
      if (v128.any_true(v128.or(i32x4.lt_s(v, vlo), i32x4.ge_s(v, vhi)))) break;
    }
  }
  for (; i < n; i++) {
    const v = load<i32>(t + (<usize>i << 2));
    if (v < lo || v >= hi) return i;
  }
  return -1;
}
