// The physical limit for the simdloss benchmark: MSE over float32 in C with AVX2 (float64 accumulation, like
// simdloss), and a plain read of the same bytes (the memory-bandwidth floor any loss over these inputs pays).
// Built by bench/run.ts with `gcc -O3 -march=native`; times the same rotating input sets in the same schedule as
// the JS side (every sample `batch` calls cycling through the sets, median sample, ns per element).
//
// Usage: bench-c <x.bin> <y.bin> <elements> <sets> <batch> <timeMs> <minSamples>
// Prints one JSON object: {"mse": {"value", "nsPerElement", "samples"}, "read": {"nsPerElement", "samples"}}.
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static float *read_file(const char *path, size_t count) {
  float *p = aligned_alloc(64, (count * sizeof(float) + 63) / 64 * 64);
  FILE *f = fopen(path, "rb");
  if (!f || fread(p, sizeof(float), count, f) != count) {
    fprintf(stderr, "bench-c: cannot read %zu floats from %s\n", count, path);
    exit(1);
  }
  fclose(f);
  return p;
}

// Σ (a − b)², promoted to double before subtracting (exact difference), 4 independent 4-lane accumulators.
static double mse_sum(const float *a, const float *b, long n) {
  __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 va = _mm256_loadu_ps(a + i), vb = _mm256_loadu_ps(b + i);
    __m256 wa = _mm256_loadu_ps(a + i + 8), wb = _mm256_loadu_ps(b + i + 8);
    __m256d d0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(va)), _mm256_cvtps_pd(_mm256_castps256_ps128(vb)));
    __m256d d1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(va, 1)), _mm256_cvtps_pd(_mm256_extractf128_ps(vb, 1)));
    __m256d d2 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(wa)), _mm256_cvtps_pd(_mm256_castps256_ps128(wb)));
    __m256d d3 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(wa, 1)), _mm256_cvtps_pd(_mm256_extractf128_ps(wb, 1)));
    s0 = _mm256_fmadd_pd(d0, d0, s0);
    s1 = _mm256_fmadd_pd(d1, d1, s1);
    s2 = _mm256_fmadd_pd(d2, d2, s2);
    s3 = _mm256_fmadd_pd(d3, d3, s3);
  }
  __m256d s = _mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3));
  double lanes[4];
  _mm256_storeu_pd(lanes, s);
  double acc = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  for (; i < n; i++) {
    double d = (double)a[i] - (double)b[i];
    acc += d * d;
  }
  return acc;
}

// Reads every byte of a and b once (float32 sums, 4 accumulators): the bandwidth floor, no arithmetic to speak of.
static double read_sum(const float *a, const float *b, long n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(a + i));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(b + i));
    s2 = _mm256_add_ps(s2, _mm256_loadu_ps(a + i + 8));
    s3 = _mm256_add_ps(s3, _mm256_loadu_ps(b + i + 8));
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  double acc = 0;
  for (int k = 0; k < 8; k++) acc += lanes[k];
  for (; i < n; i++) acc += a[i] + b[i];
  return acc;
}

static volatile double sink;

static int cmp(const void *p, const void *q) {
  double a = *(const double *)p, b = *(const double *)q;
  return (a > b) - (a < b);
}

typedef double (*kernel_fn)(const float *, const float *, long);

// Median sample (ns per element) of `batch` calls per sample, cycling through the sets, after a warmup.
static double time_kernel(kernel_fn k, float *x, float *y, long n, int sets, int batch, double time_ms, int min_samples,
                          int *count) {
  int next = 0;
  double budget = time_ms * 1e6;
  int cap = 1 << 20;
  double *samples = malloc(sizeof(double) * cap);
  double warm_end = now_ns() + budget / 4;
  for (int w = 0; w < 8 || now_ns() < warm_end; w++) { // ≥ 8 warm-up batches, as bench/lib/timing.ts probes
    for (int b = 0; b < batch; b++) { sink = k(x + (long)next * n, y + (long)next * n, n); next = (next + 1) % sets; }
  }
  int m = 0;
  double end = now_ns() + budget;
  while ((m < min_samples || now_ns() < end) && m < cap) {
    double t0 = now_ns();
    double acc = 0;
    for (int b = 0; b < batch; b++) { acc += k(x + (long)next * n, y + (long)next * n, n); next = (next + 1) % sets; }
    samples[m++] = now_ns() - t0;
    sink = acc;
  }
  qsort(samples, m, sizeof(double), cmp);
  double med = m % 2 ? samples[m / 2] : (samples[m / 2 - 1] + samples[m / 2]) / 2;
  free(samples);
  *count = m;
  return med / ((double)batch * n);
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: bench-c <x.bin> <y.bin> <elements> <sets> <batch> <timeMs> <minSamples>\n");
    return 2;
  }
  long n = atol(argv[3]);
  int sets = atoi(argv[4]), batch = atoi(argv[5]), min_samples = atoi(argv[7]);
  double time_ms = atof(argv[6]);
  float *x = read_file(argv[1], (size_t)n * sets), *y = read_file(argv[2], (size_t)n * sets);
  double value = mse_sum(x, y, n) / n;
  int mse_count, read_count;
  double mse_ns = time_kernel(mse_sum, x, y, n, sets, batch, time_ms, min_samples, &mse_count);
  double read_ns = time_kernel(read_sum, x, y, n, sets, batch, time_ms, min_samples, &read_count);
  printf("{\"mse\": {\"value\": %.17g, \"nsPerElement\": %.6g, \"samples\": %d}, "
         "\"read\": {\"nsPerElement\": %.6g, \"samples\": %d}}\n",
         value, mse_ns, mse_count, read_ns, read_count);
  return 0;
}
