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

/**
 * How [outer, C, inner] splits into blocks of at most `chunk` logits: whole slabs (`per` of them, several when
 * they are small), or, when one slab [C, inner] is larger than a chunk, column blocks of `len` positions of it.
 * Blocks are numbered 0 … count − 1 and filled in by `blockAt`, so the per-call path allocates no iterator.
 */
interface Blocks {
  count: number;
  /** Slabs per block (whole-slab split), else 0. */
  per: number;
  /** Positions per column block (column split). */
  len: number;
  /** Column blocks per slab (column split). */
  perSlab: number;
  /** Largest block: [logits, positions]. */
  maxLogits: number;
  maxPositions: number;
}

function blocksOf(outer: number, C: number, inner: number, chunk: number): Blocks {
  const slab = C * inner;
  if (inner === 1 || slab <= chunk) {
    const per = Math.max(1, Math.floor(chunk / Math.max(slab, 1)));
    const most = Math.min(per, Math.max(outer, 1));
    return { count: Math.ceil(outer / per), per, len: inner, perSlab: 1, maxLogits: most * slab, maxPositions: most * inner };
  }
  let len = Math.max(1, Math.floor(chunk / Math.max(C, 1)));
  if (len >= 4) len -= len % 4; // whole SIMD groups in every block but the last
  len = Math.min(len, inner);
  const perSlab = Math.ceil(inner / len);
  return { count: outer * perSlab, per: 0, len, perSlab, maxLogits: len * C, maxPositions: len };
}

/** Fills `b` with block `i` of `bl`. */
function blockAt(bl: Blocks, outer: number, inner: number, i: number, b: Block): void {
  if (bl.per > 0) {
    b.o0 = i * bl.per;
    b.slabs = Math.min(bl.per, outer - b.o0);
    b.j0 = 0;
    b.len = inner;
  } else {
    b.o0 = Math.floor(i / bl.perSlab);
    b.slabs = 1;
    b.j0 = (i % bl.perSlab) * bl.len;
    b.len = Math.min(bl.len, inner - b.j0);
  }
}

/** dst.set(src[start, end)) at `at`, without a subarray view when the range is all of src (the common small call). */
function setRange(dst: TensorData, at: number, src: TensorData, start: number, end: number): void {
  const d = dst as Float64Array;
  if (start === 0 && end === src.length) d.set(src as Float64Array, at);
  else d.set(src.subarray(start, end) as Float64Array, at);
}

/** Copies block `b` of `src` (read as [outer, C, inner]) into the heap at element index `at`, as [slabs, C, len]. */
function copyBlock(dst: TensorData, at: number, src: TensorData, C: number, inner: number, b: Block): void {
  if (b.len === inner) {
    const start = b.o0 * C * inner;
    setRange(dst, at, src, start, start + b.slabs * C * inner);
    return;
  }
  const base = b.o0 * C * inner + b.j0;
  for (let c = 0; c < C; c++) {
    const s = base + c * inner;
    setRange(dst, at + c * b.len, src, s, s + b.len);
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
}

function layout(job: CrossEntropyJob, bl: Blocks, copyX: boolean, withQ: boolean, targetBytes: number): Layout {
  const bytes = BYTES[job.dtype];
  const w = job.weight ? job.classes * bytes : 0;
  const x = copyX ? bl.maxLogits * bytes : 0;
  const q = withQ ? bl.maxLogits * bytes : 0;
  const t = bl.maxPositions * targetBytes;
  const out = job.perPosition ? bl.maxPositions * bytes : 0;
  beginScratch(scratchBytes(w) + scratchBytes(x) + scratchBytes(q) + scratchBytes(t) + scratchBytes(out) + scratchBytes(24));
  return {
    chunk: CHUNK_BYTES / bytes, w: take(w), x: take(x), q: take(q), t: take(t), out: take(out), res: takeScratch(24),
  };
}

function take(n: number): number {
  return n > 0 ? takeScratch(n) : 0;
}

function stageWeight(job: CrossEntropyJob, at: number): void {
  if (job.weight) (heap()[job.dtype] as Float64Array).set(job.weight, at / BYTES[job.dtype]);
}

/** Pointer to block `b` of the logits (or probabilities): in place when resident in `dtype`, else copied to `at`. */
function stageFloat(t: Tensor, job: CrossEntropyJob, b: Block, at: number, inPlace: boolean, h: TensorData): number {
  const bytes = BYTES[job.dtype];
  if (inPlace) return t.residentPtr + (b.o0 * job.classes * job.inner + b.j0) * bytes;
  copyBlock(h, at / bytes, t.data, job.classes, job.inner, b);
  return at;
}

function collect(out: Float32Array | Float64Array | null, h: TensorData, ptr: number, bytes: number, p0: number, n: number): void {
  if (out) out.set((h as Float64Array).subarray(ptr / bytes, ptr / bytes + n), p0);
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
  const { dtype, input, outer, classes: C, inner } = job;
  const xInPlace = input.residentPtr >= 0 && input.dtype === dtype;
  const wide = targets.data instanceof BigInt64Array;
  const tInPlace = !wide && targets.residentPtr >= 0;
  const bl = blocksOf(outer, C, inner, CHUNK_BYTES / BYTES[dtype]);
  const L = layout(job, bl, !xInPlace, false, wide ? 8 : 4);
  stageWeight(job, L.w);
  const kernel = dtype === 'float32' ? k.ce_index_f32 : k.ce_index_f64;
  const flags = (job.weight ? HAS_WEIGHT : 0) | (job.perPosition ? WRITE_OUT : 0);
  const sentinel = targets.ignoreIndex === -2147483648 ? -2147483647 : -2147483648;
  const out = newOut(job);
  const sums: CrossEntropySums = { loss: 0, smooth: 0, weight: 0, bad: -1, out };
  // Nothing below allocates wasm memory, so these views stay valid for the whole call.
  const h = heap();
  const hx = h[dtype];
  const res = h.float64 as Float64Array;
  const r0 = L.res / 8;
  const b: Block = { o0: 0, slabs: 0, j0: 0, len: 0 };
  for (let i = 0; i < bl.count; i++) {
    blockAt(bl, outer, inner, i, b);
    const p0 = b.o0 * inner + b.j0;
    const n = b.slabs * b.len;
    const x = stageFloat(input, job, b, L.x, xInPlace, hx);
    let t: number;
    if (tInPlace) t = targets.residentPtr + p0 * 4;
    else if (wide) {
      setRange(h.int64, L.t / 8, targets.data, p0, p0 + n);
      k.narrow_i64_i32(L.t, L.t, n, sentinel);
      t = L.t;
    } else {
      setRange(h.int32, L.t / 4, targets.data, p0, p0 + n);
      t = L.t;
    }
    const kInner = xInPlace ? inner : b.len;
    const bad = kernel(x, t, L.w, b.slabs, C, kInner, b.len, targets.ignoreIndex, job.eps, flags, L.out, L.res);
    if (bad >= 0) {
      // Compact block positions (o·len + j) back to positions of the whole target.
      sums.bad = (b.o0 + Math.floor(bad / b.len)) * inner + b.j0 + (bad % b.len);
      return sums;
    }
    sums.loss += res[r0];
    sums.smooth += res[r0 + 1];
    sums.weight += res[r0 + 2];
    collect(out, hx, L.out, BYTES[dtype], p0, n);
  }
  return sums;
}

/** CrossEntropy with class-probability targets (same shape as the logits): streams both through `ce_prob_*`. */
export function crossEntropyProb(job: CrossEntropyJob, probs: Tensor): CrossEntropySums {
  const k = kernels();
  const { dtype, input, outer, classes: C, inner } = job;
  const inPlace = input.residentPtr >= 0 && input.dtype === dtype && probs.residentPtr >= 0 && probs.dtype === dtype;
  const bl = blocksOf(outer, C, inner, CHUNK_BYTES / BYTES[dtype]);
  const L = layout(job, bl, !inPlace, !inPlace, 0);
  stageWeight(job, L.w);
  const kernel = dtype === 'float32' ? k.ce_prob_f32 : k.ce_prob_f64;
  const flags = (job.weight ? HAS_WEIGHT : 0) | (job.perPosition ? WRITE_OUT : 0);
  const out = newOut(job);
  const sums: CrossEntropySums = { loss: 0, smooth: 0, weight: 0, bad: -1, out };
  const h = heap(); // valid for the whole call: nothing below allocates wasm memory
  const hx = h[dtype];
  const b: Block = { o0: 0, slabs: 0, j0: 0, len: 0 };
  for (let i = 0; i < bl.count; i++) {
    blockAt(bl, outer, inner, i, b);
    const p0 = b.o0 * inner + b.j0;
    const x = stageFloat(input, job, b, L.x, inPlace, hx);
    const q = stageFloat(probs, job, b, L.q, inPlace, hx);
    kernel(x, q, L.w, b.slabs, C, inPlace ? inner : b.len, b.len, job.eps, flags, L.out, L.res);
    sums.loss += (h.float64 as Float64Array)[L.res / 8];
    collect(out, hx, L.out, BYTES[dtype], p0, b.slabs * b.len);
  }
  return sums;
}
