// Running the row kernels over contiguous rows of class scores [rows, C] (assembly/rows/multi_margin.ts,
// multilabel_margin.ts, multilabel_soft_margin.ts; class_rows.ts's target check) through the scratch arena, on the
// block plan of src/wasm/rows.ts restricted to its contiguous case: blocks of whole rows, as many as fit one chunk
// (CHUNK_BYTES of float64), one row per block when a row is larger (the scratch then grows to hold it: it depends on
// C, never on the number of rows). Every row operand is independent here (whole rows, no strides), so each is used
// in place when it is resident in the kernel's dtype, and copied (converting dtype) otherwise; gradients are written
// in place into a resident destination of the kernel's dtype, else to scratch and copied out. Per-row operands
// (targets, upstream gradients, losses) and index labels are staged per block; int64 labels are narrowed to int32
// in wasm (values outside int32 become −2^31, which every check reports). Losses get numbers and Tensors back.
import type { TensorData } from '../tensor/dtype.js';
import { ARRAY_OF, BYTES } from '../tensor/dtype.js';
import { residentOf, Tensor } from '../tensor/tensor.js';
import { kernels } from './instance.js';
import { beginScratch, CHUNK_BYTES, heap, scratchBytes, takeScratch } from './memory.js';
import type { FloatDType } from './plan.js';

/** Class indices as the caller holds them: int32, or int64 (narrowed in wasm). */
export type Labels = Int32Array | BigInt64Array;

/** The upstream gradient: one number for every row (already including the reduction's scale), or one per row. */
export type RowUpstream = number | Float32Array | Float64Array;

/** Narrowing sentinel for int64 labels outside int32: below every range a check accepts (MultiLabelMargin's −1). */
const OUTSIDE_INT32 = -2147483648;

/** Elements of one block's row operand: a chunk of float64. */
const BLOCK_ELEMENTS = CHUNK_BYTES / 8;

const SUFFIX = { float32: 'f32', float64: 'f64' } as const;

type Kernel = (...args: number[]) => number;

function rowKernel(name: string, dtype: FloatDType): Kernel {
  return (kernels() as unknown as Record<string, Kernel>)[`${name}_${SUFFIX[dtype]}`];
}

/** The rows of a call and how they are split into blocks. */
interface Blocks {
  readonly rows: number;
  readonly C: number;
  /** Rows per block. */
  readonly per: number;
  readonly count: number;
}

function blocksOf(rows: number, C: number): Blocks {
  const per = Math.max(1, Math.floor(BLOCK_ELEMENTS / Math.max(C, 1)));
  return { rows, C, per, count: Math.ceil(rows / per) };
}

/** dst.set(src[start, end)) at element `at`, without a subarray view when the range is all of src. */
function setRange(dst: TensorData, at: number, src: TensorData, start: number, end: number): void {
  const d = dst as Float64Array;
  if (start === 0 && end === src.length) d.set(src as Float64Array, at);
  else d.set(src.subarray(start, end) as Float64Array, at);
}

/** A float row operand ([rows, C], or one value per row with C = 1): read in place or copied per block. */
class RowInput {
  private readonly resident: number;
  private slot = 0;
  constructor(
    private readonly data: TensorData,
    ptr: number,
    private readonly dtype: FloatDType,
    private readonly width: number,
  ) {
    this.resident = ptr;
  }

  /** A float row operand from a Tensor: in place when it is resident in `dtype`. */
  static of(t: Tensor, dtype: FloatDType, width: number): RowInput {
    const r = residentOf(t);
    return new RowInput(t.data, r !== undefined && t.dtype === dtype ? r.ptr : -1, dtype, width);
  }

  /** Scratch bytes for a block of `per` rows. */
  bytes(per: number): number {
    return this.resident >= 0 ? 0 : scratchBytes(per * this.width * BYTES[this.dtype]);
  }

  take(per: number): void {
    if (this.resident < 0) this.slot = takeScratch(this.bytes(per));
  }

  /** The kernel pointer of rows [r0, r0 + n). */
  pointer(r0: number, n: number): number {
    const b = BYTES[this.dtype];
    if (this.resident >= 0) return this.resident + r0 * this.width * b;
    setRange(heap()[this.dtype], this.slot / b, this.data, r0 * this.width, (r0 + n) * this.width);
    return this.slot;
  }
}

/** Class-index labels, `width` per row, staged per block as int32. */
class LabelInput {
  private slot = 0;
  constructor(
    private readonly data: Labels,
    private readonly width: number,
  ) {}

  bytes(per: number): number {
    return scratchBytes(per * this.width * 8);
  }

  take(per: number): void {
    this.slot = takeScratch(this.bytes(per));
  }

  pointer(r0: number, n: number): number {
    return stageLabels(this.data, this.slot, r0 * this.width, n * this.width);
  }
}

/** Copies labels [start, start + n) to `slot` as int32 (int64 narrowed in wasm); returns the kernel's pointer. */
function stageLabels(data: Labels, slot: number, start: number, n: number): number {
  const h = heap();
  if (data instanceof BigInt64Array) {
    setRange(h.int64, slot / 8, data, start, start + n);
    kernels().narrow_i64_i32(slot, slot, n, OUTSIDE_INT32);
  } else {
    setRange(h.int32, slot / 4, data, start, start + n);
  }
  return slot;
}

/** A float row output: written in place into a resident destination of the kernel's dtype, else copied out. */
class RowOutput {
  private readonly resident: number;
  private slot = 0;
  constructor(
    readonly t: Tensor,
    private readonly dtype: FloatDType,
    private readonly width: number,
  ) {
    const r = residentOf(t);
    this.resident = r !== undefined && t.dtype === dtype ? r.ptr : -1;
  }

  bytes(per: number): number {
    return this.resident >= 0 ? 0 : scratchBytes(per * this.width * BYTES[this.dtype]);
  }

  take(per: number): void {
    if (this.resident < 0) this.slot = takeScratch(this.bytes(per));
  }

  pointer(r0: number): number {
    return this.resident >= 0 ? this.resident + r0 * this.width * BYTES[this.dtype] : this.slot;
  }

  /** After the kernel wrote rows [r0, r0 + n): copies them out (converting to the tensor's dtype). */
  collect(r0: number, n: number): void {
    if (this.resident >= 0) return;
    const b = BYTES[this.dtype];
    const at = this.slot / b;
    (this.t.data as Float64Array).set(
      (heap()[this.dtype] as Float64Array).subarray(at, at + n * this.width),
      r0 * this.width,
    );
  }
}

/** A gradient destination: `into` when given, else a new tensor like `like`. */
function gradTensor(like: Tensor, into: Tensor | null): Tensor {
  return into ?? new Tensor(new ARRAY_OF[like.dtype as FloatDType](like.numel()), like.shape, like.dtype);
}

/** Copies C class weights into scratch in `dtype`; returns the pointer (0 for none). */
function stageConst(w: Tensor | null, dtype: FloatDType, slot: number): number {
  if (!w) return 0;
  (heap()[dtype] as Float64Array).set(w.data as Float64Array, slot / BYTES[dtype]);
  return slot;
}

interface Pieces {
  readonly inputs: readonly (RowInput | LabelInput | null)[];
  readonly outputs: readonly (RowOutput | null)[];
  /** Extra scratch (weights, kernel work space) in bytes. */
  readonly extra: readonly number[];
}

/** Reserves the scratch of a call: every operand's block slot, the extras (returned) and 16 bytes of results. */
function reserve(fn: string, bl: Blocks, p: Pieces): { extra: number[]; res: number } {
  const parts = [...p.inputs, ...p.outputs].filter((o): o is RowInput | LabelInput | RowOutput => o !== null);
  const total =
    parts.reduce((a, o) => a + o.bytes(bl.per), 0) +
    p.extra.reduce((a, b) => a + scratchBytes(b), 0) +
    scratchBytes(16);
  beginScratch(fn, total);
  for (const o of parts) o.take(bl.per);
  const extra = p.extra.map((b) => (b > 0 ? takeScratch(b) : 0));
  return { extra, res: takeScratch(16) };
}

function forEachBlock(bl: Blocks, body: (r0: number, n: number) => void): void {
  for (let i = 0; i < bl.count; i++) {
    const r0 = i * bl.per;
    body(r0, Math.min(bl.per, bl.rows - r0));
  }
}

function result(res: number): number {
  return (heap().float64 as Float64Array)[res / 8];
}

function newFloats(dtype: FloatDType, n: number): Float32Array | Float64Array {
  return new ARRAY_OF[dtype](n);
}

/** The upstream's per-row operand (null for a scalar upstream, which the kernels take as `gs`). */
function upstreamInput(g: RowUpstream, dtype: FloatDType): RowInput | null {
  return typeof g === 'number' ? null : new RowInput(g, -1, dtype, 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Targets

/**
 * The first of `labels` outside [lo, hi) (flat index), or −1: staged chunk by chunk through the check kernel.
 * Values outside int32 count as outside.
 */
export function firstOutside(fn: string, labels: Labels, lo: number, hi: number): number {
  const n = labels.length;
  beginScratch(fn, scratchBytes(BLOCK_ELEMENTS * 8));
  const slot = takeScratch(BLOCK_ELEMENTS * 8);
  const check = kernels().index_outside_i32;
  for (let p0 = 0; p0 < n; p0 += BLOCK_ELEMENTS) {
    const m = Math.min(BLOCK_ELEMENTS, n - p0);
    const bad = check(stageLabels(labels, slot, p0, m), m, lo, hi);
    if (bad >= 0) return p0 + bad;
  }
  return -1;
}

/** What every margin job shares: the scores as [rows, C] in the kernel's dtype. */
export interface ClassRowsJob {
  readonly fn: string;
  readonly dtype: FloatDType;
  /** Scores [rows, C] (any shape with that many elements; read row-major). */
  readonly x: Tensor;
  readonly rows: number;
  readonly C: number;
}

/** A loss pass's results: Σ_r loss_r, and the per-row losses when asked. */
export interface RowLosses {
  readonly total: number;
  readonly out: Float32Array | Float64Array | null;
}

/** A gradient pass's results: the gradients, and Σ_r loss_r when it was fused (else NaN). */
export interface RowGrads {
  readonly gx: Tensor;
  readonly gy: Tensor | null;
  readonly total: number;
}

// ---------------------------------------------------------------------------------------------------------------
// MultiMargin

/** MultiMarginLoss: one validated target per row, p ∈ {1, 2}, the margin, C weights or none. */
export interface MultiMarginJob extends ClassRowsJob {
  readonly targets: Labels;
  readonly p: number;
  readonly margin: number;
  readonly weight: Tensor | null;
}

/** Σ_r loss_r of a MultiMargin job, and each row's loss when `perRow`. */
export function runMultiMarginLoss(job: MultiMarginJob, perRow: boolean): RowLosses {
  const bl = blocksOf(job.rows, job.C);
  const x = RowInput.of(job.x, job.dtype, job.C);
  const t = new LabelInput(job.targets, 1);
  const out = perRow ? newFloats(job.dtype, job.rows) : null;
  const o = out ? new RowOutput(new Tensor(out, [job.rows], job.dtype), job.dtype, 1) : null;
  const {
    extra: [wSlot],
    res,
  } = reserve(job.fn, bl, { inputs: [x, t], outputs: [o], extra: [job.weight ? job.C * BYTES[job.dtype] : 0] });
  const w = stageConst(job.weight, job.dtype, wSlot);
  const k = rowKernel('multi_margin_loss', job.dtype);
  const flags = perRow ? kernels().MARGIN_WRITE_OUT.value : 0;
  let total = 0;
  forEachBlock(bl, (r0, n) => {
    k(x.pointer(r0, n), t.pointer(r0, n), w, n, job.C, job.p, job.margin, flags, o ? o.pointer(r0) : 0, res);
    total += result(res);
    o?.collect(r0, n);
  });
  return { total, out };
}

/**
 * ∂loss/∂x of a MultiMargin job: s is 1/C, or 1/(N·C) for 'mean'; g the upstream (a number for every row, or
 * per row); with `fused` the loss sum too.
 */
export function runMultiMarginGrad(
  job: MultiMarginJob,
  s: number,
  g: RowUpstream,
  into: Tensor | null,
  fused: boolean,
): RowGrads {
  const bl = blocksOf(job.rows, job.C);
  const gxT = gradTensor(job.x, into);
  const x = RowInput.of(job.x, job.dtype, job.C);
  const t = new LabelInput(job.targets, 1);
  const gu = upstreamInput(g, job.dtype);
  const gx = new RowOutput(gxT, job.dtype, job.C);
  const {
    extra: [wSlot],
    res,
  } = reserve(job.fn, bl, { inputs: [x, t, gu], outputs: [gx], extra: [job.weight ? job.C * BYTES[job.dtype] : 0] });
  const w = stageConst(job.weight, job.dtype, wSlot);
  const k = rowKernel('multi_margin_backward', job.dtype);
  const gs = typeof g === 'number' ? g : 0;
  let total = 0;
  forEachBlock(bl, (r0, n) => {
    k(
      x.pointer(r0, n),
      t.pointer(r0, n),
      w,
      n,
      job.C,
      job.p,
      job.margin,
      s,
      gu ? gu.pointer(r0, n) : 0,
      gs,
      gx.pointer(r0),
      fused ? res : 0,
    );
    if (fused) total += result(res);
    gx.collect(r0, n);
  });
  return { gx: gxT, gy: null, total: fused ? total : NaN };
}

// ---------------------------------------------------------------------------------------------------------------
// MultiLabelMargin

/** MultiLabelMarginLoss: C validated labels per row (each in [−1, C)). */
export interface MultiLabelMarginJob extends ClassRowsJob {
  readonly labels: Labels;
}

/** Σ_r loss_r of a MultiLabelMargin job, and each row's loss when `perRow`. */
export function runMultilabelMarginLoss(job: MultiLabelMarginJob, perRow: boolean): RowLosses {
  const bl = blocksOf(job.rows, job.C);
  const x = RowInput.of(job.x, job.dtype, job.C);
  const t = new LabelInput(job.labels, job.C);
  const out = perRow ? newFloats(job.dtype, job.rows) : null;
  const o = out ? new RowOutput(new Tensor(out, [job.rows], job.dtype), job.dtype, 1) : null;
  const {
    extra: [mark],
    res,
  } = reserve(job.fn, bl, { inputs: [x, t], outputs: [o], extra: [16 * job.C] });
  const k = rowKernel('multilabel_margin_loss', job.dtype);
  const flags = perRow ? kernels().MARGIN_WRITE_OUT.value : 0;
  let total = 0;
  forEachBlock(bl, (r0, n) => {
    k(x.pointer(r0, n), t.pointer(r0, n), n, job.C, mark, flags, o ? o.pointer(r0) : 0, res);
    total += result(res);
    o?.collect(r0, n);
  });
  return { total, out };
}

/** ∂loss/∂x of a MultiLabelMargin job (s, g, fused as for multiMarginGrad). */
export function runMultilabelMarginGrad(
  job: MultiLabelMarginJob,
  s: number,
  g: RowUpstream,
  into: Tensor | null,
  fused: boolean,
): RowGrads {
  const bl = blocksOf(job.rows, job.C);
  const gxT = gradTensor(job.x, into);
  const x = RowInput.of(job.x, job.dtype, job.C);
  const t = new LabelInput(job.labels, job.C);
  const gu = upstreamInput(g, job.dtype);
  const gx = new RowOutput(gxT, job.dtype, job.C);
  const {
    extra: [mark],
    res,
  } = reserve(job.fn, bl, { inputs: [x, t, gu], outputs: [gx], extra: [16 * job.C] });
  const k = rowKernel('multilabel_margin_backward', job.dtype);
  const gs = typeof g === 'number' ? g : 0;
  let total = 0;
  forEachBlock(bl, (r0, n) => {
    k(
      x.pointer(r0, n),
      t.pointer(r0, n),
      n,
      job.C,
      mark,
      s,
      gu ? gu.pointer(r0, n) : 0,
      gs,
      gx.pointer(r0),
      fused ? res : 0,
    );
    if (fused) total += result(res);
    gx.collect(r0, n);
  });
  return { gx: gxT, gy: null, total: fused ? total : NaN };
}

// ---------------------------------------------------------------------------------------------------------------
// MultiLabelSoftMargin

/**
 * MultiLabelSoftMarginLoss: targets y of x's shape (in any float dtype; converted to the kernel's as they are
 * staged), and weights: C per class (`perClass`), one per element (x's shape), or none.
 */
export interface MultiLabelSoftMarginJob extends ClassRowsJob {
  readonly y: Tensor;
  readonly weight: Tensor | null;
  readonly perClass: boolean;
}

function softWeight(job: MultiLabelSoftMarginJob): { rows: RowInput | null; bytes: number; stride: number } {
  if (!job.weight) return { rows: null, bytes: 0, stride: 0 };
  if (job.perClass) return { rows: null, bytes: job.C * BYTES[job.dtype], stride: 0 };
  return { rows: RowInput.of(job.weight, job.dtype, job.C), bytes: 0, stride: job.C };
}

/** Σ_r loss_r of a MultiLabelSoftMargin job, and each row's loss when `perRow`. */
export function runMultilabelSoftMarginLoss(job: MultiLabelSoftMarginJob, perRow: boolean): RowLosses {
  const bl = blocksOf(job.rows, job.C);
  const x = RowInput.of(job.x, job.dtype, job.C);
  const y = RowInput.of(job.y, job.dtype, job.C);
  const sw = softWeight(job);
  const out = perRow ? newFloats(job.dtype, job.rows) : null;
  const o = out ? new RowOutput(new Tensor(out, [job.rows], job.dtype), job.dtype, 1) : null;
  const {
    extra: [wSlot],
    res,
  } = reserve(job.fn, bl, { inputs: [x, y, sw.rows], outputs: [o], extra: [sw.bytes] });
  const wc = job.perClass ? stageConst(job.weight, job.dtype, wSlot) : 0;
  const k = rowKernel('multilabel_soft_margin_loss', job.dtype);
  const flags = perRow ? kernels().MARGIN_WRITE_OUT.value : 0;
  let total = 0;
  forEachBlock(bl, (r0, n) => {
    const w = sw.rows ? sw.rows.pointer(r0, n) : wc;
    k(x.pointer(r0, n), y.pointer(r0, n), w, sw.stride, n, job.C, flags, o ? o.pointer(r0) : 0, res);
    total += result(res);
    o?.collect(r0, n);
  });
  return { total, out };
}

/**
 * ∂loss/∂x and (when `wantY`) ∂loss/∂y of a MultiLabelSoftMargin job, in the kernel's dtype (the caller converts
 * them to the arguments' dtypes); s is 1/C, or 1/(R·C) for 'mean'.
 */
export function runMultilabelSoftMarginGrad(
  job: MultiLabelSoftMarginJob,
  s: number,
  g: RowUpstream,
  wantY: boolean,
  into: { x: Tensor | null; y: Tensor | null },
  fused: boolean,
): RowGrads {
  const bl = blocksOf(job.rows, job.C);
  const gxT = gradTensor(job.x, into.x);
  const gyT = wantY ? gradTensor(job.y, into.y) : null;
  const x = RowInput.of(job.x, job.dtype, job.C);
  const y = RowInput.of(job.y, job.dtype, job.C);
  const sw = softWeight(job);
  const gu = upstreamInput(g, job.dtype);
  const gx = new RowOutput(gxT, job.dtype, job.C);
  const gy = gyT ? new RowOutput(gyT, job.dtype, job.C) : null;
  const {
    extra: [wSlot],
    res,
  } = reserve(job.fn, bl, { inputs: [x, y, sw.rows, gu], outputs: [gx, gy], extra: [sw.bytes] });
  const wc = job.perClass ? stageConst(job.weight, job.dtype, wSlot) : 0;
  const k = rowKernel('multilabel_soft_margin_backward', job.dtype);
  const gs = typeof g === 'number' ? g : 0;
  let total = 0;
  forEachBlock(bl, (r0, n) => {
    const w = sw.rows ? sw.rows.pointer(r0, n) : wc;
    k(
      x.pointer(r0, n),
      y.pointer(r0, n),
      w,
      sw.stride,
      n,
      job.C,
      s,
      gu ? gu.pointer(r0, n) : 0,
      gs,
      gx.pointer(r0),
      gy ? gy.pointer(r0) : 0,
      fused ? res : 0,
    );
    if (fused) total += result(res);
    gx.collect(r0, n);
    gy?.collect(r0, n);
  });
  return { gx: gxT, gy: gyT, total: fused ? total : NaN };
}
