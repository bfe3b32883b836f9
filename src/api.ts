// The public API shared by every entry point (src/index.ts, src/index.workerd.ts).
export * as F from './functional.js';
export * as nn from './nn.js';
export { Tensor, tensor } from './tensor/tensor.js';
export type { TensorOptions, TensorLike, NestedArray, NestedNumbers } from './tensor/tensor.js';
export type { DType, TensorData, TypedArrayFor } from './tensor/dtype.js';
export type { TensorInput, TensorRecord } from './tensor/coerce.js';
export type { LossResult, Reduction, ReductionOptions } from './losses/reduction.js';
export type { MSELossOptions } from './losses/mse.js';
export type { L1LossOptions } from './losses/l1.js';
export type { SmoothL1LossOptions } from './losses/smooth-l1.js';
export type { BCELossOptions } from './losses/bce.js';
export type { CrossEntropyLossOptions } from './losses/cross-entropy.js';
export { alloc } from './wasm/resident.js';
export { init } from './wasm/instance.js';
export type { WasmSource } from './wasm/instance.js';
