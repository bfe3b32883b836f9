// The public API shared by every entry point (src/index.ts, src/index.workerd.ts).
export * as F from './functional.js';
export * as nn from './nn.js';
export { Tensor, tensor } from './tensor/tensor.js';
export type { TensorOptions, TensorLike, NestedArray, NestedNumbers } from './tensor/tensor.js';
export type { DType, TensorData, TypedArrayFor } from './tensor/dtype.js';
export type { TensorInput, TensorRecord } from './tensor/coerce.js';
export type { Reduction, ReductionOptions } from './losses/reduction.js';
export { alloc } from './wasm/resident.js';
export { init } from './wasm/instance.js';
export type { WasmSource } from './wasm/instance.js';
