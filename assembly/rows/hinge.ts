// Inline helpers of the row kernels over contiguous class scores (multi_margin.ts, multilabel_margin.ts,
// multilabel_soft_margin.ts): element access in float64, the +0 rule of PyTorch's row losses, and the hinge sum
// Σ_d max'(a + x_d)^p·w over a range of one row. Not exported from the module (assembly/index.ts does not list it).
import { hsum, lo64, hi64 } from '../lanes';

/** 1.0 in both f64 lanes, loaded (V8 rebuilds a v128.const at every use inside a loop; see math/exp.ts, LSE_K). */
const ONES: usize = memory.data<f64>([1.0, 1.0], 16);

/** f64x2(1, 1), one load. */
// @ts-ignore: decorator
@inline export function ones2(): v128 {
  return v128.load(ONES);
}

/** Element i of the T array at p, promoted to float64. */
// @ts-ignore: decorator
@inline export function elemAt<T>(p: usize, i: i32): f64 {
  return <f64>load<T>(p + (<usize>i * sizeof<T>()));
}

/** Stores v rounded to T as element i of the T array at p. */
// @ts-ignore: decorator
@inline export function putAt<T>(p: usize, i: i32, v: f64): void {
  store<T>(p + (<usize>i * sizeof<T>()), <T>v);
}

/**
 * A row's loss as PyTorch 1.13 returns it: its sums start from +0 and only add, so a zero loss is +0 (never −0),
 * also where the float64 value rounds to zero in T. Stored rounded to T.
 */
// @ts-ignore: decorator
@inline export function putLoss<T>(p: usize, i: i32, v: f64): void {
  const r = <T>v;
  store<T>(p + (<usize>i * sizeof<T>()), r == <T>0 ? <T>0 : r);
}

/**
 * Σ_{d ∈ [lo, hi)} (z_d > 0 ? z_d^p·w : 0) with z_d = a + x_d in float64 (x promoted from T), p = 2 when `sq`
 * else 1: the margin losses' hinge over part of a row. NaN z is dropped (z > 0 is false), as PyTorch's `if (z > 0)`.
 * Lanes: f32 rows 4 classes per v128 (two promoted f64x2 halves), f64 rows 2; one f64x2 accumulator; a scalar
 * tail with the same per-element operations.
 */
// @ts-ignore: decorator
@inline export function hingeSum<T>(row: usize, lo: i32, hi: i32, a: f64, sq: bool, w: f64): f64 {
  let c = lo;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f64x2.splat(a), vw = f64x2.splat(w), zero = f64x2.splat(0);
    let acc = zero;
    if (sizeof<T>() == 4) {
      for (; c + 4 <= hi; c += 4) {
        const v = v128.load(row + (<usize>c << 2));
        const zl = f64x2.add(va, lo64(v)), zh = f64x2.add(va, hi64(v));
        const hl = f64x2.mul(sq ? f64x2.mul(zl, zl) : zl, vw), hh = f64x2.mul(sq ? f64x2.mul(zh, zh) : zh, vw);
        acc = f64x2.add(acc, v128.and(hl, f64x2.gt(zl, zero)));
        acc = f64x2.add(acc, v128.and(hh, f64x2.gt(zh, zero)));
      }
    } else {
      for (; c + 2 <= hi; c += 2) {
        const z = f64x2.add(va, v128.load(row + (<usize>c << 3)));
        acc = f64x2.add(acc, v128.and(f64x2.mul(sq ? f64x2.mul(z, z) : z, vw), f64x2.gt(z, zero)));
      }
    }
    s = hsum(acc);
  }
  for (; c < hi; c++) {
    const z = a + elemAt<T>(row, c);
    if (z > 0) s += (sq ? z * z : z) * w;
  }
  return s;
}

