// Running NLLLoss (assembly/rows/nll.ts) over log-probabilities in JS memory, viewed as [outer, C, inner]: NLL reads
// one element per position, so instead of staging whole rows (src/wasm/rows.ts) the targets are staged chunk by chunk
// (int64 narrowed to int32 in wasm), the one element x[o, t, j] of each position is gathered into scratch, and the
// kernel validates the targets and sums −w_t·x_t and Σ w_t; for (N, C) input of few classes the chunk's whole rows
// are copied instead and the kernel reads x[p, t_p] itself (see ROWS_MAX_CLASSES). The gradient is zero but at the
// targets: the kernel gives each position's value and it is scattered into a zeroed gradient. Memory never grows
// with N (one chunk of positions at a time). The gather and scatter loops run over JS arrays, with the chunks moved
// to and from wasm memory by TypedArray.set: element access to a shared memory's views (Node 20's 'shared' kind) is
// ~20x slower than to JS memory. Resident (alloc()ed) tensors take CrossEntropy's runner instead, which reads them
// in place.
import { ARRAY_OF, BYTES } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { kernels } from './instance.js';
import { beginScratch, CHUNK_BYTES, heap, scratchBytes, takeScratch } from './memory.js';
import type { FloatDType } from './plan.js';

/** An NLL call: log-probabilities [outer, C, inner] in `dtype`, C weights (in it) or none, and the targets. */
export interface NllJob {
  readonly fn: string;
  readonly dtype: FloatDType;
  readonly x: Tensor;
  readonly outer: number;
  readonly classes: number;
  readonly inner: number;
  readonly weight: Tensor | null;
  /** One class index per position (p = o·inner + j). */
  readonly targets: Int32Array | BigInt64Array;
  readonly ignoreIndex: number;
}

/** The loss sums of a call, and the first bad target (−1: none). */
export interface NllSums {
  readonly bad: number;
  readonly nll: number;
  readonly weightSum: number;
  readonly out: Float32Array | Float64Array | null;
}

/** Positions per chunk: a chunk of int64 targets. */
const CHUNK = CHUNK_BYTES / 8;

/**
 * Up to this many classes, (N, C) input (inner 1) is copied row by row (a memcpy of C values per position) and read
 * by `nll_loss_rows_*`, whose gather loads overlap its serial float64 sum; beyond it, gathering one value per
 * position in JS costs less than copying the row. The chunks are the same CHUNK positions either way, so the sums,
 * and the bits, are the same.
 */
const ROWS_MAX_CLASSES = 16;

/** True when a forward copies whole rows instead of gathering (see ROWS_MAX_CLASSES). */
function copiesRows(job: NllJob): boolean {
  return job.inner === 1 && job.classes <= ROWS_MAX_CLASSES;
}

const SUFFIX = { float32: 'f32', float64: 'f64' } as const;

type Kernel = (...args: number[]) => number;

/**
 * The JS-side chunk buffers (targets narrowed from int64, gathered or scattered values), allocated once per module
 * and reused by every call: a typed array over 64 bytes lives off V8's heap, and allocating one per call (then
 * collecting it) cost more than the whole gather at 10^3 to 10^5 elements. Calls are synchronous and use them within
 * one chunk, so sharing is safe.
 */
let jsTargets: Int32Array | undefined;
const jsValues: { float32?: Float64Array; float64?: Float64Array } = {};

function targetBuffer(): Int32Array {
  jsTargets ??= new Int32Array(CHUNK);
  return jsTargets;
}

/** CHUNK values of `dtype` (typed as Float64Array, like the heap views the runners index). */
function valueBuffer(dtype: FloatDType): Float64Array {
  jsValues[dtype] ??= new ARRAY_OF[dtype](CHUNK) as Float64Array;
  return jsValues[dtype];
}

function kernel(name: string, dtype: FloatDType): Kernel {
  return (kernels() as unknown as Record<string, Kernel>)[`${name}_${SUFFIX[dtype]}`];
}

/** Scratch: targets, gathered values / gradient values, per-position outputs or upstream, weights, results. */
interface Slots {
  t: number;
  v: number;
  extra: number;
  w: number;
  res: number;
}

/** Scratch of a call; `rows`: the value slot holds a chunk's whole rows (C values per position). */
function slotsOf(job: NllJob, extra: boolean, rows = false): Slots {
  const b = BYTES[job.dtype];
  const n = Math.min(CHUNK, Math.max(job.outer * job.inner, 1));
  const vBytes = n * b * (rows ? job.classes : 1);
  const wBytes = job.weight ? scratchBytes(job.classes * b) : 0;
  beginScratch(job.fn, scratchBytes(n * 8) + scratchBytes(vBytes) + scratchBytes(n * b) + wBytes + scratchBytes(16));
  const s: Slots = {
    t: takeScratch(n * 8),
    v: takeScratch(vBytes),
    extra: extra ? takeScratch(n * b) : 0,
    w: job.weight ? takeScratch(job.classes * b) : 0,
    res: takeScratch(16),
  };
  if (job.weight) (heap()[job.dtype] as Float64Array).set(job.weight.data as Float64Array, s.w / b);
  return s;
}

/**
 * Stages targets [p0, p0 + n) as int32 at `slot` (int64 narrowed in wasm) and returns them as JS int32 (elements
 * [0, n) are the chunk's): the caller's own Int32Array range, or `js` (of at least n elements) holding the narrowed
 * values (JS loops over wasm's shared views are slow; see top).
 */
function stageTargets(
  job: NllJob,
  h: ReturnType<typeof heap>,
  slot: number,
  p0: number,
  n: number,
  js: Int32Array,
): Int32Array {
  const data = job.targets;
  const whole = p0 === 0 && n === data.length;
  if (data instanceof BigInt64Array) {
    (h.int64 as BigInt64Array).set(whole ? data : data.subarray(p0, p0 + n), slot / 8);
    // Values outside int32 become a sentinel that is neither a class nor ignore_index (so always reported).
    kernels().narrow_i64_i32(slot, slot, n, job.ignoreIndex === -2147483648 ? -2147483647 : -2147483648);
    js.set((h.int32 as Int32Array).subarray(slot / 4, slot / 4 + n));
    return js;
  }
  const t = whole ? data : data.subarray(p0, p0 + n);
  (h.int32 as Int32Array).set(t, slot / 4);
  return t;
}

/** Gathers x[o, t_k, j] for positions [p0, p0 + n) into `d` (0 for ignored or bad targets). */
function gather(job: NllJob, t: Int32Array, t0: number, p0: number, n: number, d: Float64Array, at: number): void {
  const x = job.x.data as Float64Array;
  const C = job.classes,
    inner = job.inner;
  if (inner === 1) {
    for (let k = 0; k < n; k++) {
      const c = t[t0 + k];
      d[at + k] = c >= 0 && c < C ? x[(p0 + k) * C + c] : 0;
    }
    return;
  }
  let o = Math.floor(p0 / inner),
    j = p0 - o * inner;
  for (let k = 0; k < n; k++) {
    const c = t[t0 + k];
    d[at + k] = c >= 0 && c < C ? x[(o * C + c) * inner + j] : 0;
    if (++j === inner) {
      j = 0;
      o++;
    }
  }
}

/** Validates the targets and sums the loss (and each position's loss with `perPosition`). */
export function nllSums(job: NllJob, perPosition: boolean): NllSums {
  const P = job.outer * job.inner;
  const rows = copiesRows(job);
  const s = slotsOf(job, perPosition, rows);
  const b = BYTES[job.dtype];
  const C = job.classes;
  const loss = kernel(rows ? 'nll_loss_rows' : 'nll_loss', job.dtype);
  const x = job.x.data as Float64Array;
  const flags = perPosition ? kernels().NLL_WRITE_OUT.value : 0;
  const out = perPosition ? new ARRAY_OF[job.dtype](P) : null;
  const tJs = targetBuffer(),
    vJs = valueBuffer(job.dtype);
  const h = heap(); // the memory does not grow below: the scratch is reserved
  const hv = h[job.dtype] as Float64Array,
    f64 = h.float64 as Float64Array;
  let nll = 0,
    weightSum = 0;
  for (let p0 = 0; p0 < P; p0 += CHUNK) {
    const n = Math.min(CHUNK, P - p0);
    const t = stageTargets(job, h, s.t, p0, n, tJs);
    if (rows) hv.set(p0 === 0 && n * C === x.length ? x : x.subarray(p0 * C, (p0 + n) * C), s.v / b);
    else {
      gather(job, t, 0, p0, n, vJs, 0);
      hv.set(n === vJs.length ? vJs : vJs.subarray(0, n), s.v / b);
    }
    const bad = loss(s.v, s.t, s.w, n, C, job.ignoreIndex, flags, s.extra, s.res);
    if (bad >= 0) return { bad: p0 + bad, nll: NaN, weightSum: NaN, out: null };
    nll += f64[s.res / 8];
    weightSum += f64[s.res / 8 + 1];
    if (out) out.set(hv.subarray(s.extra / b, s.extra / b + n), p0);
  }
  return { bad: -1, nll, weightSum, out };
}

/**
 * ∂loss/∂x of validated targets: upstream `g` (a number for every position, already scaled for 'mean', or one per
 * position), written into `into` (zeroed first) or a new zero tensor.
 */
export function nllGrad(job: NllJob, g: number | Float32Array | Float64Array, into: Tensor | null): Tensor {
  const P = job.outer * job.inner;
  const gx = into ?? new Tensor(new ARRAY_OF[job.dtype](job.x.numel()), job.x.shape, job.dtype);
  const gd = gx.data as Float64Array;
  if (into) gd.fill(0);
  const s = slotsOf(job, typeof g !== 'number');
  const b = BYTES[job.dtype];
  const back = kernel('nll_backward', job.dtype);
  const gs = typeof g === 'number' ? g : 0;
  const C = job.classes,
    inner = job.inner,
    ignore = job.ignoreIndex;
  const tJs = targetBuffer(),
    v = valueBuffer(job.dtype);
  const h = heap();
  const hv = h[job.dtype] as Float64Array;
  for (let p0 = 0; p0 < P; p0 += CHUNK) {
    const n = Math.min(CHUNK, P - p0);
    const t = stageTargets(job, h, s.t, p0, n, tJs);
    if (typeof g !== 'number') hv.set(g.subarray(p0, p0 + n) as Float64Array, s.extra / b);
    back(s.t, s.w, n, ignore, typeof g === 'number' ? 0 : s.extra, gs, s.v);
    v.set(hv.subarray(s.v / b, s.v / b + n));
    let o = Math.floor(p0 / inner),
      j = p0 - o * inner;
    for (let k = 0; k < n; k++) {
      const c = t[k];
      if (c !== ignore) gd[(o * C + c) * inner + j] = v[k];
      if (++j === inner) {
        j = 0;
        o++;
      }
    }
  }
  return gx;
}
