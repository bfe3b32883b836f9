// @ts-nocheck: AssemblyScript source (built by asc, not tsc).
// EXPERIMENT, not part of simdloss: MSE / L1 / SmoothL1 float32 sums with float32 terms, summed in float32 over
// short blocks that are flushed to a float64 accumulator. bench/run.ts builds it (asc, SIMD) and times it as a raw
// kernel beside simdloss's own, to measure what relaxing DESIGN.md §2's "each term in float64" would buy.
//
// Formula: Σ term(fl32(a[i] − b[i])), term = d² (MSE), |d| (L1), 0.5·d²/β or |d| − 0.5·β (SmoothL1), each
// rounded to float32 — the same terms PyTorch's float32 kernels compute. Pointer contract: a, b byte offsets of
// n float32 (unaligned allowed). Precision: a block of 64 elements is summed in 8 float32 lanes (8 terms each,
// relative error ≤ 8·2⁻²⁴ per block), each block flushed to float64. Lane layout: f32x4, two accumulators.
// Same export names as simdloss's kernels, so the benchmark's raw-kernel driver runs it unchanged.

// @ts-ignore: decorator
@inline function lanes(op: i32, d: v128, beta: v128, hob: v128, hb: v128): v128 {
  if (op == 0) return f32x4.mul(d, d);
  if (op == 1) return f32x4.abs(d);
  const ad = f32x4.abs(d);
  return v128.bitselect(f32x4.mul(f32x4.mul(d, d), hob), f32x4.sub(ad, hb), f32x4.lt(ad, beta));
}

// @ts-ignore: decorator
@inline function term(op: i32, d: f32, beta: f32, hob: f32, hb: f32): f32 {
  if (op == 0) return d * d;
  if (op == 1) return abs(d);
  const ad = abs(d);
  return ad < beta ? d * d * hob : ad - hb;
}

// @ts-ignore: decorator
@inline function sum(op: i32, a: usize, b: usize, n: i32, beta: f32): f64 {
  const hob: f32 = op == 2 ? <f32>0.5 / beta : 0;
  const hb: f32 = <f32>0.5 * beta;
  const vb = f32x4.splat(beta), vhob = f32x4.splat(hob), vhb = f32x4.splat(hb);
  let acc = f64x2.splat(0);
  let i = 0;
  while (i + 8 <= n) {
    let s0 = f32x4.splat(0), s1 = s0;
    const stop = min(n, i + 64);
    for (; i + 8 <= stop; i += 8) {
      const off = <usize>i << 2;
      s0 = f32x4.add(s0, lanes(op, f32x4.sub(v128.load(a + off), v128.load(b + off)), vb, vhob, vhb));
      s1 = f32x4.add(s1, lanes(op, f32x4.sub(v128.load(a + off, 16), v128.load(b + off, 16)), vb, vhob, vhb));
    }
    const s = f32x4.add(s0, s1);
    acc = f64x2.add(acc, f64x2.add(f64x2.promote_low_f32x4(s), f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1))));
  }
  let t = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) {
    const off = <usize>i << 2;
    t += <f64>term(op, load<f32>(a + off) - load<f32>(b + off), beta, hob, hb);
  }
  return t;
}

export function heap_base(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}
export function sq_diff_sum_f32(a: usize, b: usize, n: i32): f64 { return sum(0, a, b, n, 0); }
export function abs_diff_sum_f32(a: usize, b: usize, n: i32): f64 { return sum(1, a, b, n, 0); }
export function smooth_l1_sum_f32(a: usize, b: usize, n: i32, beta: f64): f64 { return sum(2, a, b, n, <f32>beta); }
