// C references of two simdloss kernels, to measure them against the instruction set's limit (issue 9): the fused
// CrossEntropy row kernel for float32 logits with class-index targets (assembly/rows/stats.ts softmaxStats +
// assembly/rows/cross_entropy.ts indexLoss) and the BCE sum kernel for float32 inputs
// (assembly/elementwise/terms/bce.ts through assembly/elementwise/driver.ts `sum`). Same algorithm, same
// polynomials, same precision as the wasm kernels measured on the same commit:
//   CE   per row: m = max_c x_c in float32 (NaN-carrying); s = Σ_c e^(x_c − m) in float64 with expLse
//        (assembly/math/exp.ts: clamp at −708, Cody–Waite by the 1.5·2^52 shift, degree-10 Estrin polynomial,
//        the exponent added as bits); loss Σ (m − x_t) + log s, with the product Π s over 64 rows per log for
//        C ≤ 256 (plainSum) and one log per row above; mean over rows.
//   BCE  per element, promoted to float64: (y − 1)·max(log(1 − x), −100) − y·max(log x, −100), with log_f64x2
//        (assembly/math/log.ts: fdlibm reduction and R(z), subnormal rescaling and specials as selects), summed in
//        float64 accumulators; mean. k is formed by the 2^52 trick (as log_clamped_f64x2 does), equal to the
//        arithmetic-shift form of log_f64x2 for every x > 0.
// Written once with GCC vector extensions of VW bytes, so the two builds bench/run.ts makes differ only in the ISA:
//   -O3 -msse4.1 -mno-fma   VW = 16: 128-bit lanes and no FMA, the ISA class wasm SIMD maps to on x86;
//   -O3 -march=native       VW = 64 with AVX-512F, 32 with AVX2 (FMA contraction allowed, as GCC does by default).
// Scalar tails use the scalar twins (same operations). Not a copy of the wasm's loop shapes (rowPair's two rows at a
// time for C ≤ 256 and its masked last load are not reproduced: small rows here are vector loops with scalar tails).
// Times the same rotating input sets in the same schedule as the JS side (every sample `batch` calls cycling
// through the sets, median sample, ns per element).
//
// Usage: bench-c-kernels <bce|ce> <x.bin> <y.bin> <elements> <sets> <batch> <timeMs> <minSamples> [rows classes]
// Prints one JSON object: {"value", "nsPerElement", "samples", "vectorBytes"}.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__AVX512F__)
#define VW 64
#elif defined(__AVX2__)
#define VW 32
#else
#define VW 16
#endif

typedef double vd __attribute__((vector_size(VW)));
typedef int64_t vl __attribute__((vector_size(VW)));
typedef uint64_t vul __attribute__((vector_size(VW)));
typedef float vf __attribute__((vector_size(VW)));
typedef int32_t vi __attribute__((vector_size(VW)));
typedef float vhf __attribute__((vector_size(VW / 2))); // the floats that promote to one vd
enum { DL = VW / 8, FL = VW / 4 };

static inline vd splat(double v) { return (vd){0} + v; }
static inline vl splatl(int64_t v) { return (vl){0} + v; }
static inline vd sel(vl mask, vd a, vd b) { return (vd)((mask & (vl)a) | (~mask & (vl)b)); } // mask ? a : b
static inline vd load_promoted(const float *p) {
  vhf h;
  memcpy(&h, p, sizeof h);
  return __builtin_convertvector(h, vd);
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

// ---- expLse (assembly/math/exp.ts) ----
static const double XMIN_LSE = -708, LOG2E = 1.4426950408889634, SHIFT = 6755399441055744.0,
                    LN2 = 0.6931471805599453;
static const double E0 = 0.49999999999998324, E1 = 0.16666666666611546, E2 = 0.04166666666813667,
                    E3 = 0.008333333370874215, E4 = 0.0013888888516195056, E5 = 0.00019841185230026382,
                    E6 = 2.480193173350701e-05, E7 = 2.7634993622839702e-06, E8 = 2.7476797528710693e-07;

static inline vd exp_lse_v(vd x) {
  x = sel(x < XMIN_LSE, splat(XMIN_LSE), x); // pmax(x, XMIN)
  vd kd = x * LOG2E + SHIFT;
  vd n = kd - SHIFT;
  vd r = x - n * LN2;
  vd r2 = r * r, r4 = r2 * r2;
  vd lo = (E0 + E1 * r) + r2 * (E2 + E3 * r);
  vd hi = ((E4 + E5 * r) + r2 * (E6 + E7 * r)) + r4 * E8;
  vd P = lo + r4 * hi;
  vd p = (P * r2 + r) + 1.0;
  return (vd)((vl)p + ((vl)kd << 52));
}

static inline double exp_lse_1(double x) {
  x = x < XMIN_LSE ? XMIN_LSE : x;
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

// ---- log_f64 (assembly/math/log.ts) ----
static const double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
static const double LG1 = 6.666666666666735130e-01, LG2 = 3.999999999940941908e-01, LG3 = 2.857142874366239149e-01,
                    LG4 = 2.222219843214978396e-01, LG5 = 1.818357216161805012e-01, LG6 = 1.531383769920937332e-01,
                    LG7 = 1.479819860511658591e-01;
static const double TWO54 = 18014398509481984.0, MIN_NORMAL64 = 2.2250738585072014e-308;
#define SHIFT64 ((int64_t)(0x3ff00000 - 0x3fe6a09e) << 32)
#define MBASE64 ((int64_t)0x3fe6a09e << 32)
#define MANT64 ((int64_t)0x000fffffffffffff)
#define EXP_MAGIC ((int64_t)0x4330000000000000)
static const double EXP_BIAS_MAGIC = 4503599627371519.0; // 2^52 + 1023

static inline vd log_v(vd x) {
  vl tiny = x < MIN_NORMAL64;
  vd xs = sel(tiny, x * TWO54, x);
  vd kAdjust = (vd)(tiny & (vl)splat(-54.0));
  vl ix = (vl)xs + SHIFT64;
  vd k = (vd)((vl)((vul)ix >> 52) | EXP_MAGIC) - EXP_BIAS_MAGIC + kAdjust;
  vd m = (vd)((ix & MANT64) + MBASE64);
  vd f = m - 1.0;
  vd hfsq = 0.5 * f * f;
  vd s = f / (2.0 + f);
  vd z = s * s, w = z * z;
  vd t1 = w * (LG2 + w * (LG4 + w * LG6));
  vd t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  vd r = t2 + t1;
  vd y = s * (hfsq + r);
  y = y + k * LN2_LO;
  y = y - hfsq;
  y = y + f;
  y = y + k * LN2_HI;
  vl regular = (x > 0.0) & (x < __builtin_inf());
  vd special = sel(x == 0.0, splat(-__builtin_inf()), sel(x < 0.0, splat(__builtin_nan("")), x));
  return sel(regular, y, special);
}

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

// ---- BCE: Σ (y − 1)·max(log(1 − x), −100) − y·max(log x, −100) ----
static inline vd bce_v(vd x, vd y) {
  vd a = log_v(1.0 - x), b = log_v(x);
  a = sel(a < -100.0, splat(-100.0), a);
  b = sel(b < -100.0, splat(-100.0), b);
  return (y - 1.0) * a - y * b;
}

static double bce_mean(const float *x, const void *yv, long n, long rows, long classes) {
  (void)rows, (void)classes;
  const float *y = yv;
  vd s0 = splat(0), s1 = s0;
  long i = 0;
  for (; i + 2 * DL <= n; i += 2 * DL) {
    s0 += bce_v(load_promoted(x + i), load_promoted(y + i));
    s1 += bce_v(load_promoted(x + i + DL), load_promoted(y + i + DL));
  }
  vd s = s0 + s1;
  double acc = 0;
  for (int k = 0; k < DL; k++) acc += s[k];
  for (; i < n; i++) {
    double xd = x[i], yd = y[i];
    double a = log_1(1.0 - xd), b = log_1(xd);
    a = a < -100 ? -100 : a;
    b = b < -100 ? -100 : b;
    acc += (yd - 1.0) * a - yd * b;
  }
  return acc / n;
}

// ---- CrossEntropy, class-index targets: softmax statistics and the loss in one pass over the rows ----
static float row_max(const float *p, long C) {
  long i = 0;
  float m = -__builtin_inff();
  if (C >= FL) {
    vf v0 = (vf){0} - __builtin_inff(), v1 = v0;
    vi nan = (vi){0};
    for (; i + 2 * FL <= C; i += 2 * FL) {
      vf a, b;
      memcpy(&a, p + i, sizeof a);
      memcpy(&b, p + i + FL, sizeof b);
      v0 = (vf)(((v0 < a) & (vi)a) | (~(v0 < a) & (vi)v0)); // pmax(v0, a) = v0 < a ? a : v0
      v1 = (vf)(((v1 < b) & (vi)b) | (~(v1 < b) & (vi)v1));
      nan |= (a != a) | (b != b);
    }
    for (; i + FL <= C; i += FL) {
      vf a;
      memcpy(&a, p + i, sizeof a);
      v0 = (vf)(((v0 < a) & (vi)a) | (~(v0 < a) & (vi)v0));
      nan |= a != a;
    }
    v0 = (vf)(((v0 < v1) & (vi)v1) | (~(v0 < v1) & (vi)v0));
    int any = 0;
    for (int k = 0; k < FL; k++) {
      m = m < v0[k] ? v0[k] : m;
      any |= nan[k];
    }
    if (any) return __builtin_nanf("");
  }
  for (; i < C; i++) m = p[i] != p[i] ? p[i] : m < p[i] ? p[i] : m; // max with NaN propagation, as max<T>
  return m;
}

static double row_sum_exp(const float *p, long C, double m) {
  long i = 0;
  vd a0 = splat(0), a1 = a0;
  for (; i + 2 * DL <= C; i += 2 * DL) {
    a0 += exp_lse_v(load_promoted(p + i) - m);
    a1 += exp_lse_v(load_promoted(p + i + DL) - m);
  }
  vd a = a0 + a1;
  double s = 0;
  for (int k = 0; k < DL; k++) s += a[k];
  for (; i < C; i++) s += exp_lse_1((double)p[i] - m);
  return s;
}

static double ce_mean(const float *x, const void *tv, long n, long rows, long C) {
  (void)n;
  const int32_t *t = tv;
  double shift = 0, logs = 0, prod = 1;
  int in_prod = 0;
  for (long r = 0; r < rows; r++) {
    const float *row = x + r * C;
    double m = row_max(row, C);
    double s = row_sum_exp(row, C, m);
    if (!(m > -__builtin_inf() && m < __builtin_inf())) s = __builtin_nan(""); // finiteOr
    shift += m - (double)row[t[r]];
    if (C <= 256) { // plainSum: one log per 64 rows
      prod *= s;
      if (++in_prod == 64) {
        logs += log_1(prod);
        prod = 1;
        in_prod = 0;
      }
    } else {
      logs += log_1(s);
    }
  }
  return (shift + (logs + log_1(prod))) / rows;
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
         med / ((double)batch * n), m, VW);
  return 0;
}
