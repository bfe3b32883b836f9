// Streaming CrossEntropy operands through the scratch arena: logits viewed as [outer, C, inner] go to the kernel in
// chunks of whole rows / class slabs (several when they are small), or, when one slab [C, inner] is larger than a
// chunk, in column blocks [C, len] of it. Memory therefore never grows with N; the scratch grows only when a
// single row or column block (C elements) is larger than the default chunk. Resident (`alloc`) logits in the
// kernel's dtype are read in place. The wasm-memory side of crossEntropy (src/losses/cross-entropy.ts).
import type { TensorData } from '../tensor/dtype.js';
import { BYTES } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { kernels } from './instance.js';
import { beginScratch, CHUNK_BYTES, heap, scratchBytes, takeScratch } from './memory.js';
import type { FloatDType } from './stream.js';

/** flags bits of the ce_* kernels. */
const HAS_WEIGHT = 1;
const WRITE_OUT = 2;

/** What a CrossEntropy call streams. */
export interface CrossEntropyJob {
  /** The kernel's dtype; logits, probabilities and weights are converted to it when copied. */
  dtype: FloatDType;
  /** Logits, read as [outer, C, inner]. */
  input: Tensor;
  outer: number;
  classes: number;
  inner: number;
  /** C class weights (any float typed array; converted to `dtype`), or null. */
  weight: Float32Array | Float64Array | null;
  /** Label smoothing ε (0 for none). */
  eps: number;
  /** Write one loss per position (reduction 'none'). */
  perPosition: boolean;
}

/** Index targets: one class index per position, int32 or int64 (narrowed in wasm). */
export interface IndexTargets {
  data: Int32Array | BigInt64Array;
  /** Byte offset when the targets are resident int32 in wasm memory, else -1. */
  residentPtr: number;
  ignoreIndex: number;
}

/** Sums over all positions, and the per-position losses when asked for. */
export interface CrossEntropySums {
  /** Σ w_t·nll over non-ignored positions (index targets), or Σ loss (probabilities). */
  loss: number;
  /** Σ smoothing terms (index targets with ε > 0). */
  smooth: number;
  /** Σ w_t over non-ignored positions (index targets). */
  weight: number;
  /** Position of the first target outside [0, C) that is not ignored, or -1. */
  bad: number;
  /** Per-position losses when `perPosition`, else null. */
  out: Float32Array | Float64Array | null;
}

/** One kernel call's share: slabs [o0, o0 + slabs), positions [j0, j0 + len) of each. */
interface Block {
  o0: number;
  slabs: number;
  j0: number;
  len: number;
}

/** Splits [outer, C, inner] into blocks of at most `chunk` logits (or one row / column block when C is larger). */
function* blocks(outer: number, C: number, inner: number, chunk: number): Generator<Block> {
  const slab = C * inner;
  if (inner === 1 || slab <= chunk) {
    const per = Math.max(1, Math.floor(chunk / Math.max(slab, 1)));
    for (let o0 = 0; o0 < outer; o0 += per) yield { o0, slabs: Math.min(per, outer - o0), j0: 0, len: inner };
    return;
  }
  let len = Math.max(1, Math.floor(chunk / Math.max(C, 1)));
  if (len >= 4) len -= len % 4; // whole SIMD groups in every block but the last
  for (let o0 = 0; o0 < outer; o0++) {
    for (let j0 = 0; j0 < inner; j0 += len) yield { o0, slabs: 1, j0, len: Math.min(len, inner - j0) };
  }
}

/** Largest block the generator yields: [logits, positions]. */
function blockCapacity(outer: number, C: number, inner: number, chunk: number): [number, number] {
  const slab = C * inner;
  if (inner === 1 || slab <= chunk) {
    const per = Math.min(Math.max(1, Math.floor(chunk / Math.max(slab, 1))), Math.max(outer, 1));
    return [per * slab, per * inner];
  }
  let len = Math.max(1, Math.floor(chunk / Math.max(C, 1)));
  if (len >= 4) len -= len % 4;
  len = Math.min(len, inner);
  return [len * C, len];
}

/** Copies block `b` of `src` (read as [outer, C, inner]) into the heap at element index `at`, as [slabs, C, len]. */
function copyBlock(dst: TensorData, at: number, src: TensorData, C: number, inner: number, b: Block): void {
  const d = dst as Float64Array;
  if (b.len === inner) {
    const start = b.o0 * C * inner;
    d.set(src.subarray(start, start + b.slabs * C * inner) as Float64Array, at);
    return;
  }
  const base = b.o0 * C * inner + b.j0;
  for (let c = 0; c < C; c++) {
    const s = base + c * inner;
    d.set(src.subarray(s, s + b.len) as Float64Array, at + c * b.len);
  }
}

interface Layout {
  chunk: number;
  w: number;
  x: number;
  q: number;
  t: number;
  out: number;
  res: number;
  maxPositions: number;
}

function layout(job: CrossEntropyJob, copyX: boolean, withQ: boolean, targetBytes: number): Layout {
  const bytes = BYTES[job.dtype];
  const chunk = CHUNK_BYTES / bytes;
  const [maxLogits, maxPositions] = blockCapacity(job.outer, job.classes, job.inner, chunk);
  const sizes = {
    w: job.weight ? job.classes * bytes : 0,
    x: copyX ? maxLogits * bytes : 0,
    q: withQ ? maxLogits * bytes : 0,
    t: maxPositions * targetBytes,
    out: job.perPosition ? maxPositions * bytes : 0,
    res: 24,
  };
  beginScratch(Object.values(sizes).reduce((a, n) => a + scratchBytes(n), 0));
  const take = (n: number): number => (n > 0 ? takeScratch(n) : 0);
  return {
    chunk, w: take(sizes.w), x: take(sizes.x), q: take(sizes.q), t: take(sizes.t), out: take(sizes.out),
    res: takeScratch(sizes.res), maxPositions,
  };
}

function stageWeight(job: CrossEntropyJob, at: number): void {
  if (job.weight) (heap()[job.dtype] as Float64Array).set(job.weight, at / BYTES[job.dtype]);
}

/** Pointer to block `b` of the logits (or probabilities): in place when resident in `dtype`, else copied to `at`. */
function stageFloat(t: Tensor, job: CrossEntropyJob, b: Block, at: number, inPlace: boolean): number {
  const bytes = BYTES[job.dtype];
  if (inPlace) return t.residentPtr + (b.o0 * job.classes * job.inner + b.j0) * bytes;
  copyBlock(heap()[job.dtype], at / bytes, t.data, job.classes, job.inner, b);
  return at;
}

function collect(out: Float32Array | Float64Array | null, job: CrossEntropyJob, ptr: number, p0: number, n: number): void {
  if (!out) return;
  const bytes = BYTES[job.dtype];
  out.set((heap()[job.dtype] as Float64Array).subarray(ptr / bytes, ptr / bytes + n), p0);
}

function newOut(job: CrossEntropyJob): Float32Array | Float64Array | null {
  if (!job.perPosition) return null;
  const n = job.outer * job.inner;
  return job.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

/**
 * CrossEntropy with class-index targets: streams logits and targets through `ce_index_*`, stopping at the first
 * out-of-range target. int64 targets are copied in as bytes and narrowed in wasm (values outside int32 become a
 * sentinel that is never a valid class nor `ignoreIndex`).
 */
export function crossEntropyIndex(job: CrossEntropyJob, targets: IndexTargets): CrossEntropySums {
  const k = kernels();
  const { dtype, input, classes: C, inner } = job;
  const xInPlace = input.residentPtr >= 0 && input.dtype === dtype;
  const wide = targets.data instanceof BigInt64Array;
  const tInPlace = !wide && targets.residentPtr >= 0;
  const L = layout(job, !xInPlace, false, wide ? 8 : 4);
  stageWeight(job, L.w);
  const kernel = dtype === 'float32' ? k.ce_index_f32 : k.ce_index_f64;
  const flags = (job.weight ? HAS_WEIGHT : 0) | (job.perPosition ? WRITE_OUT : 0);
  const sentinel = targets.ignoreIndex === -2147483648 ? -2147483647 : -2147483648;
  const out = newOut(job);
  const sums: CrossEntropySums = { loss: 0, smooth: 0, weight: 0, bad: -1, out };
  for (const b of blocks(job.outer, C, inner, L.chunk)) {
    const p0 = b.o0 * inner + b.j0;
    const n = b.slabs * b.len;
    const x = stageFloat(input, job, b, L.x, xInPlace);
    let t: number;
    if (tInPlace) t = targets.residentPtr + p0 * 4;
    else if (wide) {
      (heap().int64 as BigInt64Array).set((targets.data as BigInt64Array).subarray(p0, p0 + n), L.t / 8);
      k.narrow_i64_i32(L.t, L.t, n, sentinel);
      t = L.t;
    } else {
      (heap().int32 as Int32Array).set((targets.data as Int32Array).subarray(p0, p0 + n), L.t / 4);
      t = L.t;
    }
    const kInner = xInPlace ? inner : b.len;
    const bad = kernel(x, t, L.w, b.slabs, C, kInner, b.len, targets.ignoreIndex, job.eps, flags, L.out, L.res);
    if (bad >= 0) {
      // Compact block positions (o·len + j) back to positions of the whole target.
      sums.bad = (b.o0 + Math.floor(bad / b.len)) * inner + b.j0 + (bad % b.len);
      return sums;
    }
    const res = heap().float64 as Float64Array;
    sums.loss += res[L.res / 8];
    sums.smooth += res[L.res / 8 + 1];
    sums.weight += res[L.res / 8 + 2];
    collect(out, job, L.out, p0, n);
  }
  return sums;
}

/** CrossEntropy with class-probability targets (same shape as the logits): streams both through `ce_prob_*`. */
export function crossEntropyProb(job: CrossEntropyJob, probs: Tensor): CrossEntropySums {
  const k = kernels();
  const { dtype, input, classes: C, inner } = job;
  const inPlace = input.residentPtr >= 0 && input.dtype === dtype && probs.residentPtr >= 0 && probs.dtype === dtype;
  const L = layout(job, !inPlace, !inPlace, 0);
  stageWeight(job, L.w);
  const kernel = dtype === 'float32' ? k.ce_prob_f32 : k.ce_prob_f64;
  const flags = (job.weight ? HAS_WEIGHT : 0) | (job.perPosition ? WRITE_OUT : 0);
  const out = newOut(job);
  const sums: CrossEntropySums = { loss: 0, smooth: 0, weight: 0, bad: -1, out };
  for (const b of blocks(job.outer, C, inner, L.chunk)) {
    const p0 = b.o0 * inner + b.j0;
    const x = stageFloat(input, job, b, L.x, inPlace);
    const q = stageFloat(probs, job, b, L.q, inPlace);
    kernel(x, q, L.w, b.slabs, C, inPlace ? inner : b.len, b.len, job.eps, flags, L.out, L.res);
    sums.loss += (heap().float64 as Float64Array)[L.res / 8];
    collect(out, job, L.out, p0, b.slabs * b.len);
  }
  return sums;
}
