// float64 arctangent over V = f64 | v128 (f64x2), and CIoU's difference of two arctangents with one of them.
//
// atanOf: fdlibm's s_atan.c (as musl's and V8's): |x| reduced to t in [−7/16, 7/16] by one of five ranges
// (|x| < 7/16: t = x; < 11/16: (2x − 1)/(2 + x) about atan(1/2); < 19/16: (x − 1)/(x + 1) about π/4; < 39/16:
// (x − 1.5)/(1 + 1.5x) about atan(1.5); else −1/x about π/2), then atan t = t − t·(s1 + s2) with fdlibm's
// degree-11 odd polynomial in two halves (Estrin over t²·t²), added to the range's atan as hi − ((t·s − lo) − t).
// The ranges are selected per lane (the constants of every range are blended, no branches), so lanes and scalars
// perform the same operations: < 1 ulp (fdlibm's bound; NaN → NaN, ±∞ → ±π/2, the sign of ±0 kept).
//
// atanDiffOf(a, b) = atan a − atan b as atan((a − b)/(1 + a·b)), + π·sign(a) where a·b < −1: one arctangent
// instead of two, and no cancellation where a ≈ b (a − b and a·b are exact for float32 a, b in float64, 1 + a·b
// and the quotient round once each: |error| ≤ ~3 ulp64 of the result plus atan's ulp). Lanes where a or b is
// infinite (a box of zero height) take atan a − atan b instead (Math.atan, musl's), computed only when a vector
// has such a lane; NaN gives NaN either way.
import { vsel } from '../lanes';

// atan of the ranges' centres (1/2, 1, 3/2, ∞) as hi + lo
const H1 = 4.63647609000806093515e-1, H2 = 7.85398163397448278999e-1, H3 = 9.82793723247329054082e-1, H4 = 1.5707963267948965580e0;
const L1 = 2.26987774529616870924e-17, L2 = 3.06161699786838301793e-17, L3 = 1.39033110312309984516e-17, L4 = 6.12323399573676603587e-17;
const T0 = 3.33333333333329318027e-1, T1 = -1.99999999998764832476e-1, T2 = 1.42857142725034663711e-1;
const T3 = -1.11111104054623557880e-1, T4 = 9.09088713343650656196e-2, T5 = -7.69187620504482999495e-2;
const T6 = 6.66107313738753120669e-2, T7 = -5.83357013379057348645e-2, T8 = 4.97687799461593236017e-2;
const T9 = -3.65315727442169155270e-2, T10 = 1.62858201153657823623e-2;

// @ts-ignore: decorator
@inline function sp<V>(x: f64): V { if (isVector<V>()) return <V>f64x2.splat(x); else return <V>x; }
// @ts-ignore: decorator
@inline function add<V>(a: V, b: V): V { if (isVector<V>()) return <V>f64x2.add(<v128>a, <v128>b); else return <V>(<f64>a + <f64>b); }
// @ts-ignore: decorator
@inline function sub<V>(a: V, b: V): V { if (isVector<V>()) return <V>f64x2.sub(<v128>a, <v128>b); else return <V>(<f64>a - <f64>b); }
// @ts-ignore: decorator
@inline function mul<V>(a: V, b: V): V { if (isVector<V>()) return <V>f64x2.mul(<v128>a, <v128>b); else return <V>(<f64>a * <f64>b); }
// @ts-ignore: decorator
@inline function div<V>(a: V, b: V): V { if (isVector<V>()) return <V>f64x2.div(<v128>a, <v128>b); else return <V>(<f64>a / <f64>b); }
/** Lanes of x below c, as a mask (1/0 for a scalar). */
// @ts-ignore: decorator
@inline function below<V>(x: V, c: f64): V { if (isVector<V>()) return <V>f64x2.lt(<v128>x, f64x2.splat(c)); else return <V>(<f64>x < c ? 1.0 : 0.0); }
/** m ? a : b. */
// @ts-ignore: decorator
@inline function sel<V>(m: V, a: V, b: V): V { if (isVector<V>()) return <V>vsel(<v128>a, <v128>b, <v128>m); else return <f64>m != 0 ? a : b; }
/** c + w·x (rounded twice: no FMA). */
// @ts-ignore: decorator
@inline function mad<V>(w: V, x: V, c: f64): V { return add<V>(sp<V>(c), mul<V>(w, x)); }
/** m ? c1 : c2 for constants. */
// @ts-ignore: decorator
@inline function pick<V>(m: V, c1: f64, c2: V): V { return sel<V>(m, sp<V>(c1), c2); }
// @ts-ignore: decorator
@inline function abs<V>(x: V): V { if (isVector<V>()) return <V>f64x2.abs(<v128>x); else return <V>Math.abs(<f64>x); }
/** x with the sign of s. */
// @ts-ignore: decorator
@inline function withSign<V>(x: V, s: V): V {
  if (isVector<V>()) {
    const sign = f64x2.splat(-0.0);
    return <V>v128.or(v128.andnot(<v128>x, sign), v128.and(<v128>s, sign));
  }
  else return <V>copysign<f64>(<f64>x, <f64>s);
}

/** fdlibm's atan per lane (the header). */
// @ts-ignore: decorator
@inline export function atanOf<V>(x: V): V {
  const ax = abs<V>(x);
  const r0 = below<V>(ax, 0.4375), r1 = below<V>(ax, 0.6875), r2 = below<V>(ax, 1.1875), r3 = below<V>(ax, 2.4375);
  // t = (ax·p − q)/(r + ax·s) per range; the last range's numerator is −1 (ax·0 would be NaN at ∞)
  const p = pick<V>(r0, 1, pick<V>(r1, 2, sp<V>(1)));
  const q = pick<V>(r0, 0, pick<V>(r1, 1, pick<V>(r2, 1, sp<V>(1.5))));
  const r = pick<V>(r0, 1, pick<V>(r1, 2, pick<V>(r2, 1, pick<V>(r3, 1, sp<V>(0)))));
  const s = pick<V>(r0, 0, pick<V>(r1, 1, pick<V>(r2, 1, pick<V>(r3, 1.5, sp<V>(1)))));
  const num = sel<V>(r3, sub<V>(mul<V>(ax, p), q), sp<V>(-1));
  const t = div<V>(num, add<V>(r, mul<V>(ax, s)));
  const hi = pick<V>(r0, 0, pick<V>(r1, H1, pick<V>(r2, H2, pick<V>(r3, H3, sp<V>(H4)))));
  const lo = pick<V>(r0, 0, pick<V>(r1, L1, pick<V>(r2, L2, pick<V>(r3, L3, sp<V>(L4)))));
  const z = mul<V>(t, t), w = mul<V>(z, z);
  // s1 = z·(T0 + w·(T2 + w·(T4 + w·(T6 + w·(T8 + w·T10))))), s2 = w·(T1 + w·(T3 + w·(T5 + w·(T7 + w·T9))))
  let u = mad<V>(w, sp<V>(T10), T8);
  u = mad<V>(w, u, T6);
  u = mad<V>(w, u, T4);
  u = mad<V>(w, u, T2);
  const s1 = mul<V>(z, mad<V>(w, u, T0));
  let e = mad<V>(w, sp<V>(T9), T7);
  e = mad<V>(w, e, T5);
  e = mad<V>(w, e, T3);
  const s2 = mul<V>(w, mad<V>(w, e, T1));
  const y = sub<V>(hi, sub<V>(sub<V>(mul<V>(t, add<V>(s1, s2)), lo), t));
  return withSign<V>(y, x);
}

/** atan a − atan b per lane (the header). */
// @ts-ignore: decorator
@inline export function atanDiffOf<V>(a: V, b: V): V {
  const ab = mul<V>(a, b);
  const den = add<V>(sp<V>(1), ab);
  let d = atanOf<V>(div<V>(sub<V>(a, b), den));
  d = sel<V>(below<V>(den, 0), add<V>(d, withSign<V>(sp<V>(Math.PI), a)), d);
  if (isVector<V>()) {
    const inf = v128.or(f64x2.eq(f64x2.abs(<v128>a), f64x2.splat(Infinity)), f64x2.eq(f64x2.abs(<v128>b), f64x2.splat(Infinity)));
    if (v128.any_true(inf)) {
      const va = <v128>a, vb = <v128>b;
      const lo = Math.atan(f64x2.extract_lane(va, 0)) - Math.atan(f64x2.extract_lane(vb, 0));
      const hi = Math.atan(f64x2.extract_lane(va, 1)) - Math.atan(f64x2.extract_lane(vb, 1));
      d = <V>vsel(f64x2.replace_lane(f64x2.splat(lo), 1, hi), <v128>d, inf);
    }
    return d;
  }
  if (Math.abs(<f64>a) == Infinity || Math.abs(<f64>b) == Infinity) return <V>(Math.atan(<f64>a) - Math.atan(<f64>b));
  return d;
}
