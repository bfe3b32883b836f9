// Running the row kernels (assembly/rows/: softmax statistics, CrossEntropy/NLL terms and gradients) over logits
// viewed as [outer, C, inner], through the marshalling plan's scratch: blocks of whole rows / class slabs (several
// when they are small), or, when one slab [C, inner] is larger than a chunk, column blocks [C, len] of it. Memory
// never grows with N; the scratch grows only when one row (C elements) is larger than a chunk. Logits (and
// probabilities, gradients) resident in the kernel's dtype are used in place when every row operand of the call is;
// otherwise all are copied to compact blocks [slabs, C, len]. Per-position operands (targets, losses, upstream
// gradients, statistics) are contiguous within a block.
import type { TensorData } from '../tensor/dtype.js';
import { ARRAY_OF, BYTES } from '../tensor/dtype.js';
import { residentOf, Tensor } from '../tensor/tensor.js';
import { kernels } from './instance.js';
import { beginScratch, CHUNK_BYTES, heap, scratchBytes, takeScratch } from './memory.js';
import type { FloatDType } from './plan.js';

/** The logits' geometry and what every row kernel of a call shares. */
export interface RowsJob {
  readonly fn: string;
  /** The kernels' dtype; logits, probabilities and weights are converted to it when copied. */
  readonly dtype: FloatDType;
  /** Logits (or log-probabilities), read as [outer, C, inner]. */
  readonly x: Tensor;
  readonly outer: number;
  readonly classes: number;
  readonly inner: number;
  /** C class weights (converted to `dtype`), or null. */
  readonly weight: Tensor | null;
  /** Label smoothing ε (0 for none). */
  readonly eps: number;
  /** x holds log-probabilities (NLL): no softmax statistics. */
  readonly logProbs: boolean;
}

/** Class-index targets, one per position: int32, or int64 (narrowed to int32 in wasm as they are staged). */
export interface IndexTargets {
  readonly data: Int32Array | BigInt64Array;
  readonly ignoreIndex: number;
}

/** Softmax statistics of every position, kept by a forward for its backward: m and s (SoA, float64). */
export interface SoftmaxStats {
  readonly m: Float64Array;
  readonly s: Float64Array;
}

// ---------------------------------------------------------------------------------------------------------------
// Blocks

/** One kernel call's share: slabs [o0, o0 + slabs), positions [j0, j0 + len) of each. */
interface Block {
  o0: number;
  slabs: number;
  j0: number;
  len: number;
}

interface Blocks {
  count: number;
  /** Slabs per block (whole-slab split), else 0. */
  per: number;
  /** Positions per column block (column split). */
  len: number;
  /** Column blocks per slab (column split). */
  perSlab: number;
  /** Largest block: logits and positions. */
  maxLogits: number;
  maxPositions: number;
}

function blocksOf(outer: number, C: number, inner: number, chunk: number): Blocks {
  const slab = C * inner;
  if (inner === 1 || slab <= chunk) {
    const per = Math.max(1, Math.floor(chunk / Math.max(slab, 1)));
    const most = Math.min(per, Math.max(outer, 1));
    return {
      count: Math.ceil(outer / per),
      per,
      len: inner,
      perSlab: 1,
      maxLogits: most * slab,
      maxPositions: most * inner,
    };
  }
  let len = Math.max(1, Math.floor(chunk / Math.max(C, 1)));
  if (len >= 4) len -= len % 4; // whole SIMD groups in every block but the last
  len = Math.min(len, inner);
  const perSlab = Math.ceil(inner / len);
  return { count: outer * perSlab, per: 0, len, perSlab, maxLogits: len * C, maxPositions: len };
}

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

/** Copies block `b` of `src` ([outer, C, inner]) to `dst` at element `at` as [slabs, C, len] (or back, `out`). */
function moveBlock(
  heapView: TensorData,
  at: number,
  t: TensorData,
  C: number,
  inner: number,
  b: Block,
  out: boolean,
): void {
  const runs = b.len === inner ? 1 : C;
  const runLen = b.len === inner ? b.slabs * C * inner : b.len;
  const base = b.o0 * C * inner + b.j0;
  for (let c = 0; c < runs; c++) {
    const s = base + c * inner;
    if (out) (t as Float64Array).set((heapView as Float64Array).subarray(at + c * runLen, at + (c + 1) * runLen), s);
    else setRange(heapView, at + c * runLen, t, s, s + runLen);
  }
}

/** The scratch layout of a call: one slot per row operand, per-position slots, and 16 float64 of results. */
interface Layout {
  bl: Blocks;
  /** Row operands and outputs read/written in place (with the whole tensor's inner) rather than copied. */
  inPlace: boolean;
  w: number;
  rows: number[];
  positions: number[];
  stats: number;
  res: number;
}

/**
 * Sizes the scratch for `rowSlots` row operands (x, y, gx, gy) and `positionSlots` per-position ones of
 * `positionBytes` each (targets, out, g), plus the statistics of a block and the weights.
 */
function layoutOf(job: RowsJob, rowSlots: number, positionBytes: readonly number[], inPlace: boolean): Layout {
  const bytes = BYTES[job.dtype];
  const bl = blocksOf(job.outer, job.classes, job.inner, CHUNK_BYTES / bytes);
  const row = inPlace ? 0 : scratchBytes(bl.maxLogits * bytes);
  const pos = positionBytes.map((b) => scratchBytes(bl.maxPositions * b));
  const stats = scratchBytes(2 * bl.maxPositions * 8);
  const w = job.weight ? scratchBytes(job.classes * bytes) : 0;
  beginScratch(job.fn, w + rowSlots * row + pos.reduce((a, b) => a + b, 0) + stats + scratchBytes(16 * 8));
  const L: Layout = {
    bl,
    inPlace,
    w: w > 0 ? takeScratch(w) : 0,
    rows: Array.from({ length: rowSlots }, () => (row > 0 ? takeScratch(row) : 0)),
    positions: pos.map((b) => takeScratch(b)),
    stats: takeScratch(stats),
    res: takeScratch(16 * 8),
  };
  if (job.weight) (heap()[job.dtype] as Float64Array).set(job.weight.data as Float64Array, L.w / bytes);
  return L;
}

/** True when `t` can be read or written in place: resident in the kernel's dtype. */
function residentIn(t: Tensor | null, dtype: FloatDType): boolean {
  return t === null || (residentOf(t) !== undefined && t.dtype === dtype);
}

/** The kernel pointer of row operand `t` for block `b`: in place, or its copy (when `copyIn`) in `slot`. */
function rowPointer(
  t: Tensor,
  job: RowsJob,
  L: Layout,
  b: Block,
  slot: number,
  copyIn: boolean,
  h: TensorData,
): number {
  const bytes = BYTES[job.dtype];
  if (L.inPlace) return residentOf(t)!.ptr + (b.o0 * job.classes * job.inner + b.j0) * bytes;
  if (copyIn) moveBlock(h, slot / bytes, t.data, job.classes, job.inner, b, false);
  return slot;
}

/** Stages the block's targets (int32, narrowing int64 in wasm) into `slot`; returns the kernel's pointer. */
function targetPointer(t: IndexTargets, slot: number, p0: number, n: number): number {
  const h = heap();
  if (t.data instanceof BigInt64Array) {
    setRange(h.int64, slot / 8, t.data, p0, p0 + n);
    // Values outside int32 become a sentinel that is never a valid class nor ignore_index.
    kernels().narrow_i64_i32(slot, slot, n, t.ignoreIndex === -2147483648 ? -2147483647 : -2147483648);
  } else {
    setRange(h.int32, slot / 4, t.data, p0, p0 + n);
  }
  return slot;
}

function forEachBlock(job: RowsJob, L: Layout, body: (b: Block, p0: number, n: number, inner: number) => void): void {
  const b: Block = { o0: 0, slabs: 0, j0: 0, len: 0 };
  for (let i = 0; i < L.bl.count; i++) {
    blockAt(L.bl, job.outer, job.inner, i, b);
    body(b, b.o0 * job.inner + b.j0, b.slabs * b.len, L.inPlace ? job.inner : b.len);
  }
}

const SUFFIX = { float32: 'f32', float64: 'f64' } as const;

type Rows = Record<string, (...args: number[]) => number>;

function rowKernel(name: string, dtype: FloatDType): (...args: number[]) => number {
  return (kernels() as unknown as Rows)[`${name}_${SUFFIX[dtype]}`];
}

/**
 * Stats of block b into L.stats (SoA over the block's n positions), or nothing for log-probabilities. `wide`: the
 * float64-accurate statistics of float32 logits, for gradients (a loss value alone takes float32 lanes).
 */
function stats(job: RowsJob, L: Layout, x: number, b: Block, inner: number, wide: boolean): number {
  if (job.logProbs) return 0;
  rowKernel(wide ? 'softmax_stats_wide' : 'softmax_stats', job.dtype)(x, b.slabs, job.classes, inner, b.len, L.stats);
  return L.stats;
}

function saveStats(saved: SoftmaxStats | null, L: Layout, p0: number, n: number): void {
  if (!saved) return;
  const h = heap().float64 as Float64Array;
  const at = L.stats / 8;
  saved.m.set(h.subarray(at, at + n), p0);
  saved.s.set(h.subarray(at + n, at + 2 * n), p0);
}

function loadStats(saved: SoftmaxStats, L: Layout, p0: number, n: number): number {
  const h = heap().float64 as Float64Array;
  const at = L.stats / 8;
  h.set(saved.m.subarray(p0, p0 + n), at);
  h.set(saved.s.subarray(p0, p0 + n), at + n);
  return L.stats;
}

function newStats(job: RowsJob): SoftmaxStats | null {
  if (job.logProbs) return null;
  const P = job.outer * job.inner;
  return { m: new Float64Array(P), s: new Float64Array(P) };
}

function newFloats(dtype: FloatDType, n: number): Float32Array | Float64Array {
  return new ARRAY_OF[dtype](n);
}

// ---------------------------------------------------------------------------------------------------------------
// Index targets

/** The result of validating index targets: the first bad position (−1 if none) and Σ w_t over kept positions. */
export interface TargetCheck {
  readonly bad: number;
  readonly weightSum: number;
}

/** Validates every target (in [0, C) or ignoreIndex) and sums their weights; stops at the first bad one. */
export function checkTargets(job: RowsJob, t: IndexTargets): TargetCheck {
  const k = rowKernel('ce_targets', job.dtype);
  const P = job.outer * job.inner;
  const chunk = CHUNK_BYTES / 8;
  const w = job.weight ? scratchBytes(job.classes * BYTES[job.dtype]) : 0;
  beginScratch(job.fn, w + scratchBytes(chunk * 8) + scratchBytes(8));
  const wp = w > 0 ? takeScratch(w) : 0;
  if (job.weight) (heap()[job.dtype] as Float64Array).set(job.weight.data as Float64Array, wp / BYTES[job.dtype]);
  const slot = takeScratch(chunk * 8);
  const res = takeScratch(8);
  let sum = 0;
  for (let p0 = 0; p0 < P; p0 += chunk) {
    const n = Math.min(chunk, P - p0);
    const bad = k(targetPointer(t, slot, p0, n), wp, n, job.classes, t.ignoreIndex, res);
    if (bad >= 0) return { bad: p0 + bad, weightSum: NaN };
    sum += (heap().float64 as Float64Array)[res / 8];
  }
  return { bad: -1, weightSum: sum };
}

/** Sums of an index-target forward, the per-position losses when asked, and the statistics when saved. */
export interface IndexLoss {
  readonly nll: number;
  readonly smooth: number;
  readonly out: Float32Array | Float64Array | null;
  readonly stats: SoftmaxStats | null;
}

/**
 * The loss terms of validated index targets (see assembly/rows/cross_entropy.ts): Σ nll, Σ smooth, and with
 * `perPosition` each position's loss; with `save` the softmax statistics for a backward.
 */
export function indexLoss(job: RowsJob, t: IndexTargets, perPosition: boolean, save: boolean): IndexLoss {
  const inPlace = residentIn(job.x, job.dtype);
  const L = layoutOf(job, 1, [4, perPosition ? BYTES[job.dtype] : 0], inPlace);
  const loss = rowKernel('ce_index_loss', job.dtype);
  const flags = perPosition ? kernels().CE_WRITE_OUT.value : 0;
  const out = perPosition ? newFloats(job.dtype, job.outer * job.inner) : null;
  // A float32 forward keeps no statistics: its loss takes float32 lanes; the backward without smoothing needs none
  // (ce_index_fused_* recompute m and s in the pass that writes the gradient, which costs less than reading
  // e^(x − m) against saved ones), and the others compute the float64-accurate ones they need.
  const saved = save && job.dtype === 'float64' ? newStats(job) : null;
  const h = heap();
  let nll = 0,
    smooth = 0;
  forEachBlock(job, L, (b, p0, n, inner) => {
    const x = rowPointer(job.x, job, L, b, L.rows[0], true, h[job.dtype]);
    const tp = targetPointer(t, L.positions[0], p0, n);
    const st = stats(job, L, x, b, inner, false);
    saveStats(saved, L, p0, n);
    loss(x, tp, L.w, st, b.slabs, job.classes, inner, b.len, t.ignoreIndex, job.eps, flags, L.positions[1], L.res);
    nll += (h.float64 as Float64Array)[L.res / 8];
    smooth += (h.float64 as Float64Array)[L.res / 8 + 1];
    if (out) setRange(out, p0, h[job.dtype], L.positions[1] / BYTES[job.dtype], L.positions[1] / BYTES[job.dtype] + n);
  });
  return { nll, smooth, out, stats: saved };
}

/** The upstream gradient: a number for every position (already scaled), or per position (reduction 'none'). */
export type Upstream = number | Float32Array | Float64Array;

/** Where a row gradient goes: the given tensor (its data, or in place when resident in dtype), or a new one. */
function rowGradTarget(like: Tensor, into: Tensor | null): Tensor {
  return into ?? new Tensor(newFloats(like.dtype as FloatDType, like.numel()), like.shape, like.dtype);
}

function upstreamPointer(g: Upstream, job: RowsJob, slot: number, p0: number, n: number): number {
  if (typeof g === 'number') return 0;
  setRange(heap()[job.dtype], slot / BYTES[job.dtype], g, p0, p0 + n);
  return slot;
}

/**
 * ∂loss/∂x for validated index targets, from the statistics a forward saved (or computed here, block by block,
 * when `saved` is null). With `withLoss` (the fused valueAndGrad path, saved null) the loss sums as well; a
 * backward after a forward passes false and runs no loss kernel.
 */
export function indexGrad(
  job: RowsJob,
  t: IndexTargets,
  saved: SoftmaxStats | null,
  g: Upstream,
  into: Tensor | null,
  withLoss: boolean,
): { grad: Tensor; nll: number; smooth: number } {
  const gx = rowGradTarget(job.x, into);
  const inPlace = residentIn(job.x, job.dtype) && residentIn(gx, job.dtype);
  const L = layoutOf(job, 2, [4, typeof g === 'number' ? 0 : BYTES[job.dtype]], inPlace);
  const grad = rowKernel('ce_index_grad', job.dtype);
  const loss = rowKernel('ce_index_loss', job.dtype);
  const gs = typeof g === 'number' ? g : 0;
  const h = heap();
  // float32 without smoothing: one kernel (assembly/rows/ce_fused.ts; rows, or columns when inner > 1) gives the
  // gradient and the loss sum in float32 lanes, with no statistics.
  const fused = job.dtype === 'float32' && job.eps === 0 && !job.logProbs && !saved;
  let nll = 0,
    smooth = 0;
  forEachBlock(job, L, (b, p0, n, inner) => {
    const x = rowPointer(job.x, job, L, b, L.rows[0], true, h[job.dtype]);
    const gp = rowPointer(gx, job, L, b, L.rows[1], false, h[job.dtype]);
    const tp = targetPointer(t, L.positions[0], p0, n);
    if (fused) {
      const up = upstreamPointer(g, job, L.positions[1], p0, n);
      const k = kernels();
      if (job.inner === 1) k.ce_index_fused_f32(x, tp, L.w, b.slabs, job.classes, t.ignoreIndex, up, gs, gp, L.res);
      else k.ce_index_fused_cols_f32(x, tp, L.w, b.slabs, job.classes, inner, b.len, t.ignoreIndex, up, gs, gp, L.res);
      nll += (h.float64 as Float64Array)[L.res / 8];
      if (!inPlace) moveBlock(h[job.dtype], gp / BYTES[job.dtype], gx.data, job.classes, job.inner, b, true);
      return;
    }
    let st = 0;
    if (!job.logProbs) {
      if (saved) st = loadStats(saved, L, p0, n);
      else {
        st = stats(job, L, x, b, inner, true);
        if (withLoss) {
          loss(x, tp, L.w, st, b.slabs, job.classes, inner, b.len, t.ignoreIndex, job.eps, 0, 0, L.res);
          nll += (h.float64 as Float64Array)[L.res / 8];
          smooth += (h.float64 as Float64Array)[L.res / 8 + 1];
        }
      }
    } else if (withLoss) {
      loss(x, tp, L.w, 0, b.slabs, job.classes, inner, b.len, t.ignoreIndex, job.eps, 0, 0, L.res);
      nll += (h.float64 as Float64Array)[L.res / 8];
    }
    grad(
      x,
      tp,
      L.w,
      st,
      b.slabs,
      job.classes,
      inner,
      b.len,
      t.ignoreIndex,
      job.eps,
      upstreamPointer(g, job, L.positions[1], p0, n),
      gs,
      gp,
    );
    if (!inPlace) moveBlock(h[job.dtype], gp / BYTES[job.dtype], gx.data, job.classes, job.inner, b, true);
  });
  return { grad: gx, nll, smooth };
}

// ---------------------------------------------------------------------------------------------------------------
// Probability targets

/** Σ_p A_p (the loss summed is −Σ A), per-position losses when asked, statistics when saved. */
export interface ProbLoss {
  readonly total: number;
  readonly out: Float32Array | Float64Array | null;
  readonly stats: SoftmaxStats | null;
}

/** The loss terms of class-probability targets `y` (x's shape). */
export function probLoss(job: RowsJob, y: Tensor, perPosition: boolean, save: boolean): ProbLoss {
  const inPlace = residentIn(job.x, job.dtype) && residentIn(y, job.dtype);
  const L = layoutOf(job, 2, [perPosition ? BYTES[job.dtype] : 0], inPlace);
  const loss = rowKernel('ce_prob_loss', job.dtype);
  const flags = perPosition ? kernels().CE_WRITE_OUT.value : 0;
  const out = perPosition ? newFloats(job.dtype, job.outer * job.inner) : null;
  // A float32 forward keeps no statistics: its loss takes float32 lanes, and the backward computes the
  // float64-accurate ones it needs itself.
  const saved = save && job.dtype === 'float64' ? newStats(job) : null;
  const h = heap();
  let total = 0;
  forEachBlock(job, L, (b, p0, n, inner) => {
    const x = rowPointer(job.x, job, L, b, L.rows[0], true, h[job.dtype]);
    const yp = rowPointer(y, job, L, b, L.rows[1], true, h[job.dtype]);
    const st = stats(job, L, x, b, inner, false);
    saveStats(saved, L, p0, n);
    loss(x, yp, L.w, st, b.slabs, job.classes, inner, b.len, job.eps, flags, L.positions[0], L.res);
    total += (h.float64 as Float64Array)[L.res / 8];
    if (out) setRange(out, p0, h[job.dtype], L.positions[0] / BYTES[job.dtype], L.positions[0] / BYTES[job.dtype] + n);
  });
  return { total, out, stats: saved };
}

/**
 * ∂loss/∂x and ∂loss/∂y for probability targets (each only when wanted), from saved statistics or (saved null)
 * computed here, returning the loss sum as well with `withLoss` (a backward after a forward passes false).
 */
export function probGrad(
  job: RowsJob,
  y: Tensor,
  saved: SoftmaxStats | null,
  g: Upstream,
  want: { x: boolean; y: boolean },
  into: { x: Tensor | null; y: Tensor | null },
  withLoss: boolean,
): { gx: Tensor | null; gy: Tensor | null; total: number } {
  const gx = want.x ? rowGradTarget(job.x, into.x) : null;
  const gy = want.y ? rowGradTarget(y, into.y) : null;
  const inPlace =
    residentIn(job.x, job.dtype) && residentIn(y, job.dtype) && residentIn(gx, job.dtype) && residentIn(gy, job.dtype);
  const L = layoutOf(job, 4, [typeof g === 'number' ? 0 : BYTES[job.dtype]], inPlace);
  const grad = rowKernel('ce_prob_grad', job.dtype);
  const loss = rowKernel('ce_prob_loss', job.dtype);
  const gs = typeof g === 'number' ? g : 0;
  const h = heap();
  const bytes = BYTES[job.dtype];
  let total = 0;
  forEachBlock(job, L, (b, p0, n, inner) => {
    const x = rowPointer(job.x, job, L, b, L.rows[0], true, h[job.dtype]);
    const yp = rowPointer(y, job, L, b, L.rows[1], true, h[job.dtype]);
    const gxp = gx ? rowPointer(gx, job, L, b, L.rows[2], false, h[job.dtype]) : 0;
    const gyp = gy ? rowPointer(gy, job, L, b, L.rows[3], false, h[job.dtype]) : 0;
    let st: number;
    if (saved) st = loadStats(saved, L, p0, n);
    else {
      st = stats(job, L, x, b, inner, true);
      if (withLoss) {
        loss(x, yp, L.w, st, b.slabs, job.classes, inner, b.len, job.eps, 0, 0, L.res);
        total += (h.float64 as Float64Array)[L.res / 8];
      }
    }
    grad(
      x,
      yp,
      L.w,
      st,
      b.slabs,
      job.classes,
      inner,
      b.len,
      job.eps,
      upstreamPointer(g, job, L.positions[0], p0, n),
      gs,
      gxp,
      gyp,
    );
    if (!inPlace) {
      if (gx) moveBlock(h[job.dtype], gxp / bytes, gx.data, job.classes, job.inner, b, true);
      if (gy) moveBlock(h[job.dtype], gyp / bytes, gy.data, job.classes, job.inner, b, true);
    }
  });
  return { gx, gy, total };
}
