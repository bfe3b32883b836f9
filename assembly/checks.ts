// Validation and conversion passes the facade runs over raw operands: pure functions of their arguments (no
// state), each a single vectorised pass. Pointer contract: byte offsets of `n` contiguous elements, any alignment.
import { at, lanesOf, vat, vge, vle } from './lanes';

/**
 * Index of the first element of the N array `x` outside [0, 1] (NaN included; −0 is inside), or −1. For BCE's
 * input check. Lanes: whole vectors are skipped while all their lanes are inside; the scalar loop then finds the
 * exact element in the first vector that is not (or in the tail).
 */
// @ts-ignore: decorator
@inline function outsideUnit<N>(x: usize, n: i32): i32 {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const L = lanesOf<N>();
    const zero = sizeof<N>() == 4 ? f32x4.splat(0) : f64x2.splat(0);
    const one = sizeof<N>() == 4 ? f32x4.splat(1) : f64x2.splat(1);
    for (; i + L <= n; i += L) {
      const v = vat<N>(x, i);
      const inside = v128.and(vge<N>(v, zero), vle<N>(v, one));
      if (sizeof<N>() == 4 ? !i32x4.all_true(inside) : !i64x2.all_true(inside)) break;
    }
  }
  for (; i < n; i++) {
    const v = at<N>(x, i);
    if (!(v >= <N>0 && v <= <N>1)) return i;
  }
  return -1;
}

/** Index of the first float32 outside [0, 1] (or NaN) among `n` at `x`, or −1. */
export function outside_unit_f32(x: usize, n: i32): i32 { return outsideUnit<f32>(x, n); }
/** Index of the first float64 outside [0, 1] (or NaN) among `n` at `x`, or −1. */
export function outside_unit_f64(x: usize, n: i32): i32 { return outsideUnit<f64>(x, n); }

/**
 * dst[i] = i32(src[i]) for int64 class indices, or `sentinel` when src[i] does not fit in int32 (the facade picks
 * a negative sentinel that differs from ignore_index, so it is always reported out of bounds). Pointer contract:
 * `src` holds n int64, `dst` n int32; dst may equal src (the narrowing runs forward, reading before writing).
 * Lanes: 4 int64 (two v128) narrowed to one i32x4 per iteration; a scalar tail finishes.
 */
export function narrow_i64_i32(src: usize, dst: usize, n: i32, sentinel: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const fill = i32x4.splat(sentinel);
    for (; i + 4 <= n; i += 4) {
      const v0 = v128.load(src + (<usize>i << 3));
      const v1 = v128.load(src + (<usize>i << 3), 16);
      const low = i32x4.shuffle(v0, v1, 0, 2, 4, 6);
      const fits0 = i64x2.eq(i64x2.extend_low_i32x4_s(low), v0);
      const fits1 = i64x2.eq(i64x2.extend_high_i32x4_s(low), v1);
      v128.store(dst + (<usize>i << 2), v128.bitselect(low, fill, i32x4.shuffle(fits0, fits1, 0, 2, 4, 6)));
    }
  }
  for (; i < n; i++) {
    const v = load<i64>(src + (<usize>i << 3));
    store<i32>(dst + (<usize>i << 2), v == <i64><i32>v ? <i32>v : sentinel);
  }
}
