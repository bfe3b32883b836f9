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
}
