// Tensor: a dtype, a shape and row-major contiguous data, either in a JS typed array or resident in wasm memory.
import type { DType, TensorData, TypedArrayFor } from './dtype.js';
import { ARRAY_OF, DTYPES, dtypeOfArray } from './dtype.js';
import { formatTensor } from './format.js';
import { numelOf, shapeStr } from './shape.js';
import { describe } from '../errors.js';

/** Where a resident tensor's elements live in wasm memory (implemented by src/wasm/resident.ts). */
export interface ResidentStorage {
  /** Byte offset in wasm memory; -1 once freed. */
  readonly ptr: number;
  /** The view of the elements (it stays valid while the tensor lives; see src/wasm/memory.ts). */
  readonly view: TensorData;
  /** Returns the block to the allocator. */
  release(): void;
}

// `using t = alloc(…)` needs Tensor to be Disposable in the consumer's types: declare `Symbol.dispose` for
// consumers whose TypeScript lib predates it (this merges with lib.esnext.disposable's own declaration).
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

let storageOf: (t: Tensor) => ResidentStorage | undefined;

/** @internal The wasm storage of an `alloc`ed tensor (src/wasm reads it in place), or undefined. */
export function residentOf(t: Tensor): ResidentStorage | undefined {
  return storageOf(t);
}

/** True when `a` is a view of a detached buffer (transferred, e.g. by structuredClone or postMessage). */
export function isDetached(a: ArrayBufferView): boolean {
  if (a.byteLength !== 0) return false;
  const buffer = a.buffer as ArrayBuffer & { detached?: boolean };
  if (typeof buffer.detached === 'boolean') return buffer.detached;
  try {
    // Node 20 has no ArrayBuffer.prototype.detached; a view of a detached buffer cannot be constructed.
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * A dense, row-major tensor, like `torch.Tensor` without autograd.
 * Create one with `tensor()` (JS memory) or `alloc()` (wasm memory, used by losses without a copy).
 */
export class Tensor<D extends DType = DType> {
  /** Dimensions, outermost first; `[]` for a 0-d tensor. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: D;
  readonly #host: TensorData | undefined;
  readonly #resident: ResidentStorage | undefined;

  static {
    storageOf = (t) => t.#resident;
  }

  /** @internal Use `tensor()` or `alloc()`. */
  constructor(data: TensorData | ResidentStorage, shape: readonly number[], dtype: D) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    if (ArrayBuffer.isView(data)) this.#host = data;
    else this.#resident = data;
  }

  /**
   * The elements, row-major. For an `alloc`ed tensor, a view of wasm memory: it may be kept and written through
   * for as long as the tensor lives (it stays valid when the memory grows).
   * @throws {RangeError} For a freed `alloc` tensor.
   */
  get data(): TypedArrayFor[D] {
    if (this.#host) return this.#host as TypedArrayFor[D];
    if (this.#resident!.ptr < 0) throw new RangeError('Tensor.data: the tensor was freed (got a freed alloc() tensor)');
    return this.#resident!.view as TypedArrayFor[D];
  }

  /** Number of elements (`torch.Tensor.numel`). */
  numel(): number {
    return numelOf(this.shape);
  }

  /**
   * The single element as a number (`torch.Tensor.item`).
   * @throws {RangeError} When the tensor does not hold exactly one element.
   */
  item(): number {
    if (this.numel() !== 1) {
      throw new RangeError(
        `Tensor.item: a Tensor with ${this.numel()} elements cannot be converted to a number (got shape ${shapeStr(this.shape)})`,
      );
    }
    return Number(this.checkedData('Tensor.item')[0]);
  }

  /** Nested arrays of numbers (`torch.Tensor.tolist`); a 0-d tensor gives a number. int64 goes through Number(). */
  tolist(): number | unknown[] {
    const data = this.checkedData('Tensor.tolist');
    const build = (dim: number, offset: number): number | unknown[] => {
      if (dim === this.shape.length) return Number(data[offset]);
      const inner = numelOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * inner));
    };
    return build(0, 0);
  }

  /**
   * Prints exactly as PyTorch does: `tensor(0.6667)`, `tensor([1., 0., 1.])`, `tensor(2., dtype=torch.float64)`.
   * @throws {TypeError} When the data's buffer was transferred away (detached).
   */
  toString(): string {
    return formatTensor(this.checkedData('Tensor.toString'), this.shape, this.dtype);
  }

  /** The data, checked to still hold the tensor's elements (not detached by a transfer). */
  private checkedData(fn: string): TypedArrayFor[D] {
    const data = this.data;
    if (data.length !== this.numel() && isDetached(data)) {
      throw new TypeError(
        `${fn}: the tensor's buffer was detached (transferred) (got a detached ${data.constructor.name})`,
      );
    }
    return data;
  }

  /** Releases an `alloc`ed tensor's wasm memory; a no-op for JS-memory tensors. Safe to call twice. */
  free(): void {
    this.#resident?.release();
  }

  /** `using t = alloc(...)` frees it at the end of the block. */
  declare readonly [Symbol.dispose]: () => void;
}

// Defined on the prototype rather than in the class body: engines before 2024 have no Symbol.dispose, and
// TypeScript's downlevel `using` then looks the method up under Symbol.for('Symbol.dispose').
Object.defineProperty(Tensor.prototype, Symbol.dispose ?? Symbol.for('Symbol.dispose'), {
  value: function dispose(this: Tensor): void {
    this.free();
  },
});
// console.log / util.inspect (Node, Bun) and Deno's inspector print a tensor as PyTorch's print() does.
for (const key of [Symbol.for('nodejs.util.inspect.custom'), Symbol.for('Deno.customInspect')]) {
  Object.defineProperty(Tensor.prototype, key, {
    value: function inspect(this: Tensor): string {
      try {
        return this.toString();
      } catch (err) {
        return `Tensor(${(err as Error).message})`;
      }
    },
  });
}

/** Options for `tensor()`. */
export interface TensorOptions {
  /** Dimensions to read flat data into (row-major); `[]` for 0-d. Defaults to the nesting of `data`. */
  shape?: readonly number[];
  /** Element type. Defaults to the typed array's own type, else float32 (int64 for bigint data). */
  dtype?: DType;
}

/** Nested arrays of numbers (or bigints), at any depth. */
export type NestedArray = number | bigint | ArrayLike<NestedArray>;

/** Nested arrays of plain numbers: data that becomes float32 unless a dtype is given. */
export type NestedNumbers = number | readonly NestedNumbers[];

/** What `tensor()` accepts: a number, nested arrays, or a typed array. */
export type TensorLike = NestedArray | ArrayBufferView;

/** Flattens nested arrays row-major, returning the values and the inferred shape. */
function flatten(fn: string, data: unknown): { values: Array<number | bigint>; shape: number[]; hasBigInt: boolean } {
  const values: Array<number | bigint> = [];
  const shape: number[] = [];
  let hasBigInt = false;
  const walk = (v: unknown, depth: number): void => {
    if (typeof v === 'number' || typeof v === 'bigint') {
      if (depth !== shape.length && !(depth === 0 && shape.length === 0)) {
        throw new RangeError(
          `${fn}: ragged nested array (got a number at depth ${depth}, expected an array of length ${shape[depth]})`,
        );
      }
      if (typeof v === 'bigint') hasBigInt = true;
      values.push(v);
      return;
    }
    const isArr = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
    if (!isArr) throw new TypeError(`${fn}: data must be numbers or nested arrays of numbers (got ${describe(v)})`);
    const arr = v as ArrayLike<unknown>;
    if (depth === shape.length) {
      if (values.length > 0) {
        throw new RangeError(`${fn}: ragged nested array (got an array at depth ${depth}, expected a number)`);
      }
      shape.push(arr.length);
    } else if (shape[depth] !== arr.length) {
      throw new RangeError(
        `${fn}: ragged nested array (expected length ${shape[depth]} at depth ${depth}, got ${arr.length})`,
      );
    }
    for (let i = 0; i < arr.length; i++) walk(arr[i], depth + 1);
  };
  walk(data, 0);
  return { values, shape, hasBigInt };
}

/** Converts numbers to the storage of `dtype`; integer dtypes truncate toward zero like PyTorch casts. */
function toArray(fn: string, values: ArrayLike<number | bigint>, dtype: DType): TensorData {
  const n = values.length;
  if (dtype === 'int64') {
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v === 'bigint') out[i] = v;
      else {
        if (!Number.isFinite(v)) throw new RangeError(`${fn}: cannot convert ${v} to int64 (got ${v} at index ${i})`);
        out[i] = BigInt(Math.trunc(v));
      }
    }
    return out;
  }
  const out = new ARRAY_OF[dtype](n);
  for (let i = 0; i < n; i++) {
    const v = Number(values[i]);
    if (dtype === 'int32' && !Number.isFinite(v)) {
      throw new RangeError(`${fn}: cannot convert ${v} to int32 (got ${v} at index ${i})`);
    }
    out[i] = dtype === 'int32' ? Math.trunc(v) : v;
  }
  return out;
}

/** A tensor of zeros with `t`'s shape and dtype (the gradient of an empty batch). */
export function zerosLike<D extends DType>(t: Tensor<D>): Tensor<D> {
  return new Tensor(new ARRAY_OF[t.dtype](t.numel()) as TensorData, t.shape, t.dtype);
}

/** @internal Validates a user-given shape. */
export function checkShape(fn: string, shape: unknown): number[] {
  if (!Array.isArray(shape))
    throw new TypeError(`${fn}: shape must be an array of non-negative integers (got ${describe(shape)})`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`${fn}: shape must hold non-negative integers (got ${describe(shape)})`);
    }
  }
  return shape as number[];
}

/** @internal Validates a dtype name. */
export function checkDType(fn: string, dtype: unknown): DType {
  if (!DTYPES.includes(dtype as DType)) {
    throw new TypeError(
      `${fn}: dtype must be one of ${DTYPES.map((d) => `'${d}'`).join(', ')} (got ${describe(dtype)})`,
    );
  }
  return dtype as DType;
}

/**
 * Builds a Tensor, like `torch.tensor` (but numbers default to float32, not int64).
 *
 * A typed array of the requested dtype is shared, not copied (like `torch.as_tensor`); anything else is copied.
 * @param data A number, nested arrays of numbers, or a typed array (flat data is read row-major into `shape`).
 * @param options `shape` (default: the nesting of `data`) and `dtype` (default: the typed array's, else float32).
 * @throws {TypeError} For data that is not numeric, or an unknown dtype.
 * @throws {RangeError} For ragged arrays, or a `shape` whose element count differs from the data's.
 * @example
 * tensor([[0.5, 0.2, 0.3]]).toString(); // 'tensor([[0.5000, 0.2000, 0.3000]])'
 * tensor([1], { dtype: 'int64' });      // class indices
 */
export function tensor<D extends DType>(data: TensorLike, options: TensorOptions & { dtype: D }): Tensor<D>;
export function tensor(data: NestedNumbers | Float32Array, options?: { shape?: readonly number[] }): Tensor<'float32'>;
export function tensor(data: Float64Array, options?: { shape?: readonly number[] }): Tensor<'float64'>;
export function tensor(data: Int32Array, options?: { shape?: readonly number[] }): Tensor<'int32'>;
export function tensor(data: BigInt64Array, options?: { shape?: readonly number[] }): Tensor<'int64'>;
export function tensor(data: TensorLike, options?: TensorOptions): Tensor;
export function tensor(data: TensorLike, options: TensorOptions = {}): Tensor {
  const fn = 'tensor';
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${fn}: options must be an object (got ${describe(options)})`);
  const want = options.dtype === undefined ? undefined : checkDType(fn, options.dtype);
  let shape = options.shape === undefined ? undefined : checkShape(fn, options.shape);
  let array: TensorData;
  let flatShape: number[];
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const own = dtypeOfArray(data);
    const dtype = want ?? own ?? 'float32';
    array = own === dtype ? (data as TensorData) : toArray(fn, data as unknown as ArrayLike<number>, dtype);
    flatShape = [array.length];
  } else {
    const { values, shape: nested, hasBigInt } = flatten(fn, data);
    array = toArray(fn, values, want ?? (hasBigInt ? 'int64' : 'float32'));
    flatShape = nested;
  }
  const dtype = dtypeOfArray(array)!;
  if (shape === undefined) shape = flatShape;
  else if (numelOf(shape) !== array.length) {
    throw new RangeError(
      `${fn}: shape ${shapeStr(shape)} is invalid for input of size ${array.length} (got ${array.length} elements)`,
    );
  }
  return new Tensor(array, shape, dtype);
}
