// simdloss kernels: the whole release ABI. Every export takes byte offsets and counts and returns numbers (or
// writes to memory it is given); none allocates, throws or imports anything but the memory. Names follow one
// pattern, <family>_<job>_<dtype>:
//   elementwise terms   <term>_sum_f32, <term>_map_f32, <term>_grad_f32, <term>_sumgrad_f32 (and _f64), with the
//                       uniform signatures of assembly/elementwise/driver.ts
//   rows                softmax_stats_*, ce_targets_*, ce_index_loss_*, ce_index_grad_*, ce_prob_loss_*, ...
//   checks              outside_unit_*, narrow_i64_i32
// Flags are exported as constant globals (CE_WRITE_OUT), so the facade reads them from the module instead of
// copying them. Test-only exports live in assembly/testing.ts (its own build target). docs/architecture.md
// describes the memory layout the facade maintains.
export * from './memory';
export * from './checks';
export * from './elementwise/terms/sq_diff';
export * from './elementwise/terms/abs_diff';
export * from './elementwise/terms/smooth_l1';
export * from './elementwise/terms/bce';
export * from './elementwise/terms/margin_ranking';
export * from './elementwise/terms/hinge';
export * from './rows/stats';
export * from './rows/cross_entropy';
export * from './rows/ce_fused';
export * from './elementwise/terms/huber';
export * from './elementwise/terms/bce_logits';
export * from './elementwise/terms/kl_div';
export * from './elementwise/terms/poisson_nll';
export * from './elementwise/terms/gaussian_nll';
export * from './elementwise/terms/soft_margin';
export * from './rows/class_rows';
export * from './rows/multi_margin';
export * from './rows/multilabel_margin';
export * from './rows/multilabel_soft_margin';
export * from './rows/nll';
export * from './rows/pairwise';
export * from './rows/ctc';
export * from './elementwise/terms/sigmoid_focal';
export * from './boxes/box_iou';
