// Running the pair row kernels (assembly/rows/pairwise.ts: p-norm distances of differences, cosine statistics,
// and their gradients) through the marshalling plan. Operands are viewed as rows over their last dimension in the
// call's (broadcast) shape [..., D]; each is staged by a ChunkedCall (src/wasm/plan.ts) — read in place when
// resident in the kernel's dtype and of the call's shape, else copied, converted and expanded chunk by chunk — in
// blocks of whole rows, or, when one row is longer than a chunk, in column blocks of it that the kernels
// accumulate across. Per-row statistics and gradient coefficients live in the call's extra scratch, float64.
// Gradients are written through the plan's destinations (summed back to a broadcast operand's shape).
import { numelOf, sameShape } from '../tensor/shape.js';
import { residentOf, Tensor } from '../tensor/tensor.js';
import type { TensorData } from '../tensor/dtype.js';
import { ARRAY_OF, BYTES } from '../tensor/dtype.js';
import { broadcastStrides } from '../tensor/shape.js';
import type { KernelExports } from './instance.js';
import { kernels } from './instance.js';
import { CHUNK_BYTES, heap } from './memory.js';
import type { Destination, FloatDType } from './plan.js';
import { ChunkedCall, operandOf } from './plan.js';
import type { F64Alloc } from './work.js';
import { fresh } from './work.js';

/** Operands of a row call: each broadcasts to `shape` (rank ≥ 1; its last dimension holds the rows' elements). */
export interface RowJob {
  readonly fn: string;
  /** The kernels' dtype (operands are converted to it when copied). */
  readonly dtype: FloatDType;
  readonly shape: readonly number[];
  readonly operands: readonly Tensor[];
}

/** A distance kernel's mode (the module's PD_* constants) and parameters. */
export interface NormSpec {
  readonly mode: number;
  readonly p: number;
  readonly eps: number;
}

/** The PD_* mode constants of the module, by name. */
export interface NormModes {
  readonly L2: number;
  readonly L1: number;
  readonly MAX: number;
  readonly MIN: number;
  readonly ZERO: number;
  readonly LT1: number;
  readonly LT2: number;
  readonly GT2: number;
}

// Read once per instance: each WebAssembly.Global `.value` is an API call, and a triplet call asked for these
// several times (~1 µs of a 10-µs small call).
let modesOf: KernelExports | undefined;
let modes: NormModes | undefined;

/** The PD_* mode constants of the module, by name. */
export function normModes(): NormModes {
  const k = kernels();
  if (modes === undefined || modesOf !== k) {
    modesOf = k;
    modes = {
      L2: k.PD_L2.value,
      L1: k.PD_L1.value,
      MAX: k.PD_MAX.value,
      MIN: k.PD_MIN.value,
      ZERO: k.PD_ZERO.value,
      LT1: k.PD_POW_LT1.value,
      LT2: k.PD_POW_LT2.value,
      GT2: k.PD_POW_GT2.value,
    };
  }
  return modes;
}

/** Rows R and row length D of a call's shape. */
export function rowsOf(shape: readonly number[]): { rows: number; cols: number } {
  const cols = shape[shape.length - 1];
  return { rows: numelOf(shape.slice(0, -1)), cols };
}

const SUFFIX = { float32: 'f32', float64: 'f64' } as const;
type Kernel = (...args: number[]) => void;

function kernel(name: string, dtype: FloatDType): Kernel {
  return (kernels() as unknown as Record<string, Kernel>)[`${name}_${SUFFIX[dtype]}`];
}

/** One kernel call's share of the rows: rows [r0, r0 + rows), columns [j0, j0 + cols) of each. */
interface Block {
  r0: number;
  rows: number;
  j0: number;
  cols: number;
  /** First / last column block of its rows (always true for whole rows). */
  first: boolean;
  last: boolean;
}

/** Rows per block (whole rows), or 1 when a row is longer than a chunk (then column blocks of `chunk`). */
function rowsPerBlock(cols: number, chunk: number): number {
  return cols <= chunk ? Math.max(1, Math.floor(chunk / Math.max(cols, 1))) : 1;
}

/** Stages every block of the call and runs `body` on it (operands staged, outputs collected after). */
function forEachBlock(call: ChunkedCall, rows: number, cols: number, body: (b: Block) => void): void {
  const chunk = call.chunk;
  const b: Block = { r0: 0, rows: 0, j0: 0, cols: 0, first: true, last: true };
  if (cols <= chunk) {
    const per = rowsPerBlock(cols, chunk);
    for (let r0 = 0; r0 < rows; r0 += per) {
      b.r0 = r0;
      b.rows = Math.min(per, rows - r0);
      b.j0 = 0;
      b.cols = cols;
      call.stage(r0 * cols, b.rows * cols);
      body(b);
      call.collect(r0 * cols, b.rows * cols);
    }
  } else {
    for (let r = 0; r < rows; r++) {
      for (let j0 = 0; j0 < cols; j0 += chunk) {
        b.r0 = r;
        b.rows = 1;
        b.j0 = j0;
        b.cols = Math.min(chunk, cols - j0);
        b.first = j0 === 0;
        b.last = j0 + b.cols === cols;
        call.stage(r * cols + j0, b.cols);
        body(b);
        call.collect(r * cols + j0, b.cols);
      }
    }
  }
  call.finish();
}

/** A call over the job's operands with `extra` per-row float64 arrays (each `count` arrays of a block's rows). */
function callOf(
  job: RowJob,
  extraArrays: number,
  dests: Destination[] = [],
  dtype: FloatDType = job.dtype,
): ChunkedCall {
  const { cols } = rowsOf(job.shape);
  const per = rowsPerBlock(cols, CHUNK_BYTES / BYTES[dtype]);
  return new ChunkedCall(
    job.fn,
    dtype,
    job.shape,
    job.operands.map((t) => operandOf(t, dtype, job.shape)),
    dests,
    extraArrays > 0 ? [extraArrays * per * 8] : [],
  );
}

/**
 * The per-row statistic of each pair (i, j) of the job's operands: Σ or max/min over the row of the mode's term of
 * d = x_i − x_j + eps (assembly/rows/pairwise.ts), before any root. Rows of length 0 give the initial value (0,
 * or +∞ for PD_MIN). The results come from `alloc` (default: new arrays).
 */
export function pairStats(
  job: RowJob,
  pairs: readonly (readonly [number, number])[],
  norm: NormSpec,
  alloc: F64Alloc = fresh,
): Float64Array[] {
  const { rows, cols } = rowsOf(job.shape);
  const init = norm.mode === normModes().MIN ? Infinity : 0;
  const out = pairs.map(() => alloc(rows).fill(init));
  if (rows === 0 || cols === 0) return out;
  const call = callOf(job, pairs.length);
  const k = kernel('pd_acc', job.dtype);
  // The first two pairs from one operand (a triplet's anchor): one pass for both (pd_acc2, the same bits).
  const k2 = pairs.length >= 2 && pairs[0][0] === pairs[1][0] ? kernel('pd_acc2', job.dtype) : null;
  const per = rowsPerBlock(cols, call.chunk);
  const acc = call.extra[0];
  forEachBlock(call, rows, cols, (b) => {
    const h = heap().float64 as Float64Array;
    if (b.first) h.fill(init, acc / 8, acc / 8 + pairs.length * per);
    for (let q = k2 ? 2 : 0; q < pairs.length; q++) {
      const [i, j] = pairs[q];
      k(call.ptrs[i], call.ptrs[j], b.rows, b.cols, norm.eps, norm.mode, norm.p, acc + q * per * 8);
    }
    if (k2) {
      const p = call.ptrs;
      k2(
        p[pairs[0][0]],
        p[pairs[0][1]],
        p[pairs[1][1]],
        b.rows,
        b.cols,
        norm.eps,
        norm.mode,
        norm.p,
        acc,
        acc + per * 8,
      );
    }
    if (b.last)
      for (let q = 0; q < pairs.length; q++)
        out[q].set(h.subarray(acc / 8 + q * per, acc / 8 + q * per + b.rows), b.r0);
  });
  return out;
}

/** Per row of pair (i, j): the number of elements with |d| equal to the row's norm, or NaN (∞-norm gradients). */
export function pairTies(job: RowJob, pair: readonly [number, number], eps: number, norms: Float64Array): Float64Array {
  const { rows, cols } = rowsOf(job.shape);
  const out = new Float64Array(rows);
  if (rows === 0 || cols === 0) return out;
  const call = callOf(job, 2);
  const k = kernel('pd_ties', job.dtype);
  const per = rowsPerBlock(cols, call.chunk);
  const normAt = call.extra[0],
    cntAt = normAt + per * 8;
  forEachBlock(call, rows, cols, (b) => {
    const h = heap().float64 as Float64Array;
    if (b.first) {
      h.set(norms.subarray(b.r0, b.r0 + b.rows), normAt / 8);
      h.fill(0, cntAt / 8, cntAt / 8 + b.rows);
    }
    k(call.ptrs[pair[0]], call.ptrs[pair[1]], b.rows, b.cols, eps, normAt, cntAt);
    if (b.last) out.set(h.subarray(cntAt / 8, cntAt / 8 + b.rows), b.r0);
  });
  return out;
}

/**
 * Where the gradient of operand `t` goes: in place into a resident `into` of the kernel's dtype and the call's
 * shape; else into `into`'s data or a new array of t's dtype, summed back to t's shape when t was broadcast.
 */
function gradDestination(
  t: Tensor,
  into: Tensor | null,
  dtype: FloatDType,
  shape: readonly number[],
): [Destination, Tensor] {
  const same = sameLayout(t, shape);
  const target = into ?? new Tensor(new ARRAY_OF[t.dtype as FloatDType](t.numel()), t.shape, t.dtype);
  const r = residentOf(target);
  if (same && r && target.dtype === dtype) return [{ data: null, ptr: r.ptr, strides: null, shape }, target];
  return [
    {
      data: target.data as TensorData,
      ptr: -1,
      strides: same ? null : broadcastStrides(t.shape, shape),
      shape: t.shape,
    },
    target,
  ];
}

/**
 * The kernel dtype of a gradient pass: float64 when a wanted gradient belongs to a broadcast float32 operand (it is
 * a sum over the broadcast dimensions, which must be accumulated from unrounded elements), else the job's.
 */
function gradDType(job: RowJob, want: readonly boolean[]): FloatDType {
  if (job.dtype === 'float64') return 'float64';
  return job.operands.some((t, i) => want[i] && !sameLayout(t, job.shape)) ? 'float64' : 'float32';
}

/**
 * True when `t` (which broadcasts to `shape`) has as many elements as `shape`: then it differs at most by leading
 * or unit dimensions (a 0-d operand of a one-row call [1]) and its elements are laid out as the call's, so its
 * gradient is copied, not summed (a sum from +0 would turn a −0 into +0).
 */
function sameLayout(t: Tensor, shape: readonly number[]): boolean {
  return sameShape(t.shape, shape) || t.numel() === numelOf(shape);
}

/** Pair bits of `pd_grad`: (0, 1), (0, 2), (1, 2). */
export const PAIR_AB = 1,
  PAIR_AC = 2,
  PAIR_BC = 4;

/**
 * Gradients of the distances of the pairs in `pairs` (PAIR_* bits over operands 0, 1, 2) for per-row coefficients
 * `coef` (six arrays: coef0 and coef1 of each pair in order; see assembly/rows/pairwise.ts), summed per operand in
 * float64 and rounded once. Returns one gradient per wanted operand (null where not wanted).
 */
export function pairGrads(
  job: RowJob,
  pairs: number,
  norm: NormSpec,
  coef: readonly (Float64Array | null)[],
  want: readonly boolean[],
  into: readonly (Tensor | null)[],
): (Tensor | null)[] {
  const { rows, cols } = rowsOf(job.shape);
  const dtype = gradDType(job, want);
  const dests: Destination[] = [];
  const grads: (Tensor | null)[] = job.operands.map(() => null);
  const outIndex = job.operands.map((t, i) => {
    if (!want[i]) return -1;
    const [d, g] = gradDestination(t, into[i] ?? null, dtype, job.shape);
    grads[i] = g;
    return dests.push(d) - 1;
  });
  if (numelOf(job.shape) === 0) {
    for (const g of grads) if (g) (g.data as Float64Array).fill(0);
    return grads;
  }
  const call = callOf(job, 6, dests, dtype);
  const k = kernel('pd_grad', dtype);
  const at = call.extra[0];
  const out = (i: number): number => (outIndex[i] >= 0 ? call.outs[outIndex[i]] : 0);
  forEachBlock(call, rows, cols, (b) => {
    if (b.first) {
      const h = heap().float64 as Float64Array;
      coef.forEach((c, i) => {
        if (c) h.set(c.subarray(b.r0, b.r0 + b.rows), at / 8 + i * b.rows);
      });
    }
    const p = call.ptrs;
    k(
      p[0],
      p[1],
      job.operands.length > 2 ? p[2] : 0,
      b.rows,
      b.cols,
      norm.eps,
      norm.mode,
      norm.p,
      pairs,
      at,
      out(0),
      out(1),
      out(2),
    );
  });
  return grads;
}

/**
 * Per row: Σ x·y, Σ x² and Σ y² of the job's two operands (cosine similarity's statistics), float64, in arrays from
 * `alloc` (default: new arrays).
 */
export function cosineStats(
  job: RowJob,
  alloc: F64Alloc = fresh,
): { dot: Float64Array; sx: Float64Array; sy: Float64Array } {
  const { rows, cols } = rowsOf(job.shape);
  const dot = alloc(rows),
    sx = alloc(rows),
    sy = alloc(rows);
  if (rows === 0 || cols === 0) return { dot, sx, sy };
  const call = callOf(job, 3);
  const k = kernel('cos_acc', job.dtype);
  const acc = call.extra[0];
  forEachBlock(call, rows, cols, (b) => {
    const h = heap().float64 as Float64Array;
    const a = acc / 8;
    if (b.first) h.fill(0, a, a + 3 * b.rows);
    k(call.ptrs[0], call.ptrs[1], b.rows, b.cols, acc);
    if (b.last) {
      dot.set(h.subarray(a, a + b.rows), b.r0);
      sx.set(h.subarray(a + b.rows, a + 2 * b.rows), b.r0);
      sy.set(h.subarray(a + 2 * b.rows, a + 3 * b.rows), b.r0);
    }
  });
  return { dot, sx, sy };
}

/**
 * Cosine gradients for per-row α, β, γ: gx = α·y + 2·(β·x), gy = α·x + 2·(γ·y) (assembly/rows/pairwise.ts), for
 * the wanted operands (null where not wanted).
 */
export function cosineGrads(
  job: RowJob,
  alpha: Float64Array,
  beta: Float64Array,
  gamma: Float64Array,
  want: readonly boolean[],
  into: readonly (Tensor | null)[],
): (Tensor | null)[] {
  const { rows, cols } = rowsOf(job.shape);
  const dtype = gradDType(job, want);
  const dests: Destination[] = [];
  const grads: (Tensor | null)[] = [null, null];
  const outIndex = job.operands.map((t, i) => {
    if (!want[i]) return -1;
    const [d, g] = gradDestination(t, into[i] ?? null, dtype, job.shape);
    grads[i] = g;
    return dests.push(d) - 1;
  });
  if (numelOf(job.shape) === 0) {
    for (const g of grads) if (g) (g.data as Float64Array).fill(0);
    return grads;
  }
  const call = callOf(job, 3, dests, dtype);
  const k = kernel('cos_grad', dtype);
  const at = call.extra[0];
  forEachBlock(call, rows, cols, (b) => {
    if (b.first) {
      const h = heap().float64 as Float64Array;
      const a = at / 8;
      h.set(alpha.subarray(b.r0, b.r0 + b.rows), a);
      h.set(beta.subarray(b.r0, b.r0 + b.rows), a + b.rows);
      h.set(gamma.subarray(b.r0, b.r0 + b.rows), a + 2 * b.rows);
    }
    k(
      call.ptrs[0],
      call.ptrs[1],
      b.rows,
      b.cols,
      at,
      outIndex[0] >= 0 ? call.outs[outIndex[0]] : 0,
      outIndex[1] >= 0 ? call.outs[outIndex[1]] : 0,
    );
  });
  return grads;
}
