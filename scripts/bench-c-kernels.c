// C references of two simdloss kernels, to measure them against the instruction set's limit (issue 9): the fused
// CrossEntropy row kernel for float32 logits with class-index targets (assembly/rows/stats.ts softmax_stats_f32,
// then assembly/rows/cross_entropy.ts ce_index_loss_f32: no weights, ignore_index −100, no smoothing) and the BCE
// sum kernel for float32 inputs (assembly/elementwise/terms/bce.ts through assembly/elementwise/driver.ts `sum`).
// Step for step the wasm kernels' algorithm (the kernels after commit 094abb3, "Merge speed"), in explicit 128-bit
// SSE4.1 intrinsics, one wasm SIMD instruction ↦ one intrinsic (or the short sequence V8 emits for it), same
// constants, same operation order, same accumulator structure, same float32/float64 split:
//   CE stats  float32 lanes: rows of 4 … 256 classes two at a time (rowPair: f32x4 pmax per row with a NaN mask,
//             one shared horizontal reduction, two f32x4 accumulators per row flushed to float64 every 64
//             classes, the last four classes re-read with the already counted lanes masked off); the odd last row
//             and rows of more than 256 classes one at a time (rowMax: two f32x4 pmax accumulators; rowSumExp:
//             four f32x4 accumulators over blocks of 64 classes, each block flushed to a float64 pair, then whole
//             vectors, then the masked last four). d = fl32(x − m), e^d by expMinusF4 (assembly/math/exp.ts: clamp
//             at ln 2^-126, n by the 1.5·2^23 + 127 magic bias, Cody–Waite with a 16-bit LN2_HI, 1 + r + r²·Q(r)
//             with Q of degree 4, times 2^n from the bias bits). s = finiteOr(m, s) stored as float64. Rows of at
//             least 512 classes with every logit in [ln 2^-126, 88] in one pass instead (rowSumExpRaw: e^x without
//             the clamp, pmin / pmax; s = 1 + (s' − fl32(e^m))/e^m with the float64 expLse1).
//   CE loss   C ≤ 256: Σ (m − x_t) + log Π s with one log per 64 rows (plainSum); C > 256: Σ −(((x_t − m) − log s)
//             · 1), in float64; mean over rows.
//   BCE       float32 lanes, per element u = fl32(1 − x), its rounding error c = −x − (u − 1), log(1 − x) as
//             log u + c/u (log_f32x4: fdlibm logf reduction and R(z)); a vector of 0/1 targets takes one log per
//             element, one of soft targets in [0, 1] (the bench's: uniform [0, 1)) two; a vector whose x and
//             1 − x are all normal and whose targets are in [0, 1] (the bench's, always) takes the fast path: the
//             logs without special cases (log_normal_f32x4), no clamp, no NaN select, no fallback; targets outside [0, 1]
//             fall back to PyTorch's formula in float64 (scalar twins per lane here, same bits); terms promoted and
//             summed in one f64x2 accumulator (the driver's wide-term loop: one vector per iteration), the scalar
//             twins on the tail; mean.
// The one difference: the float64 log of the CE loss (once per row for C > 256, once per 64 rows below) is the
// fdlibm log here and AssemblyScript's Math.log (musl's table log) in the wasm, both < 1 ulp: the two results agree
// to a few float64 ulps (bench/run.ts and test/bench-check.test.ts hold them to C_KERNEL_AGREEMENT = 1e-14
// relative, bench/lib/external.ts; bit-equal on every bench shape); every float32 step is bit-identical.
// Two builds (bench/lib/external.ts): -O3 -msse4.1 -mno-fma, the ISA class wasm SIMD maps to on x86 (and the
// same instructions V8 emits); -O3 -march=native, the same 128-bit source with VEX encodings and whatever GCC
// makes of it with AVX2/AVX-512 and FMA contraction (its values may then differ in the last float32 bits).
// Times the same rotating input sets in the same schedule as the JS side (every sample `batch` calls cycling
// through the sets, median sample, ns per element).
//
// Usage: bench-c-kernels <bce|ce> <x.bin> <y.bin> <elements> <sets> <batch> <timeMs> <minSamples> [rows classes]
// Prints one JSON object: {"value", "nsPerElement", "samples", "vectorBytes"}.
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INLINE static inline __attribute__((always_inline))

static inline uint32_t fbits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}
static inline float ffrom(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}
static inline uint64_t bits(double d) {
  uint64_t u;
  memcpy(&u, &d, 8);
  return u;
}
static inline double from_bits(uint64_t u) {
  double d;
  memcpy(&d, &u, 8);
  return d;
}

// wasm's f32x4.pmax(a, b) = a < b ? b : a, which is maxps(b, a) (x86 max returns its second operand unless the
// first is greater); likewise f64x2.pmax.
INLINE __m128 pmax4(__m128 a, __m128 b) { return _mm_max_ps(b, a); }
// f32x4.pmin(a, b) = b < a ? b : a = minps(b, a).
INLINE __m128 pmin4(__m128 a, __m128 b) { return _mm_min_ps(b, a); }
// v128.bitselect(a, b, mask) with whole-lane masks: mask ? a : b.
INLINE __m128 sel4(__m128 a, __m128 b, __m128 mask) { return _mm_blendv_ps(b, a, mask); }
INLINE __m128d sel2(__m128d a, __m128d b, __m128d mask) { return _mm_blendv_pd(b, a, mask); }
INLINE int all_true4(__m128 m) { return _mm_movemask_ps(m) == 0xF; }
INLINE __m128 neg4(__m128 x) { return _mm_xor_ps(x, _mm_set1_ps(-0.0f)); }
// f64x2.promote_low_f32x4 of a and of a's high half.
INLINE __m128d lo64(__m128 a) { return _mm_cvtps_pd(a); }
INLINE __m128d hi64(__m128 a) { return _mm_cvtps_pd(_mm_movehl_ps(a, a)); }
INLINE double hsum(__m128d v) { return _mm_cvtsd_f64(v) + _mm_cvtsd_f64(_mm_unpackhi_pd(v, v)); }
// wasm f32.max: NaN if either is NaN, −0 < +0.
static inline float wmaxf(float a, float b) {
  if (a != a || b != b) return a + b;
  if (a == b) return (fbits(a) & 0x80000000u) ? b : a;
  return a > b ? a : b;
}

// ---- expMinusF4 / expMinusF1 (assembly/math/exp.ts): e^x for x ≤ 0 in float32 lanes ----
// The constants as AssemblyScript makes them: the float64 literal rounded to float32.
#define XMIN_M ((float)-87.33654)
#define LOG2E_F ((float)1.44269504088896341)
#define MAGIC_M ((float)12583039.0)
#define LN2_HI_M ((float)0.693145751953125)
#define LN2_LO_M ((float)1.4286068e-06)
#define Q0_M ((float)0.4999999403953552)
#define Q1_M ((float)0.1666652113199234)
#define Q2_M ((float)0.04166838899254799)
#define Q3_M ((float)0.008368724025785923)
#define Q4_M ((float)0.0013814583653584123)

// expInRangeF4: the same without the clamp, for x in [XMIN_M, 88] (the one-pass rows).
INLINE __m128 exp_in_range_f4(__m128 x) {
  const __m128 magic = _mm_set1_ps(MAGIC_M);
  __m128 kn = _mm_add_ps(_mm_mul_ps(x, _mm_set1_ps(LOG2E_F)), magic);
  __m128 s = _mm_castsi128_ps(_mm_slli_epi32(_mm_castps_si128(kn), 23));
  __m128 n = _mm_sub_ps(kn, magic);
  __m128 r = _mm_sub_ps(x, _mm_mul_ps(n, _mm_set1_ps(LN2_HI_M)));
  r = _mm_sub_ps(r, _mm_mul_ps(n, _mm_set1_ps(LN2_LO_M)));
  __m128 q = _mm_add_ps(_mm_mul_ps(_mm_set1_ps(Q4_M), r), _mm_set1_ps(Q3_M));
  q = _mm_add_ps(_mm_mul_ps(q, r), _mm_set1_ps(Q2_M));
  q = _mm_add_ps(_mm_mul_ps(q, r), _mm_set1_ps(Q1_M));
  q = _mm_add_ps(_mm_mul_ps(q, r), _mm_set1_ps(Q0_M));
  __m128 p = _mm_add_ps(_mm_add_ps(_mm_mul_ps(q, _mm_mul_ps(r, r)), r), _mm_set1_ps(1.0f));
  return _mm_mul_ps(p, s);
}

INLINE __m128 exp_minus_f4(__m128 x) { return exp_in_range_f4(pmax4(x, _mm_set1_ps(XMIN_M))); }

static inline float exp_in_range_f1(float x) {
  float kn = x * LOG2E_F + MAGIC_M;
  float s = ffrom(fbits(kn) << 23);
  float n = kn - MAGIC_M;
  float r = x - n * LN2_HI_M;
  r = r - n * LN2_LO_M;
  float q = Q4_M * r + Q3_M;
  q = q * r + Q2_M;
  q = q * r + Q1_M;
  q = q * r + Q0_M;
  float p = (q * (r * r) + r) + 1.0f;
  return p * s;
}

static inline float exp_minus_f1(float x) { return exp_in_range_f1(x < XMIN_M ? XMIN_M : x); }

// expLse1 (assembly/math/exp.ts): float64 e^x, degree-10 Estrin polynomial after n = round(x·log2 e).
static inline double exp_lse1(double x) {
  const double LOG2E = 1.4426950408889634, SHIFT = 6755399441055744.0, LN2 = 0.6931471805599453;
  const double E0 = 0.49999999999998324, E1 = 0.16666666666611546, E2 = 0.04166666666813667,
               E3 = 0.008333333370874215, E4 = 0.0013888888516195056, E5 = 0.00019841185230026382,
               E6 = 2.480193173350701e-05, E7 = 2.7634993622839702e-06, E8 = 2.7476797528710693e-07;
  x = x < -708 ? -708 : x;
  double kd = x * LOG2E + SHIFT;
  double n = kd - SHIFT;
  double r = x - n * LN2;
  double r2 = r * r, r4 = r2 * r2;
  double lo = (E0 + E1 * r) + r2 * (E2 + E3 * r);
  double hi = ((E4 + E5 * r) + r2 * (E6 + E7 * r)) + r4 * E8;
  double P = lo + r4 * hi;
  double p = (P * r2 + r) + 1.0;
  return from_bits(bits(p) + (bits(kd) << 52));
}

// ---- log_f64 (assembly/math/log.ts), scalar: BCE's float64 fallback and the CE loss's log ----
static const double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
static const double LG1 = 6.666666666666735130e-01, LG2 = 3.999999999940941908e-01, LG3 = 2.857142874366239149e-01,
                    LG4 = 2.222219843214978396e-01, LG5 = 1.818357216161805012e-01, LG6 = 1.531383769920937332e-01,
                    LG7 = 1.479819860511658591e-01;
static const double TWO54 = 18014398509481984.0, MIN_NORMAL64 = 2.2250738585072014e-308;
#define SHIFT64 ((int64_t)(0x3ff00000 - 0x3fe6a09e) << 32)
#define MBASE64 ((int64_t)0x3fe6a09e << 32)
#define MANT64 ((int64_t)0x000fffffffffffff)

static inline double log_1(double x) {
  if (!(x > 0 && x < __builtin_inf())) return x == 0 ? -__builtin_inf() : x < 0 ? __builtin_nan("") : x;
  double kAdjust = 0, xs = x;
  if (x < MIN_NORMAL64) {
    xs = x * TWO54;
    kAdjust = -54.0;
  }
  int64_t ix = (int64_t)bits(xs) + SHIFT64;
  double k = (double)(int32_t)((ix >> 52) - 1023) + kAdjust;
  double f = from_bits((uint64_t)((ix & MANT64) + MBASE64)) - 1.0;
  double hfsq = 0.5 * f * f, s = f / (2.0 + f), z = s * s, w = z * z;
  double t1 = w * (LG2 + w * (LG4 + w * LG6));
  double t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  double y = s * (hfsq + (t2 + t1));
  y = y + k * LN2_LO;
  y = y - hfsq;
  y = y + f;
  return y + k * LN2_HI;
}

// ---- log_f32x4 / log_f32 (assembly/math/log.ts) ----
#define LN2_HI32 ((float)6.9313812256e-01)
#define LN2_LO32 ((float)9.0580006145e-06)
#define LG1_32 ((float)0.66666662693)
#define LG2_32 ((float)0.40000972152)
#define LG3_32 ((float)0.28498786688)
#define LG4_32 ((float)0.24279078841)
#define TWO23 8388608.0f
#define MIN_NORMAL32 ((float)1.17549435e-38)
#define SHIFT32 (0x3f800000 - 0x3f3504f3)
#define MBASE32 0x3f3504f3
#define MANT32 0x007fffff

// The part of log_f32x4 after k: m and f from the shifted bits ix, then R(z) and the sum (log_normal_f32x4 too).
INLINE __m128 log_reduced4(__m128i ix, __m128 k) {
  __m128 m = _mm_castsi128_ps(_mm_add_epi32(_mm_and_si128(ix, _mm_set1_epi32(MANT32)), _mm_set1_epi32(MBASE32)));
  __m128 f = _mm_sub_ps(m, _mm_set1_ps(1.0f));
  __m128 s = _mm_div_ps(f, _mm_add_ps(_mm_set1_ps(2.0f), f));
  __m128 z = _mm_mul_ps(s, s);
  __m128 w = _mm_mul_ps(z, z);
  __m128 t1 = _mm_mul_ps(w, _mm_add_ps(_mm_set1_ps(LG2_32), _mm_mul_ps(w, _mm_set1_ps(LG4_32))));
  __m128 t2 = _mm_mul_ps(z, _mm_add_ps(_mm_set1_ps(LG1_32), _mm_mul_ps(w, _mm_set1_ps(LG3_32))));
  __m128 r = _mm_add_ps(t2, t1);
  __m128 hfsq = _mm_mul_ps(_mm_mul_ps(_mm_set1_ps(0.5f), f), f);
  __m128 y = _mm_mul_ps(s, _mm_add_ps(hfsq, r));
  y = _mm_add_ps(y, _mm_mul_ps(k, _mm_set1_ps(LN2_LO32)));
  y = _mm_sub_ps(y, hfsq);
  y = _mm_add_ps(y, f);
  return _mm_add_ps(y, _mm_mul_ps(k, _mm_set1_ps(LN2_HI32)));
}

INLINE __m128 log_f32x4(__m128 x) {
  const __m128 zero = _mm_setzero_ps();
  __m128 tiny = _mm_cmplt_ps(x, _mm_set1_ps(MIN_NORMAL32));
  __m128 xs = sel4(_mm_mul_ps(x, _mm_set1_ps(TWO23)), x, tiny);
  __m128 kAdjust = _mm_and_ps(tiny, _mm_set1_ps(-23.0f));
  __m128i ix = _mm_add_epi32(_mm_castps_si128(xs), _mm_set1_epi32(SHIFT32));
  __m128 k = _mm_add_ps(_mm_cvtepi32_ps(_mm_sub_epi32(_mm_srai_epi32(ix, 23), _mm_set1_epi32(127))), kAdjust);
  __m128 y = log_reduced4(ix, k);
  __m128 regular = _mm_and_ps(_mm_cmpgt_ps(x, zero), _mm_cmplt_ps(x, _mm_set1_ps(__builtin_inff())));
  __m128 special = sel4(_mm_set1_ps(-__builtin_inff()), sel4(_mm_set1_ps(__builtin_nanf("")), x, _mm_cmplt_ps(x, zero)),
                        _mm_cmpeq_ps(x, zero));
  return sel4(y, special, regular);
}

static inline float log_f32(float x) {
  if (!(x > 0 && x < __builtin_inff())) return x == 0 ? -__builtin_inff() : x < 0 ? __builtin_nanf("") : x;
  float kAdjust = 0, xs = x;
  if (x < MIN_NORMAL32) {
    xs = x * TWO23;
    kAdjust = -23.0f;
  }
  int32_t ix = (int32_t)fbits(xs) + SHIFT32;
  float k = (float)((ix >> 23) - 127) + kAdjust;
  float f = ffrom((uint32_t)((ix & MANT32) + MBASE32)) - 1.0f;
  float s = f / (2.0f + f);
  float z = s * s, w = z * z;
  float t1 = w * (LG2_32 + w * LG4_32);
  float t2 = z * (LG1_32 + w * LG3_32);
  float r = t2 + t1;
  float hfsq = 0.5f * f * f;
  float y = s * (hfsq + r);
  y = y + k * LN2_LO32;
  y = y - hfsq;
  y = y + f;
  return y + k * LN2_HI32;
}

// ---- BCE (assembly/elementwise/terms/bce.ts, float32) ----
#define BCE_TINY ((float)1.1102230246251565e-16)

static inline double clamp_log64(double v) {
  double l = log_1(v);
  return l < -100 ? -100 : l;
}
static inline double bce64(double x, double y) { return (y - 1) * clamp_log64(1 - x) - y * clamp_log64(x); }

// log_normal_f32x4: log_f32x4 for lanes that are all normal and finite, without the subnormal scaling and the
// special-case selects (identities there: the same bits).
INLINE __m128 log_normal_f32x4(__m128 x) {
  __m128i ix = _mm_add_epi32(_mm_castps_si128(x), _mm_set1_epi32(SHIFT32));
  return log_reduced4(ix, _mm_cvtepi32_ps(_mm_sub_epi32(_mm_srai_epi32(ix, 23), _mm_set1_epi32(127))));
}

INLINE __m128 bce_lanes(__m128 x, __m128 y) {
  const __m128 one = _mm_set1_ps(1.0f), zero = _mm_setzero_ps(), floor = _mm_set1_ps(-100.0f);
  __m128 u = _mm_sub_ps(one, x);
  const __m128 normal = _mm_set1_ps(MIN_NORMAL32);
  if (all_true4(_mm_and_ps(_mm_and_ps(_mm_cmpge_ps(x, normal), _mm_cmpge_ps(u, normal)),
                           _mm_and_ps(_mm_cmpge_ps(y, zero), _mm_cmple_ps(y, one))))) {
    // The fast path: x and 1 − x normal, targets in [0, 1] (no special case, no clamp, no fallback).
    __m128 cu = _mm_sub_ps(_mm_sub_ps(zero, x), _mm_sub_ps(u, one));
    __m128 corr = _mm_and_ps(_mm_div_ps(cu, u), _mm_cmpge_ps(x, _mm_set1_ps(BCE_TINY)));
    __m128 isOne = _mm_cmpeq_ps(y, one);
    if (all_true4(_mm_or_ps(isOne, _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_castps_si128(y), _mm_setzero_si128()))))) {
      __m128 l = log_normal_f32x4(sel4(x, u, isOne));
      return _mm_sub_ps(_mm_and_ps(isOne, _mm_set1_ps(-0.0f)), sel4(l, _mm_add_ps(l, corr), isOne));
    }
    __m128 a = _mm_add_ps(log_normal_f32x4(u), corr);
    return _mm_sub_ps(_mm_mul_ps(_mm_sub_ps(y, one), a), _mm_mul_ps(y, log_normal_f32x4(x)));
  }
  // The general path (bceLanesGeneral).
  __m128 cu = _mm_sub_ps(neg4(x), _mm_sub_ps(u, one));
  __m128 isOne = _mm_cmpeq_ps(y, one);
  __m128 binary = _mm_or_ps(isOne, _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_castps_si128(y), _mm_setzero_si128())));
  // v128.andnot(a, b) = a & ~b; _mm_andnot_ps(b, a) = ~b & a.
  __m128 corr = _mm_and_ps(_mm_div_ps(cu, u),
                           _mm_andnot_ps(_mm_cmpeq_ps(cu, zero), _mm_cmpge_ps(x, _mm_set1_ps(BCE_TINY))));
  __m128 r;
  if (all_true4(binary)) {
    __m128 l = log_f32x4(sel4(x, u, isOne));
    __m128 L = pmax4(sel4(l, _mm_add_ps(l, corr), isOne), floor);
    r = _mm_add_ps(neg4(L), _mm_and_ps(isOne, _mm_set1_ps(-0.0f)));
  } else {
    __m128 a = pmax4(_mm_add_ps(log_f32x4(u), corr), floor);
    __m128 b = pmax4(log_f32x4(x), floor);
    r = _mm_sub_ps(_mm_mul_ps(_mm_sub_ps(y, one), a), _mm_mul_ps(y, b));
  }
  r = sel4(_mm_set1_ps(__builtin_nanf("")), r, _mm_or_ps(_mm_cmplt_ps(u, zero), _mm_cmplt_ps(x, zero)));
  __m128 unit = _mm_and_ps(_mm_cmpge_ps(y, zero), _mm_cmple_ps(y, one));
  if (all_true4(unit)) return r;
  // Targets outside [0, 1]: PyTorch's formula in float64 (the scalar twin of bce64Lanes, same bits), rounded once.
  float xs[4], ys[4], w[4];
  _mm_storeu_ps(xs, x);
  _mm_storeu_ps(ys, y);
  for (int k = 0; k < 4; k++) w[k] = (float)bce64(xs[k], ys[k]);
  return sel4(r, _mm_loadu_ps(w), unit);
}

static inline float bce_value(float X, float Y) {
  if (!(Y >= 0.0f && Y <= 1.0f)) return (float)bce64(X, Y);
  float u = 1.0f - X;
  float cu = -X - (u - 1.0f);
  int isOne = Y == 1.0f;
  float r;
  if (isOne || fbits(Y) == 0) {
    float l = log_f32(isOne ? X : u);
    float L = isOne ? l : l + (cu != 0 && X >= BCE_TINY ? cu / u : 0.0f);
    r = -(L < -100.0f ? -100.0f : L) + (isOne ? -0.0f : 0.0f);
  } else {
    float la = log_f32(u);
    float a0 = la + (cu != 0 && X >= BCE_TINY ? cu / u : 0.0f);
    float a = a0 < -100.0f ? -100.0f : a0;
    float lb = log_f32(X);
    float b = lb < -100.0f ? -100.0f : lb;
    r = (Y - 1.0f) * a - Y * b;
  }
  return u < 0.0f || X < 0.0f ? __builtin_nanf("") : r;
}

// driver.ts `sum` for a wide term with narrowValue: one vector per iteration into s0 (s1 … s3 stay zero), the
// float32 term's halves promoted and added (widenAdd), hsum, then the scalar tail; the bench's kernel call ÷ n.
static double bce_mean(const float *x, const void *yv, long n, long rows, long classes) {
  (void)rows, (void)classes;
  const float *y = yv;
  __m128d s0 = _mm_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
  long i = 0;
  for (; i + 4 <= n; i += 4) {
    __m128 t = bce_lanes(_mm_loadu_ps(x + i), _mm_loadu_ps(y + i));
    s0 = _mm_add_pd(s0, _mm_add_pd(lo64(t), hi64(t)));
  }
  double acc = hsum(_mm_add_pd(_mm_add_pd(s0, s1), _mm_add_pd(s2, s3)));
  for (; i < n; i++) acc += (double)bce_value(x[i], y[i]);
  return acc / n;
}

// ---- CrossEntropy statistics (assembly/rows/stats.ts softmaxStats<f32>, inner == 1) ----
enum { PAIR_MAX_C = 256, BLOCK32 = 64, RAW_MIN_C = 512 };

// KEEP32 + k keeps lanes k … 3.
static const uint32_t KEEP32[4][4] __attribute__((aligned(16))) = {
    {~0u, ~0u, ~0u, ~0u}, {0, ~0u, ~0u, ~0u}, {0, 0, ~0u, ~0u}, {0, 0, 0, ~0u}};
INLINE __m128 keep32(long k) { return _mm_load_ps((const float *)KEEP32[k]); }

// flush32(acc, a) = acc + [a0 + a2, a1 + a3] in float64.
INLINE __m128d flush32(__m128d acc, __m128 a) { return _mm_add_pd(acc, _mm_add_pd(lo64(a), hi64(a))); }

static inline double finite_or(double m, double s) { return __builtin_fabs(m) < __builtin_inf() ? s : __builtin_nan(""); }

static __attribute__((noinline)) float row_max(const float *p, long C) {
  long i = 0;
  float m = -__builtin_inff();
  if (C >= 4) {
    __m128 v0 = _mm_set1_ps(-__builtin_inff()), v1 = v0, nan = _mm_setzero_ps();
    for (; i + 8 <= C; i += 8) {
      __m128 a = _mm_loadu_ps(p + i), b = _mm_loadu_ps(p + i + 4);
      v0 = pmax4(v0, a);
      v1 = pmax4(v1, b);
      nan = _mm_or_ps(nan, _mm_or_ps(_mm_cmpneq_ps(a, a), _mm_cmpneq_ps(b, b)));
    }
    if (i + 4 <= C) {
      __m128 a = _mm_loadu_ps(p + i);
      v0 = pmax4(v0, a);
      nan = _mm_or_ps(nan, _mm_cmpneq_ps(a, a));
    }
    if (C & 3) {
      __m128 b = _mm_loadu_ps(p + C - 4);
      v1 = pmax4(v1, b);
      nan = _mm_or_ps(nan, _mm_cmpneq_ps(b, b));
    }
    i = C;
    v0 = pmax4(v0, v1);
    v0 = pmax4(v0, _mm_shuffle_ps(v0, v0, _MM_SHUFFLE(1, 0, 3, 2)));
    m = wmaxf(_mm_cvtss_f32(v0), _mm_cvtss_f32(_mm_shuffle_ps(v0, v0, 1)));
    if (_mm_movemask_ps(nan)) m = __builtin_nanf("");
  }
  for (; i < C; i++) m = wmaxf(m, p[i]);
  return m;
}

static __attribute__((noinline)) double row_sum_exp(const float *p, long C, float m) {
  long i = 0;
  double s = 0;
  const __m128 vm = _mm_set1_ps(m), zero = _mm_setzero_ps();
  __m128d acc = _mm_setzero_pd();
  while (i + 16 <= C) {
    long stop = C < i + BLOCK32 ? C : i + BLOCK32;
    __m128 a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    for (; i + 16 <= stop; i += 16) {
      const float *q = p + i;
      a0 = _mm_add_ps(a0, exp_minus_f4(_mm_sub_ps(_mm_loadu_ps(q), vm)));
      a1 = _mm_add_ps(a1, exp_minus_f4(_mm_sub_ps(_mm_loadu_ps(q + 4), vm)));
      a2 = _mm_add_ps(a2, exp_minus_f4(_mm_sub_ps(_mm_loadu_ps(q + 8), vm)));
      a3 = _mm_add_ps(a3, exp_minus_f4(_mm_sub_ps(_mm_loadu_ps(q + 12), vm)));
    }
    acc = flush32(acc, _mm_add_ps(_mm_add_ps(a0, a1), _mm_add_ps(a2, a3)));
  }
  if (C >= 4) {
    __m128 a0 = zero;
    for (; i + 4 <= C; i += 4) a0 = _mm_add_ps(a0, exp_minus_f4(_mm_sub_ps(_mm_loadu_ps(p + i), vm)));
    if (i < C) {
      __m128 e = exp_minus_f4(_mm_sub_ps(_mm_loadu_ps(p + C - 4), vm));
      a0 = _mm_add_ps(a0, _mm_and_ps(e, keep32(4 - (C - i))));
      i = C;
    }
    acc = flush32(acc, a0);
  }
  s = hsum(acc);
  for (; i < C; i++) s += (double)exp_minus_f1(p[i] - m);
  return s;
}

// rowSumExpRaw + rawPass (rows of ≥ RAW_MIN_C classes): one pass of e^(x_c) itself with pmin / pmax; returns 0
// and leaves *m, *s untouched when the row leaves [XMIN_M, 88] (or has a NaN), else 1 with *s = sumFromRaw(s', m).
static __attribute__((noinline)) int row_stats_raw(const float *p, long C, double *mOut, double *sOut) {
  long i = 0;
  const __m128 zero = _mm_setzero_ps();
  __m128d acc = _mm_setzero_pd();
  __m128 lo0 = _mm_set1_ps(__builtin_inff()), lo1 = lo0, hi0 = _mm_set1_ps(-__builtin_inff()), hi1 = hi0;
  while (i + 16 <= C) {
    long stop = C < i + BLOCK32 ? C : i + BLOCK32;
    __m128 a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    for (; i + 16 <= stop; i += 16) {
      const float *q = p + i;
      __m128 x0 = _mm_loadu_ps(q), x1 = _mm_loadu_ps(q + 4), x2 = _mm_loadu_ps(q + 8), x3 = _mm_loadu_ps(q + 12);
      lo0 = pmin4(lo0, pmin4(x0, x1));
      lo1 = pmin4(lo1, pmin4(x2, x3));
      hi0 = pmax4(hi0, pmax4(x0, x1));
      hi1 = pmax4(hi1, pmax4(x2, x3));
      a0 = _mm_add_ps(a0, exp_in_range_f4(x0));
      a1 = _mm_add_ps(a1, exp_in_range_f4(x1));
      a2 = _mm_add_ps(a2, exp_in_range_f4(x2));
      a3 = _mm_add_ps(a3, exp_in_range_f4(x3));
    }
    acc = flush32(acc, _mm_add_ps(_mm_add_ps(a0, a1), _mm_add_ps(a2, a3)));
  }
  __m128 a0 = zero;
  for (; i + 4 <= C; i += 4) {
    __m128 xv = _mm_loadu_ps(p + i);
    lo0 = pmin4(lo0, xv);
    hi0 = pmax4(hi0, xv);
    a0 = _mm_add_ps(a0, exp_in_range_f4(xv));
  }
  if (i < C) {
    __m128 xv = _mm_loadu_ps(p + C - 4);
    lo1 = pmin4(lo1, xv);
    hi1 = pmax4(hi1, xv);
    a0 = _mm_add_ps(a0, _mm_and_ps(exp_in_range_f4(xv), keep32(4 - (C - i))));
  }
  acc = flush32(acc, a0);
  double raw = hsum(acc);
  __m128 hi = pmax4(hi0, hi1);
  hi = pmax4(hi, _mm_shuffle_ps(hi, hi, _MM_SHUFFLE(1, 0, 3, 2)));
  float m = wmaxf(_mm_cvtss_f32(hi), _mm_cvtss_f32(_mm_shuffle_ps(hi, hi, 1)));
  if (!all_true4(_mm_cmpge_ps(pmin4(lo0, lo1), _mm_set1_ps(XMIN_M))) || !(m <= 88.0f) || raw != raw) return 0;
  *mOut = m;
  *sOut = 1.0 + (raw - (double)exp_in_range_f1(m)) / exp_lse1(m);
  return 1;
}

// Two rows (4 ≤ C ≤ 256): m0, m1 to mOut[0..1], s0, s1 (finiteOr-ed) to sOut[0..1].
static __attribute__((noinline)) void row_pair(const float *p0, const float *p1, long C, double *mOut, double *sOut) {
  const long last = C - 4;
  __m128 a = _mm_set1_ps(-__builtin_inff()), b = a, na = _mm_setzero_ps(), nb = na;
  long i = 0;
  for (; i + 4 <= C; i += 4) {
    __m128 x = _mm_loadu_ps(p0 + i), y = _mm_loadu_ps(p1 + i);
    a = pmax4(a, x);
    b = pmax4(b, y);
    na = _mm_or_ps(na, _mm_cmpneq_ps(x, x));
    nb = _mm_or_ps(nb, _mm_cmpneq_ps(y, y));
  }
  if (i < C) {
    __m128 x = _mm_loadu_ps(p0 + last), y = _mm_loadu_ps(p1 + last);
    a = pmax4(a, x);
    b = pmax4(b, y);
    na = _mm_or_ps(na, _mm_cmpneq_ps(x, x));
    nb = _mm_or_ps(nb, _mm_cmpneq_ps(y, y));
  }
  // u = pmax([a0, a1, b0, b1], [a2, a3, b2, b3]); mm = pmax(u, [u1, u0, u3, u2]): lanes 0 and 2 hold m0, m1.
  __m128 u = pmax4(_mm_movelh_ps(a, b), _mm_movehl_ps(b, a));
  __m128 mm = pmax4(u, _mm_shuffle_ps(u, u, _MM_SHUFFLE(2, 3, 0, 1)));
  __m128d vm = _mm_cvtps_pd(_mm_shuffle_ps(mm, mm, _MM_SHUFFLE(2, 0, 2, 0)));
  __m128 n = _mm_or_ps(_mm_movelh_ps(na, nb), _mm_movehl_ps(nb, na));
  __m128 n2 = _mm_or_ps(n, _mm_shuffle_ps(n, n, _MM_SHUFFLE(2, 3, 0, 1)));
  vm = sel2(_mm_set1_pd(__builtin_nan("")), vm, _mm_castps_pd(_mm_shuffle_ps(n2, n2, _MM_SHUFFLE(2, 2, 0, 0))));

  __m128d s0 = _mm_setzero_pd(), s1 = s0, t0 = s0, t1 = s0;
  const __m128 m0 = _mm_shuffle_ps(mm, mm, _MM_SHUFFLE(0, 0, 0, 0)), m1 = _mm_shuffle_ps(mm, mm, _MM_SHUFFLE(2, 2, 2, 2));
  const __m128 zero = _mm_setzero_ps();
  __m128 a0 = zero, a1 = zero, b0 = zero, b1 = zero;
  i = 0;
  for (; i + 8 <= C; i += 8) {
    const float *x = p0 + i, *y = p1 + i;
    a0 = _mm_add_ps(a0, exp_minus_f4(_mm_sub_ps(_mm_loadu_ps(x), m0)));
    b0 = _mm_add_ps(b0, exp_minus_f4(_mm_sub_ps(_mm_loadu_ps(y), m1)));
    a1 = _mm_add_ps(a1, exp_minus_f4(_mm_sub_ps(_mm_loadu_ps(x + 4), m0)));
    b1 = _mm_add_ps(b1, exp_minus_f4(_mm_sub_ps(_mm_loadu_ps(y + 4), m1)));
    if (((i + 8) & (BLOCK32 - 1)) == 0) {
      s0 = flush32(s0, _mm_add_ps(a0, a1));
      t0 = flush32(t0, _mm_add_ps(b0, b1));
      a0 = a1 = b0 = b1 = zero;
    }
  }
  if (i + 4 <= C) {
    a0 = _mm_add_ps(a0, exp_minus_f4(_mm_sub_ps(_mm_loadu_ps(p0 + i), m0)));
    b0 = _mm_add_ps(b0, exp_minus_f4(_mm_sub_ps(_mm_loadu_ps(p1 + i), m1)));
    i += 4;
  }
  if (i < C) {
    __m128 keep = keep32(4 - (C - i));
    a1 = _mm_add_ps(a1, _mm_and_ps(exp_minus_f4(_mm_sub_ps(_mm_loadu_ps(p0 + last), m0)), keep));
    b1 = _mm_add_ps(b1, _mm_and_ps(exp_minus_f4(_mm_sub_ps(_mm_loadu_ps(p1 + last), m1)), keep));
  }
  s0 = flush32(s0, _mm_add_ps(a0, a1));
  t0 = flush32(t0, _mm_add_ps(b0, b1));
  s0 = _mm_add_pd(s0, s1);
  t0 = _mm_add_pd(t0, t1);
  __m128d s = _mm_add_pd(_mm_unpacklo_pd(s0, t0), _mm_unpackhi_pd(s0, t0));
  __m128d absm = _mm_andnot_pd(_mm_set1_pd(-0.0), vm);
  __m128d finite = _mm_cmplt_pd(absm, _mm_set1_pd(__builtin_inf()));
  _mm_storeu_pd(mOut, vm);
  _mm_storeu_pd(sOut, sel2(s, _mm_set1_pd(__builtin_nan("")), finite));
}

// softmax_stats_f32(x, outer = rows, C, inner = 1, span = 1, stats): stats[r] = m_r, stats[rows + r] = s_r.
static void softmax_stats(const float *x, long rows, long C, double *stats) {
  double *sBase = stats + rows;
  long r = 0;
  if (C >= 4 && C <= PAIR_MAX_C) {
    for (; r + 2 <= rows; r += 2) row_pair(x + r * C, x + (r + 1) * C, C, stats + r, sBase + r);
  }
  for (; r < rows; r++) {
    const float *row = x + r * C;
    if (C >= RAW_MIN_C && row_stats_raw(row, C, stats + r, sBase + r)) continue;
    float m = row_max(row, C);
    stats[r] = m;
    sBase[r] = finite_or(m, row_sum_exp(row, C, m));
  }
}

// ---- CrossEntropy loss (assembly/rows/cross_entropy.ts indexLoss<f32>: no weights, no smoothing, no output) ----
enum { ROWS_PER_LOG = 64, IGNORE = -100 };

static double index_loss(const float *x, const int32_t *t, const double *stats, long rows, long C) {
  if (C <= 256) { // plainSum
    double prod = 1, shift = 0, logs = 0;
    int inProd = 0;
    for (long r = 0; r < rows; r++) {
      int32_t ti = t[r];
      if (ti == IGNORE) continue;
      double m = stats[r];
      prod *= stats[rows + r];
      shift += m - (double)x[r * C + ti];
      if (++inProd == ROWS_PER_LOG) {
        logs += log_1(prod);
        prod = 1;
        inProd = 0;
      }
    }
    return shift + (logs + log_1(prod));
  }
  double sNll = 0;
  for (long r = 0; r < rows; r++) {
    int32_t ti = t[r];
    if (ti == IGNORE) continue;
    double m = stats[r];
    double ls = log_1(stats[rows + r]);
    double xt = (double)x[r * C + ti];
    sNll += -(((xt - m) - ls) * 1.0);
  }
  return sNll;
}

static double *ce_stats; // 2·rows float64, allocated once in main (the bench's `stats` scratch)

// The bench's raw CE kernel call: softmax_stats_f32, then ce_index_loss_f32, res[0] ÷ rows.
static double ce_mean(const float *x, const void *tv, long n, long rows, long C) {
  (void)n;
  softmax_stats(x, rows, C, ce_stats);
  return index_loss(x, tv, ce_stats, rows, C) / rows;
}
// ---- timing (as scripts/bench-c.c) ----
static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *read_file(const char *path, size_t bytes) {
  void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
  FILE *f = fopen(path, "rb");
  if (!f || fread(p, 1, bytes, f) != bytes) {
    fprintf(stderr, "bench-c-kernels: cannot read %zu bytes from %s\n", bytes, path);
    exit(1);
  }
  fclose(f);
  return p;
}

static int cmp(const void *p, const void *q) {
  double a = *(const double *)p, b = *(const double *)q;
  return (a > b) - (a < b);
}

static volatile double sink;
typedef double (*kernel_fn)(const float *, const void *, long, long, long);

int main(int argc, char **argv) {
  if (argc != 9 && argc != 11) {
    fprintf(stderr, "usage: bench-c-kernels <bce|ce> <x.bin> <y.bin> <elements> <sets> <batch> <timeMs> "
                    "<minSamples> [rows classes]\n");
    return 2;
  }
  int ce = strcmp(argv[1], "ce") == 0;
  long n = atol(argv[4]);
  int sets = atoi(argv[5]), batch = atoi(argv[6]), min_samples = atoi(argv[8]);
  double time_ms = atof(argv[7]);
  long rows = argc == 11 ? atol(argv[9]) : 0, classes = argc == 11 ? atol(argv[10]) : 0;
  if (ce && (rows <= 0 || classes <= 0 || rows * classes != n)) {
    fprintf(stderr, "bench-c-kernels: ce needs rows × classes = elements\n");
    return 2;
  }
  kernel_fn k = ce ? ce_mean : bce_mean;
  if (ce) ce_stats = malloc(sizeof(double) * 2 * (size_t)rows);
  long ylen = ce ? rows : n;
  const float *x = read_file(argv[2], sizeof(float) * (size_t)n * sets);
  const char *y = read_file(argv[3], 4 * (size_t)ylen * sets); // float32 targets or int32 class indices
  double value = k(x, y, n, rows, classes);

  int next = 0, cap = 1 << 20, m = 0;
  double budget = time_ms * 1e6;
  double *samples = malloc(sizeof(double) * cap);
  // Probe batches as bench/lib/timing.ts runs them (8, capped at 3 s, at least 2); when the last is over half the
  // budget, two samples and no more warmup.
  double start = now_ns(), last = 0;
  for (int probe = 0; probe < 8 && (probe < 2 || now_ns() - start < 3000 * 1e6); probe++) {
    double t0 = now_ns();
    for (int b = 0; b < batch; b++) {
      sink = k(x + (long)next * n, y + 4 * (long)next * ylen, n, rows, classes);
      next = (next + 1) % sets;
    }
    last = now_ns() - t0;
  }
  int slow = last > budget / 2;
  double warm_end = now_ns() + (slow ? 0 : budget / 4);
  for (int w = 0; !slow && (w < 2 || now_ns() < warm_end); w++) {
    for (int b = 0; b < batch; b++) {
      sink = k(x + (long)next * n, y + 4 * (long)next * ylen, n, rows, classes);
      next = (next + 1) % sets;
    }
  }
  double end = now_ns() + (slow ? 0 : budget);
  while ((m < (slow ? 2 : min_samples) || now_ns() < end) && m < cap) {
    double s0 = now_ns(), acc = 0;
    for (int b = 0; b < batch; b++) {
      acc += k(x + (long)next * n, y + 4 * (long)next * ylen, n, rows, classes);
      next = (next + 1) % sets;
    }
    samples[m++] = now_ns() - s0;
    sink = acc;
  }
  qsort(samples, m, sizeof(double), cmp);
  double med = m % 2 ? samples[m / 2] : (samples[m / 2 - 1] + samples[m / 2]) / 2;
  printf("{\"value\": %.17g, \"nsPerElement\": %.6g, \"samples\": %d, \"vectorBytes\": %d}\n", value,
         med / ((double)batch * n), m, 16);
  return 0;
}
