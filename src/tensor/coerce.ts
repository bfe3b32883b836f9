// Turning loss arguments into Tensors: Tensors pass through; typed arrays, nested arrays, numbers and
// `{ data, shape }` objects are wrapped or copied.
import type { DType } from './dtype.js';
import { isDetached, Tensor, tensor } from './tensor.js';
import type { TensorLike } from './tensor.js';
import { describe, typeError } from '../errors.js';

/** A `{ data, shape }` object, as accepted wherever a tensor is. */
export interface TensorRecord {
  /** The elements: flat (read row-major into `shape`) or nested. */
  data: TensorLike;
  /** Dimensions; defaults to the nesting of `data`. */
  shape?: readonly number[];
  /** Element type; defaults as for `tensor()`. */
  dtype?: DType;
}

/** Anything a loss accepts in a tensor position. */
export type TensorInput = Tensor | TensorLike | TensorRecord;

/** True for a plain JS number or (nested) array of plain values: data that carries no dtype of its own. */
export function isUntyped(v: unknown): boolean {
  return typeof v === 'number' || Array.isArray(v);
}

/**
 * The Tensor for loss argument `arg` of function `fn`.
 * @param plainDType dtype for untyped data (numbers and number arrays); typed arrays keep their own.
 */
export function asTensor(fn: string, arg: string, value: unknown, plainDType: DType = 'float32'): Tensor {
  if (value instanceof Tensor) {
    const data = value.data;
    if (data.length !== value.numel() && isDetached(data)) throw detached(fn, arg, data);
    return value;
  }
  const wrap = (data: unknown, shape?: readonly number[], dtype?: DType): Tensor => {
    if (ArrayBuffer.isView(data) && isDetached(data)) throw detached(fn, arg, data);
    try {
      return tensor(data as TensorLike, { shape, dtype: dtype ?? (isUntyped(data) ? plainDType : undefined) });
    } catch (err) {
      if (err instanceof Error) err.message = err.message.replace(/^tensor:/, `${fn}: ${arg}:`);
      throw err;
    }
  };
  if (isUntyped(value) || typeof value === 'bigint' || (ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    return wrap(value);
  }
  if (value !== null && typeof value === 'object' && 'data' in value) {
    const rec = value as TensorRecord;
    return wrap(rec.data, rec.shape, rec.dtype);
  }
  throw typeError(
    fn,
    `${arg} must be a Tensor, a typed array, nested number arrays or { data, shape }`,
    describe(value),
  );
}

/** The error for an argument whose buffer was transferred away (postMessage, structuredClone with transfer). */
function detached(fn: string, arg: string, data: ArrayBufferView): TypeError {
  return typeError(
    fn,
    `${arg}'s buffer was detached (transferred); its elements are gone`,
    `a detached ${data.constructor.name}`,
  );
}
