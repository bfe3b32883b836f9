// Resident tensors: elements allocated in wasm memory, which losses read (and write gradients to) in place.
import type { DType, TensorData } from '../tensor/dtype.js';
import { BYTES } from '../tensor/dtype.js';
import { numelOf } from '../tensor/shape.js';
import type { ResidentStorage } from '../tensor/tensor.js';
import { checkDType, checkShape, Tensor } from '../tensor/tensor.js';
import { allocBlock, freeBlock, viewAt } from './memory.js';

class Block implements ResidentStorage {
  ptr: number;
  readonly view: TensorData;
  constructor(dtype: DType, length: number) {
    this.ptr = allocBlock('alloc', length * BYTES[dtype], true);
    // One view for the tensor's life: memory.ts keeps it valid when the memory grows.
    this.view = viewAt(dtype, this.ptr, length);
  }
  release(): void {
    if (this.ptr < 0) return;
    freeBlock(this.ptr, true);
    this.ptr = -1;
  }
}

/**
 * A zero-filled Tensor resident in wasm memory: losses read it in place, with no copy, and write gradients into it
 * when it is passed as a gradient output. Fill it through `.data`, a view you may keep and write through for as
 * long as the tensor lives (growing wasm memory does not detach it); release it with `free()` or `using`.
 * @param shape Dimensions, outermost first.
 * @param dtype Element type (default `'float32'`).
 * @throws {RangeError} For a shape with negative or non-integer dimensions, or when wasm memory is exhausted (or,
 *   on engines with neither resizable nor shared WebAssembly memory, would have to grow while other alloc()ed
 *   tensors are alive).
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
  if (block.view instanceof BigInt64Array) block.view.fill(0n);
  else block.view.fill(0);
  return new Tensor(block, s, d as D);
}
