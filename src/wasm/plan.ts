// The marshalling plan: how each operand of a kernel call reaches wasm memory, and how results come back.
//
// An operand is read in place when it is resident (alloc()ed) in the kernel's dtype and has the call's shape;
// otherwise it is copied chunk by chunk into a scratch slot (converting dtype, and expanding broadcast dimensions
// as it goes). Outputs are written by the kernel into scratch slots (or in place into a resident destination) and
// copied out; gradients of broadcast operands are summed back to the operand's shape. Chunks are CHUNK_BYTES per
// slot, so memory never grows with N. Losses never see any of this: they name kernels and hand over Tensors.
import type { TensorData } from '../tensor/dtype.js';
import { BYTES } from '../tensor/dtype.js';
import { broadcastStrides, numelOf, sameShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { residentOf } from '../tensor/tensor.js';
import { beginScratch, CHUNK_BYTES, heap, scratchBytes, takeScratch } from './memory.js';

/** The float dtype a kernel runs in. */
export type FloatDType = 'float32' | 'float64';

/** One operand of a chunked call. */
export interface Operand {
  /** The elements, read when copied (null when read in place). */
  readonly data: TensorData | null;
  /** Byte offset of the first element when read in place, else −1. */
  readonly ptr: number;
  /** Element strides into the call's shape (0 along broadcast dimensions), or null for the call's own shape. */
  readonly strides: readonly number[] | null;
  /** The operand's own shape. */
  readonly shape: readonly number[];
}

/** `t` as an operand of a call over `shape` in `dtype` (t must broadcast to shape). */
export function operandOf(t: Tensor, dtype: FloatDType, shape: readonly number[]): Operand {
  const same = sameShape(t.shape, shape);
  const r = residentOf(t);
  if (same && r && t.dtype === dtype) return { data: null, ptr: r.ptr, strides: null, shape: t.shape };
  return { data: t.data, ptr: -1, strides: same ? null : broadcastStrides(t.shape, shape), shape: t.shape };
}

/**
 * Copies elements [start, start + len) of `src` (read as broadcast to `shape` with `strides`) into `dst` at
 * index `at`, converting to `dst`'s element type. Runs along the last dimension are copied or filled whole.
 */
function fillBroadcast(
  dst: TensorData,
  at: number,
  src: TensorData,
  strides: readonly number[],
  shape: readonly number[],
  start: number,
  len: number,
): void {
  const rank = shape.length;
  const d = dst as Float64Array;
  if (rank === 0) {
    d[at] = Number(src[0]);
    return;
  }
  const idx = indexOf(start, shape);
  let off = offsetOf(idx, strides);
  const last = rank - 1;
  const step = strides[last];
  let done = 0;
  while (done < len) {
    const run = Math.min(shape[last] - idx[last], len - done);
    if (step === 1) d.set(src.subarray(off, off + run) as Float64Array, at + done);
    else if (step === 0) d.fill(Number(src[off]), at + done, at + done + run);
    else for (let i = 0; i < run; i++) d[at + done + i] = Number(src[off + i * step]);
    done += run;
    off += run * step;
    idx[last] += run;
    for (let k = last; k > 0 && idx[k] === shape[k]; k--) {
      off -= idx[k] * strides[k];
      idx[k] = 0;
      idx[k - 1] += 1;
      off += strides[k - 1];
    }
  }
}

/** The multi-index of flat position `flat` (row-major) in `shape`. */
function indexOf(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  let rem = flat;
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = rem % shape[k];
    rem = Math.floor(rem / shape[k]);
  }
  return idx;
}

/** The element offset of multi-index `idx` under `strides`. */
function offsetOf(idx: readonly number[], strides: readonly number[]): number {
  let off = 0;
  for (let k = 0; k < idx.length; k++) off += idx[k] * strides[k];
  return off;
}

/**
 * Adds chunk [start, start + len) of a gradient over the call's shape (`src` at index `at`) into `acc`, the
 * operand's gradient in float64, summing over its broadcast dimensions (strides 0).
 */
function sumToShape(
  acc: Float64Array,
  src: TensorData,
  at: number,
  strides: readonly number[],
  shape: readonly number[],
  start: number,
  len: number,
): void {
  const rank = shape.length;
  const s = src as Float64Array;
  if (rank === 0) {
    acc[0] += s[at];
    return;
  }
  const idx = indexOf(start, shape);
  let off = offsetOf(idx, strides);
  const last = rank - 1;
  const step = strides[last];
  for (let i = 0; i < len; i++) {
    acc[off] += s[at + i];
    off += step;
    if (++idx[last] === shape[last]) {
      for (let k = last; k > 0 && idx[k] === shape[k]; k--) {
        off -= idx[k] * strides[k];
        idx[k] = 0;
        idx[k - 1] += 1;
        off += strides[k - 1];
      }
    }
  }
}

/** Where one output of a chunked call goes. */
export interface Destination {
  /** The typed array receiving the output (of the operand's shape for gradients), or null when written in place. */
  readonly data: TensorData | null;
  /** Byte offset to write in place (a resident destination in the kernel's dtype and the call's shape), or −1. */
  readonly ptr: number;
  /** Broadcast strides of the operand this gradient belongs to (summed back to its shape), or null. */
  readonly strides: readonly number[] | null;
  /** That operand's shape (the call's shape when `strides` is null). */
  readonly shape: readonly number[];
}

/** A chunked pass over the n elements of a call's shape: stages operands, points kernels at outputs. */
export class ChunkedCall {
  readonly n: number;
  readonly chunk: number;
  readonly bytes: number;
  /** Kernel pointers of the operands for the current chunk. */
  readonly ptrs: number[];
  /** Kernel pointers of the outputs for the current chunk. */
  readonly outs: number[];
  /** Byte offsets of the extra scratch blocks the caller asked for (`extraBytes`), in order. */
  readonly extra: number[];
  private readonly slots: number[];
  private readonly outSlots: number[];
  private readonly sums: (Float64Array | null)[];

  /**
   * @param extraBytes Sizes of further scratch blocks reserved with the call's slots (e.g. per-row statistics of
   *   a row kernel), available as `extra`; valid until the next call begins.
   */
  constructor(
    fn: string,
    readonly dtype: FloatDType,
    readonly shape: readonly number[],
    readonly operands: readonly Operand[],
    readonly destinations: readonly Destination[] = [],
    extraBytes: readonly number[] = [],
  ) {
    this.n = numelOf(shape);
    this.bytes = BYTES[dtype];
    this.chunk = CHUNK_BYTES / this.bytes;
    const one = scratchBytes(Math.min(this.chunk, Math.max(this.n, 1)) * this.bytes);
    const copied = operands.filter((o) => o.ptr < 0).length + destinations.filter((d) => d.ptr < 0).length;
    const extra = extraBytes.map((b) => scratchBytes(b));
    beginScratch(fn, one * copied + extra.reduce((a, b) => a + b, 0));
    this.slots = operands.map((o) => (o.ptr < 0 ? takeScratch(one) : -1));
    this.outSlots = destinations.map((d) => (d.ptr < 0 ? takeScratch(one) : -1));
    this.extra = extra.map((b) => takeScratch(b));
    this.ptrs = operands.map((o) => o.ptr);
    this.outs = destinations.map((d) => d.ptr);
    this.sums = destinations.map((d) => (d.strides ? new Float64Array(numelOf(d.shape)) : null));
  }

  /** Stages chunk [start, start + len): operands copied where needed, `ptrs`/`outs` set for the kernel. */
  stage(start: number, len: number): void {
    const view = heap()[this.dtype];
    const b = this.bytes;
    for (let i = 0; i < this.operands.length; i++) {
      const o = this.operands[i];
      if (o.ptr >= 0) {
        this.ptrs[i] = o.ptr + start * b;
        continue;
      }
      const at = this.slots[i] / b;
      const src = o.data!;
      if (o.strides === null) {
        (view as Float64Array).set(
          (start === 0 && len === src.length ? src : src.subarray(start, start + len)) as Float64Array,
          at,
        );
      } else {
        fillBroadcast(view, at, src, o.strides, this.shape, start, len);
      }
      this.ptrs[i] = this.slots[i];
    }
    for (let i = 0; i < this.destinations.length; i++) {
      const d = this.destinations[i];
      this.outs[i] = d.ptr >= 0 ? d.ptr + start * b : this.outSlots[i];
    }
  }

  /** After the kernel ran on chunk [start, start + len): copies (or sums) every output out of scratch. */
  collect(start: number, len: number): void {
    const view = heap()[this.dtype] as Float64Array;
    const b = this.bytes;
    for (let i = 0; i < this.destinations.length; i++) {
      const d = this.destinations[i];
      if (d.ptr >= 0) continue;
      const at = this.outSlots[i] / b;
      const acc = this.sums[i];
      if (acc) sumToShape(acc, view, at, d.strides!, this.shape, start, len);
      else (d.data as Float64Array).set(view.subarray(at, at + len), start);
    }
  }

  /** Once every chunk is collected: writes the summed gradients of broadcast operands to their destinations. */
  finish(): void {
    for (let i = 0; i < this.destinations.length; i++) {
      const acc = this.sums[i];
      if (acc) (this.destinations[i].data as Float64Array).set(acc);
    }
  }
}
