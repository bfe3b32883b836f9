// The box kernels' operations, written once over V = N (one box, scalar) or v128 (one coordinate of
// lanesOf<N>() boxes: four float32 or two float64), N = f32 | f64 the element type the arithmetic runs in. Masks
// are V too (all-ones lanes for v128, 1/0 for a scalar). Plain SIMD only; `isVector<V>()` and `sizeof<N>()` fold
// away after inlining.
//
// Layout: boxes are rows (x1, y1, x2, y2) of an (n, 4) array. float32: the four rows of boxes i … i + 3 are four
// v128 loads (`row`), transposed by 32-bit shuffles into x1, y1, x2, y2 lanes (`cols4`; `putBoxes` transposes
// the gradients back into rows the same way); float64 lanes: each lane is loaded on its own (two boxes per v128; float32 boxes
// promoted for the wide CIoU gradient, rounded back per lane when stored).
import { vadd, vdiv, veq, vgt, vlt, vmax, vmul, vneg, vsel, vsplat, vsub } from '../lanes';

// @ts-ignore: decorator
@inline export function sp<V, N>(x: f64): V { if (isVector<V>()) return <V>vsplat<N>(x); else return <V>(<N>x); }
// @ts-ignore: decorator
@inline export function add<V, N>(a: V, b: V): V { if (isVector<V>()) return <V>vadd<N>(<v128>a, <v128>b); else return <V>(<N>a + <N>b); }
// @ts-ignore: decorator
@inline export function sub<V, N>(a: V, b: V): V { if (isVector<V>()) return <V>vsub<N>(<v128>a, <v128>b); else return <V>(<N>a - <N>b); }
// @ts-ignore: decorator
@inline export function mul<V, N>(a: V, b: V): V { if (isVector<V>()) return <V>vmul<N>(<v128>a, <v128>b); else return <V>(<N>a * <N>b); }
// @ts-ignore: decorator
@inline export function div<V, N>(a: V, b: V): V { if (isVector<V>()) return <V>vdiv<N>(<v128>a, <v128>b); else return <V>(<N>a / <N>b); }
// @ts-ignore: decorator
@inline export function neg<V, N>(a: V): V { if (isVector<V>()) return <V>vneg<N>(<v128>a); else return <V>(-<N>a); }
/** torch.maximum: NaN if either is NaN (wasm's max). */
// @ts-ignore: decorator
@inline export function mx<V, N>(a: V, b: V): V { if (isVector<V>()) return <V>vmax<N>(<v128>a, <v128>b); else return <V>max<N>(<N>a, <N>b); }
/** torch.minimum: NaN if either is NaN. */
// @ts-ignore: decorator
@inline export function mn<V, N>(a: V, b: V): V {
  if (isVector<V>()) return <V>(sizeof<N>() == 4 ? f32x4.min(<v128>a, <v128>b) : f64x2.min(<v128>a, <v128>b));
  else return <V>min<N>(<N>a, <N>b);
}
// @ts-ignore: decorator
@inline export function eq<V, N>(a: V, b: V): V { if (isVector<V>()) return <V>veq<N>(<v128>a, <v128>b); else return <V>(<N>a == <N>b ? <N>1 : <N>0); }
// @ts-ignore: decorator
@inline export function lt<V, N>(a: V, b: V): V { if (isVector<V>()) return <V>vlt<N>(<v128>a, <v128>b); else return <V>(<N>a < <N>b ? <N>1 : <N>0); }
// @ts-ignore: decorator
@inline export function gt<V, N>(a: V, b: V): V { if (isVector<V>()) return <V>vgt<N>(<v128>a, <v128>b); else return <V>(<N>a > <N>b ? <N>1 : <N>0); }
// @ts-ignore: decorator
@inline export function both<V, N>(m: V, k: V): V { if (isVector<V>()) return <V>v128.and(<v128>m, <v128>k); else return <V>(<N>m * <N>k); }
/** m ? a : b. */
// @ts-ignore: decorator
@inline export function sel<V, N>(m: V, a: V, b: V): V { if (isVector<V>()) return <V>vsel(<v128>a, <v128>b, <v128>m); else return <N>m != 0 ? a : b; }

/** Lane k of the transposition of four rows: [r0[k], r1[k], r2[k], r3[k]] (32-bit lanes). */
// @ts-ignore: decorator
@inline export function cols4(r0: v128, r1: v128, r2: v128, r3: v128, k: i32): v128 {
  if (k == 0) return i32x4.shuffle(i32x4.shuffle(r0, r1, 0, 4, 1, 5), i32x4.shuffle(r2, r3, 0, 4, 1, 5), 0, 1, 4, 5);
  if (k == 1) return i32x4.shuffle(i32x4.shuffle(r0, r1, 0, 4, 1, 5), i32x4.shuffle(r2, r3, 0, 4, 1, 5), 2, 3, 6, 7);
  if (k == 2) return i32x4.shuffle(i32x4.shuffle(r0, r1, 2, 6, 3, 7), i32x4.shuffle(r2, r3, 2, 6, 3, 7), 0, 1, 4, 5);
  return i32x4.shuffle(i32x4.shuffle(r0, r1, 2, 6, 3, 7), i32x4.shuffle(r2, r3, 2, 6, 3, 7), 2, 3, 6, 7);
}

/** Byte offset of coordinate k of box i in an (n, 4) array of N at p. */
// @ts-ignore: decorator
@inline function at4<N>(p: usize, i: i32, k: i32): usize {
  return p + ((<usize>i * 4 + <usize>k) << (sizeof<N>() == 4 ? 2 : 3));
}

/** float64 pairs: coordinate k of boxes i and i + 1. */
// @ts-ignore: decorator
@inline export function pair(p: usize, i: i32, k: i32): v128 {
  return v128.load64_lane(at4<f64>(p, i + 1, k), v128.load64_zero(at4<f64>(p, i, k)), 1);
}

/** Coordinate k of box i as a scalar. */
// @ts-ignore: decorator
@inline export function coord<N>(p: usize, i: i32, k: i32): N {
  return load<N>(at4<N>(p, i, k));
}

/** float32: the rows of boxes i … i + 3 (four v128 loads; `cols4` transposes them). */
// @ts-ignore: decorator
@inline export function row(p: usize, i: i32, j: i32): v128 {
  return v128.load(at4<f32>(p, i + j, 0));
}

/**
 * Stores four coordinate vectors (lanes of T) as the rows of the step's boxes, as N: boxes i … i + 3 (float32),
 * i and i + 1 (float64 lanes; rounded per lane for N = f32), or box i (scalars).
 */
// @ts-ignore: decorator
@inline export function putBoxes<V, T, N>(p: usize, i: i32, c0: V, c1: V, c2: V, c3: V): void {
  if (isVector<V>()) {
    const a = <v128>c0, b = <v128>c1, c = <v128>c2, d = <v128>c3;
    if (sizeof<T>() == 4) {
      v128.store(at4<f32>(p, i, 0), cols4(a, b, c, d, 0));
      v128.store(at4<f32>(p, i + 1, 0), cols4(a, b, c, d, 1));
      v128.store(at4<f32>(p, i + 2, 0), cols4(a, b, c, d, 2));
      v128.store(at4<f32>(p, i + 3, 0), cols4(a, b, c, d, 3));
    } else if (sizeof<N>() == 8) {
      v128.store(at4<f64>(p, i, 0), i64x2.shuffle(a, b, 0, 2));
      v128.store(at4<f64>(p, i, 2), i64x2.shuffle(c, d, 0, 2));
      v128.store(at4<f64>(p, i + 1, 0), i64x2.shuffle(a, b, 1, 3));
      v128.store(at4<f64>(p, i + 1, 2), i64x2.shuffle(c, d, 1, 3));
    } else {
      const lo = f32x4.demote_f64x2_zero(i64x2.shuffle(a, b, 0, 2)), hi = f32x4.demote_f64x2_zero(i64x2.shuffle(c, d, 0, 2));
      v128.store64_lane(at4<f32>(p, i, 0), lo, 0);
      v128.store64_lane(at4<f32>(p, i, 2), hi, 0);
      const lo1 = f32x4.demote_f64x2_zero(i64x2.shuffle(a, b, 1, 3)), hi1 = f32x4.demote_f64x2_zero(i64x2.shuffle(c, d, 1, 3));
      v128.store64_lane(at4<f32>(p, i + 1, 0), lo1, 0);
      v128.store64_lane(at4<f32>(p, i + 1, 2), hi1, 0);
    }
  } else {
    store<N>(at4<N>(p, i, 0), <N>(<T>c0));
    store<N>(at4<N>(p, i, 1), <N>(<T>c1));
    store<N>(at4<N>(p, i, 2), <N>(<T>c2));
    store<N>(at4<N>(p, i, 3), <N>(<T>c3));
  }
}
