// The typed surface of the wasm exports (assembly/index.ts). Pointers are byte offsets into `memory`.

/** Raw kernel exports of simdloss.wasm. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  simd_enabled(): number;

  sq_diff_sum_f32(a: number, b: number, n: number): number;
  sq_diff_sum_f64(a: number, b: number, n: number): number;
  sq_diff_f32(a: number, b: number, out: number, n: number): void;
  sq_diff_f64(a: number, b: number, out: number, n: number): void;
  abs_diff_sum_f32(a: number, b: number, n: number): number;
  abs_diff_sum_f64(a: number, b: number, n: number): number;
  abs_diff_f32(a: number, b: number, out: number, n: number): void;
  abs_diff_f64(a: number, b: number, out: number, n: number): void;
  smooth_l1_sum_f32(a: number, b: number, n: number, beta: number): number;
  smooth_l1_sum_f64(a: number, b: number, n: number, beta: number): number;
  smooth_l1_f32(a: number, b: number, out: number, n: number, beta: number): void;
  smooth_l1_f64(a: number, b: number, out: number, n: number, beta: number): void;
  // assembly/log.ts: elementwise maps and the float32 accuracy sweep.
  log_f64_map(x: number, out: number, n: number): void;
  log1p_f64_map(x: number, out: number, n: number): void;
  log_clamped_f64_map(x: number, out: number, n: number): void;
  log_f32_map(x: number, out: number, n: number): void;
  log_f32_max_ulp_error(firstBits: number, count: number, stride: number): number;
  // assembly/bce.ts: check bce_invalid_index() after each call (-1 when every input was in [0, 1]).
  bce_invalid_index(): number;
  bce_sum_f32(x: number, y: number, n: number): number;
  bce_sum_f64(x: number, y: number, n: number): number;
  bce_weighted_sum_f32(x: number, y: number, w: number, n: number): number;
  bce_weighted_sum_f64(x: number, y: number, w: number, n: number): number;
  bce_f32(x: number, y: number, out: number, n: number): void;
  bce_f64(x: number, y: number, out: number, n: number): void;
  bce_weighted_f32(x: number, y: number, w: number, out: number, n: number): void;
  bce_weighted_f64(x: number, y: number, w: number, out: number, n: number): void;
  // assembly/exp.ts and assembly/cross_entropy.ts (flags: 1 = weights, 2 = write per-position losses to out).
  exp_f32(src: number, dst: number, n: number): void;
  exp_f64(src: number, dst: number, n: number): void;
  exp_lse_f64(src: number, dst: number, n: number): void;
  exp_f32_max_ulp_error(startBits: number, count: number, stride: number): number;
  ce_index_f32(x: number, t: number, w: number, outer: number, C: number, inner: number, span: number,
    ignore: number, eps: number, flags: number, out: number, res: number): number;
  ce_index_f64(x: number, t: number, w: number, outer: number, C: number, inner: number, span: number,
    ignore: number, eps: number, flags: number, out: number, res: number): number;
  ce_prob_f32(x: number, q: number, w: number, outer: number, C: number, inner: number, span: number, eps: number,
    flags: number, out: number, res: number): void;
  ce_prob_f64(x: number, q: number, w: number, outer: number, C: number, inner: number, span: number, eps: number,
    flags: number, out: number, res: number): void;
  narrow_i64_i32(src: number, dst: number, n: number, sentinel: number): void;
}
