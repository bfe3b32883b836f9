// Resident tensors: elements allocated in wasm memory, which losses read in place without a copy.
import type { DType, TensorData } from '../tensor/dtype.js';
import { BYTES } from '../tensor/dtype.js';
import { checkDType, checkShape, Tensor } from '../tensor/tensor.js';
import type { ResidentStorage } from '../tensor/tensor.js';
import { numelOf } from '../tensor/shape.js';
import { allocBlock, freeBlock, viewAt } from './memory.js';

class Block implements ResidentStorage {
  ptr: number;
  #view: TensorData | undefined;
  constructor(
    private readonly dtype: DType,
    private readonly length: number,
  ) {
    this.ptr = allocBlock(length * BYTES[dtype]);
    this.#view = viewAt(dtype, this.ptr, length);
  }
  view(): TensorData {
    // memory.grow detaches the old buffer (byteLength becomes 0): renew the view.
    if (this.#view === undefined || (this.#view.byteLength === 0 && this.length > 0)) {
      this.#view = viewAt(this.dtype, this.ptr, this.length);
    }
    return this.#view;
  }
  release(): void {
    if (this.ptr < 0) return;
    freeBlock(this.ptr);
    this.ptr = -1;
    this.#view = undefined;
  }
}

/**
 * A zero-filled Tensor resident in wasm memory: losses read it in place, with no copy. Fill it through `.data`
 * (a view that stays valid when the memory grows) and release it with `free()` or a `using` declaration.
 * @param shape Dimensions, outermost first.
 * @param dtype Element type (default `'float32'`).
 * @throws {RangeError} For a shape with negative or non-integer dimensions, or when wasm memory is exhausted.
 * @throws {TypeError} For an unknown dtype.
 * @example
 * const x = alloc([1024]);
 * x.data.set(myFloat32Array);
 * F.mseLoss(x, y);
 * x.free();
 */
export function alloc<D extends DType = 'float32'>(shape: readonly number[], dtype: D = 'float32' as D): Tensor<D> {
  const s = checkShape('alloc', shape);
  const d = checkDType('alloc', dtype);
  const block = new Block(d, numelOf(s));
  const zeros = viewAt(d, block.ptr, numelOf(s));
  if (zeros instanceof BigInt64Array) zeros.fill(0n);
  else zeros.fill(0);
  return new Tensor(block, s, d as D);
}
