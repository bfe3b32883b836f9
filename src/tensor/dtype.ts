// Element types: the four PyTorch dtypes simdloss knows, and the typed arrays behind them.

/** A tensor's element type, named as in PyTorch. */
export type DType = 'float32' | 'float64' | 'int32' | 'int64';

/** The typed array that stores each dtype. */
export interface TypedArrayFor {
  /** float32 elements. */
  float32: Float32Array;
  /** float64 elements. */
  float64: Float64Array;
  /** int32 elements (class indices). */
  int32: Int32Array;
  /** int64 elements (class indices), as bigint. */
  int64: BigInt64Array;
}

/** Any typed array a Tensor can hold. */
export type TensorData = TypedArrayFor[DType];

/** Typed arrays accepted as input data (others, e.g. Uint8Array, are converted through `tensor()`). */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'int64'];

/** Bytes per element. */
export const BYTES: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4, int64: 8 };

/** Typed-array constructor per dtype. */
export const ARRAY_OF = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
} as const;

/** The dtype a typed array carries, or undefined for arrays simdloss does not store natively. */
export function dtypeOfArray(a: ArrayBufferView): DType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof BigInt64Array) return 'int64';
  return undefined;
}

/** True for float32 and float64. */
export function isFloat(d: DType): d is 'float32' | 'float64' {
  return d === 'float32' || d === 'float64';
}
