// simdloss kernels: the whole wasm ABI. Every export takes byte offsets and counts and returns numbers; none
// allocates, throws or imports anything. See docs/architecture.md for the memory layout the facade maintains.
export * from './memory';
export * from './pointwise';
export { exp_f32, exp_f64, exp_lse_f64, exp_f32_max_ulp_error } from './exp';
export { log_f64_map, log1p_f64_map, log_clamped_f64_map, log_f32_map, log_f32_max_ulp_error } from './log';
export * from './bce';
export * from './cross_entropy';
