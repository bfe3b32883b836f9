// Streaming operands through the scratch arena in cache-sized chunks, so a reduction's memory never grows with
// N. Resident operands (alloc'ed in wasm memory, already in the kernel's dtype and shape) are passed in place.
import type { TensorData } from '../tensor/dtype.js';
import { BYTES } from '../tensor/dtype.js';
import { broadcastStrides, numelOf, sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { beginScratch, CHUNK_BYTES, heap, scratchBytes, takeScratch } from './memory.js';
import { kernels } from './instance.js';

/** The float dtype a kernel runs in. */
export type FloatDType = 'float32' | 'float64';

/** How one operand reaches the kernel. */
interface Plan {
  /** Byte offset of the operand's first element when it can be read in place; -1 when it is copied in. */
  direct: number;
  /** Broadcast strides into the call's shape, or null when the operand already has that shape. */
  strides: number[] | null;
  source: Tensor;
}

function planOperand(t: Tensor, dtype: FloatDType, shape: readonly number[]): Plan {
  const same = sameShape(t.shape, shape);
  const direct = same && t.dtype === dtype ? t.residentPtr : -1;
  return { direct, strides: same ? null : broadcastStrides(t.shape, shape), source: t };
}

/**
 * Copies elements [start, start + len) of `src` (read as broadcast to `shape` with `strides`) into `dst` at
 * index `at`, converting to `dst`'s element type. Runs along the last dimension are copied or filled whole.
 */
function fillBroadcast(
  dst: TensorData, at: number, src: TensorData, strides: readonly number[], shape: readonly number[],
  start: number, len: number,
): void {
  const rank = shape.length;
  if (rank === 0) {
    (dst as Float64Array)[at] = Number(src[0]);
    return;
  }
  const idx = new Array<number>(rank);
  let rem = start;
  let off = 0;
  for (let d = rank - 1; d >= 0; d--) {
    idx[d] = rem % shape[d];
    rem = Math.floor(rem / shape[d]);
    off += idx[d] * strides[d];
  }
  const last = rank - 1;
  const step = strides[last];
  let done = 0;
  while (done < len) {
    const run = Math.min(shape[last] - idx[last], len - done);
    if (step === 1) (dst as Float64Array).set(src.subarray(off, off + run) as Float64Array, at + done);
    else if (step === 0) (dst as Float64Array).fill(Number(src[off]), at + done, at + done + run);
    else for (let i = 0; i < run; i++) (dst as Float64Array)[at + done + i] = Number(src[off + i * step]);
    done += run;
    off += run * step;
    idx[last] += run;
    for (let d = last; d > 0 && idx[d] === shape[d]; d--) {
      off -= idx[d] * strides[d];
      idx[d] = 0;
      idx[d - 1] += 1;
      off += strides[d - 1];
    }
  }
}

/** Puts chunk [start, start + len) of each operand where the kernel reads it; writes the pointers to `ptrs`. */
function stage(plans: readonly Plan[], dtype: FloatDType, shape: readonly number[], scratch: readonly number[],
  start: number, len: number, ptrs: number[]): void {
  const bytes = BYTES[dtype];
  const view = heap()[dtype];
  for (let i = 0; i < plans.length; i++) {
    const p = plans[i];
    if (p.direct >= 0) {
      ptrs[i] = p.direct + start * bytes;
      continue;
    }
    const at = scratch[i] / bytes;
    const src = p.source.data;
    if (p.strides === null) (view as Float64Array).set(src.subarray(start, start + len) as Float64Array, at);
    else fillBroadcast(view, at, src, p.strides, shape, start, len);
    ptrs[i] = scratch[i];
  }
}

function chunkElements(dtype: FloatDType): number {
  return CHUNK_BYTES / BYTES[dtype];
}

/**
 * Σ over chunks of `kernel(ptrs, len)`, where `ptrs[i]` points at `len` elements of operand i (broadcast to
 * `shape`, converted to `dtype`). The kernel returns a float64 partial sum; the total is returned.
 */
export function streamSum(
  dtype: FloatDType, operands: readonly Tensor[], shape: readonly number[],
  kernel: (ptrs: number[], len: number) => number,
): number {
  kernels();
  const n = numelOf(shape);
  if (operands.length === 2 && sameLayout(operands[0], dtype, shape) && sameLayout(operands[1], dtype, shape)) {
    const [a, b] = operands;
    const ptrs = [0, 0];
    return sumPair(dtype, a.residentPtr < 0 ? a.data as Float64Array : null, a.residentPtr,
      b.residentPtr < 0 ? b.data as Float64Array : null, b.residentPtr, n,
      (pa, pb, len) => { ptrs[0] = pa; ptrs[1] = pb; return kernel(ptrs, len); });
  }
  const plans = operands.map((t) => planOperand(t, dtype, shape));
  const ptrs = new Array<number>(plans.length).fill(0);
  if (plans.every((p) => p.direct >= 0)) {
    for (let i = 0; i < plans.length; i++) ptrs[i] = plans[i].direct;
    return kernel(ptrs, n);
  }
  const chunk = chunkElements(dtype);
  const scratch = reserve(plans, Math.min(chunk, n), dtype, 0);
  let total = 0;
  for (let start = 0; start < n; start += chunk) {
    const len = Math.min(chunk, n - start);
    stage(plans, dtype, shape, scratch, start, len, ptrs);
    total += kernel(ptrs, len);
  }
  return total;
}

/** True when `t` is laid out exactly as the kernel reads it: the call's shape, in the kernel's dtype. */
function sameLayout(t: Tensor, dtype: FloatDType, shape: readonly number[]): boolean {
  return t.dtype === dtype && sameShape(t.shape, shape);
}

/**
 * The per-call fast path of a two-operand reduction (the common case: input and target of one shape and dtype).
 * Each operand is either host data (`a`/`b`, with `aPtr`/`bPtr` = -1), copied in chunk by chunk through the
 * scratch arena, or resident at byte offset `aPtr`/`bPtr` and read in place. No plans, no broadcasting, and no
 * allocation beyond the chunk views; `kernel(pa, pb, len)` returns the float64 partial sum of one chunk.
 */
export function sumPair(
  dtype: FloatDType, a: Float32Array | Float64Array | null, aPtr: number,
  b: Float32Array | Float64Array | null, bPtr: number, n: number,
  kernel: (pa: number, pb: number, len: number) => number,
): number {
  if (aPtr >= 0 && bPtr >= 0) return kernel(aPtr, bPtr, n);
  const bytes = BYTES[dtype];
  const chunk = CHUNK_BYTES / bytes;
  const one = scratchBytes(Math.min(chunk, n) * bytes);
  beginScratch(2 * one);
  const sa = aPtr >= 0 ? -1 : takeScratch(one);
  const sb = bPtr >= 0 ? -1 : takeScratch(one);
  // beginScratch may have grown the memory: take the view after it. Nothing below grows it.
  const view = heap()[dtype] as Float64Array;
  if (n <= chunk) {
    // One chunk: copy whole arrays, without making subarray views.
    if (sa >= 0) view.set(a as Float64Array, sa / bytes);
    if (sb >= 0) view.set(b as Float64Array, sb / bytes);
    return kernel(sa >= 0 ? sa : aPtr, sb >= 0 ? sb : bPtr, n);
  }
  let total = 0;
  for (let start = 0; start < n; start += chunk) {
    const len = Math.min(chunk, n - start);
    if (sa >= 0) view.set((a as Float64Array).subarray(start, start + len), sa / bytes);
    if (sb >= 0) view.set((b as Float64Array).subarray(start, start + len), sb / bytes);
    total += kernel(sa >= 0 ? sa : aPtr + start * bytes, sb >= 0 ? sb : bPtr + start * bytes, len);
  }
  return total;
}

/**
 * Elementwise map: `kernel(ptrs, out, len)` writes `len` results at `out` for each chunk; the results are
 * copied into a new JS typed array of `dtype` (never a view of wasm memory).
 */
export function streamMap(
  dtype: FloatDType, operands: readonly Tensor[], shape: readonly number[],
  kernel: (ptrs: number[], out: number, len: number) => void,
): Float32Array | Float64Array {
  kernels();
  const n = numelOf(shape);
  const result = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  if (n === 0) return result;
  const plans = operands.map((t) => planOperand(t, dtype, shape));
  const ptrs = new Array<number>(plans.length).fill(0);
  const chunk = chunkElements(dtype);
  const scratch = reserve(plans, Math.min(chunk, n), dtype, 1);
  const out = scratch[plans.length];
  const bytes = BYTES[dtype];
  for (let start = 0; start < n; start += chunk) {
    const len = Math.min(chunk, n - start);
    stage(plans, dtype, shape, scratch, start, len, ptrs);
    kernel(ptrs, out, len);
    const view = heap()[dtype] as Float64Array;
    result.set(view.subarray(out / bytes, out / bytes + len), start);
  }
  return result;
}

/** Sizes the arena for one chunk of every copied operand plus `extra` output chunks; returns their pointers. */
function reserve(plans: readonly Plan[], chunk: number, dtype: FloatDType, extra: number): number[] {
  const one = scratchBytes(chunk * BYTES[dtype]);
  beginScratch(one * (plans.length + extra));
  const ptrs: number[] = [];
  for (let i = 0; i < plans.length + extra; i++) ptrs.push(i < plans.length && plans[i].direct >= 0 ? -1 : takeScratch(one));
  return ptrs;
}
