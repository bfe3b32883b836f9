// Running elementwise term kernels (assembly/elementwise/) over whole tensors through the marshalling plan: the
// sum of a reduction, the map of reduction 'none', the gradient, and the fused sum-and-gradient. Terms are named by
// their ABI prefix; the kernels' uniform signatures are assembly/elementwise/driver.ts's.
import type { TensorData } from '../tensor/dtype.js';
import { ARRAY_OF, BYTES } from '../tensor/dtype.js';
import { beginScratch, CHUNK_BYTES, heap, scratchBytes, takeScratch } from './memory.js';
import { broadcastStrides, numelOf, sameShape } from '../tensor/shape.js';
import { residentOf, Tensor } from '../tensor/tensor.js';
import type { KernelExports } from './instance.js';
import { kernels } from './instance.js';
import type { Destination, FloatDType, Operand } from './plan.js';
import { ChunkedCall, operandOf } from './plan.js';

/** The elementwise terms the binary exports (every `<term>_sum_f32` of the generated ABI). */
export type ElementwiseTerm = keyof KernelExports extends infer K
  ? K extends `${infer T}_sum_f32`
    ? T
    : never
  : never;

type SumKernel = (a: number, b: number, c: number, w: number, n: number, p: number, q: number) => number;
type MapKernel = (a: number, b: number, c: number, w: number, out: number, n: number, p: number, q: number) => void;
type GradKernel = (
  a: number,
  b: number,
  c: number,
  w: number,
  g: number,
  gs: number,
  ga: number,
  gb: number,
  gc: number,
  n: number,
  p: number,
  q: number,
) => void;
type SumGradKernel = (
  a: number,
  b: number,
  c: number,
  w: number,
  gs: number,
  ga: number,
  gb: number,
  gc: number,
  n: number,
  p: number,
  q: number,
) => number;

const SUFFIX = { float32: 'f32', float64: 'f64' } as const;

// Kernels by term, job and dtype, looked up once per instance (a small call spends ~0.1 µs building the name).
let cacheOf: KernelExports | undefined;
let cache = new Map<string, Record<string, unknown>>();

function kernel<F>(term: string, job: string, dtype: FloatDType): F {
  const k = kernels();
  if (cacheOf !== k) {
    cacheOf = k;
    cache = new Map();
  }
  let byTerm = cache.get(term);
  if (byTerm === undefined) {
    byTerm = {};
    cache.set(term, byTerm);
  }
  const key = job + SUFFIX[dtype];
  let f = byTerm[key];
  if (f === undefined) {
    f = (k as unknown as Record<string, unknown>)[`${term}_${job}_${SUFFIX[dtype]}`];
    byTerm[key] = f;
  }
  return f as F;
}

/** A validation of operand 0 that only a pass over the data can make (BCE's inputs in [0, 1]). */
export interface ElementwiseCheck {
  /** The check kernel's prefix: `<kernel>_f32(ptr, n)` returns the first bad index or −1. */
  readonly kernel: 'outside_unit';
  /** Throws the loss's error for the element at flat index `index` of the call's shape. */
  fail(index: number): never;
}

/**
 * One elementwise call: term, dtype, the call's (broadcast) shape, operands a, b and (for three-operand terms) c,
 * and an optional per-element weight; each broadcasts to the call's shape.
 */
export interface ElementwiseJob {
  readonly fn: string;
  readonly term: ElementwiseTerm;
  readonly dtype: FloatDType;
  readonly shape: readonly number[];
  readonly a: Tensor;
  readonly b: Tensor;
  /** The third operand, or null for a two-operand term. */
  readonly c: Tensor | null;
  /** Per-element weight, or null. */
  readonly weight: Tensor | null;
  /** The term's parameters (e.g. SmoothL1's β); 0 when unused. */
  readonly p: number;
  readonly q: number;
  readonly check?: ElementwiseCheck;
}

function operandsOf(job: ElementwiseJob): Operand[] {
  const absent = (t: Tensor | null): Operand | null => (t ? operandOf(t, job.dtype, job.shape) : null);
  return [
    operandOf(job.a, job.dtype, job.shape),
    operandOf(job.b, job.dtype, job.shape),
    absent(job.c),
    absent(job.weight),
  ].filter((o): o is Operand => o !== null);
}

/** What a chunk loop needs of a job besides its operands' data: the kernel, and which operand slots exist. */
type KernelPart = Pick<ElementwiseJob, 'term' | 'dtype' | 'p' | 'q' | 'check' | 'c' | 'weight'>;

/**
 * Kernel pointers [a, b, c, w] of the staged chunk (0 for an absent c or w), from the call's operand pointers
 * (operandsOf's order: a, b, then c and w when present).
 */
function slots(job: KernelPart, ptrs: readonly number[]): [number, number, number, number] {
  let i = 2;
  const c = job.c ? ptrs[i++] : 0;
  const w = job.weight ? ptrs[i++] : 0;
  return [ptrs[0], ptrs[1], c, w];
}

/** Runs the check kernel on the staged chunk of operand 0; throws through `check.fail` on a bad element. */
function runCheck(
  check: ElementwiseCheck | undefined,
  dtype: FloatDType,
  ptr: number,
  start: number,
  len: number,
): void {
  if (!check) return;
  const bad = (kernels() as unknown as Record<string, (x: number, n: number) => number>)[
    `${check.kernel}_${SUFFIX[dtype]}`
  ](ptr, len);
  if (bad >= 0) check.fail(start + bad);
}

function sumOver(job: KernelPart, call: ChunkedCall): number {
  const k = kernel<SumKernel>(job.term, 'sum', job.dtype);
  const { ptrs } = call;
  let total = 0;
  for (let start = 0; start < call.n; start += call.chunk) {
    const len = Math.min(call.chunk, call.n - start);
    call.stage(start, len);
    const [a, b, c, w] = slots(job, ptrs);
    const s = k(a, b, c, w, len, job.p, job.q);
    // A check's failure makes the sum NaN (see the term), so the check runs only then.
    if (s !== s) runCheck(job.check, job.dtype, ptrs[0], start, len);
    total += s;
  }
  return total;
}

/** Σ over every element of w·term(a, b), in float64. */
export function elementwiseSum(job: ElementwiseJob): number {
  return sumOver(job, new ChunkedCall(job.fn, job.dtype, job.shape, operandsOf(job)));
}

/**
 * The fast path of a reduction over two JS typed arrays of one type and length (no Tensor, no broadcasting):
 * `elementwiseSum` without operands or a ChunkedCall — two scratch slots and the chunk loop, for the small calls
 * whose cost is mostly this setup.
 */
export function elementwiseSumArrays(
  fn: string,
  term: ElementwiseTerm,
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  p: number,
  q: number,
  check?: () => ElementwiseCheck,
): number {
  const dtype: FloatDType = a instanceof Float32Array ? 'float32' : 'float64';
  const k = kernel<SumKernel>(term, 'sum', dtype);
  const n = a.length;
  const size = BYTES[dtype];
  const chunk = CHUNK_BYTES / size;
  const slot = scratchBytes(Math.min(chunk, Math.max(n, 1)) * size);
  beginScratch(fn, 2 * slot);
  const pa = takeScratch(slot);
  const pb = takeScratch(slot);
  const view = heap()[dtype] as Float64Array;
  let total = 0;
  for (let start = 0; start < n; start += chunk) {
    const len = Math.min(chunk, n - start);
    const whole = start === 0 && len === n;
    view.set((whole ? a : a.subarray(start, start + len)) as Float64Array, pa / size);
    view.set((whole ? b : b.subarray(start, start + len)) as Float64Array, pb / size);
    const s = k(pa, pb, 0, 0, len, p, q);
    if (s !== s && check) runCheck(check(), dtype, pa, start, len);
    total += s;
  }
  return total;
}

/** A fresh typed array of `dtype` and `n` elements. */
function newArray(dtype: FloatDType, n: number): Float32Array | Float64Array {
  return new ARRAY_OF[dtype](n);
}

/** The elementwise terms w·term(a, b) over the call's shape (reduction 'none'), as a new Tensor. */
export function elementwiseMap(job: ElementwiseJob): Tensor {
  const n = numelOf(job.shape);
  const out = newArray(job.dtype, n);
  if (n > 0) {
    const k = kernel<MapKernel>(job.term, 'map', job.dtype);
    const call = new ChunkedCall(job.fn, job.dtype, job.shape, operandsOf(job), [
      { data: out, ptr: -1, strides: null, shape: job.shape },
    ]);
    const { ptrs, outs } = call;
    for (let start = 0; start < n; start += call.chunk) {
      const len = Math.min(call.chunk, n - start);
      call.stage(start, len);
      runCheck(job.check, job.dtype, ptrs[0], start, len);
      const [a, b, c, w] = slots(job, ptrs);
      k(a, b, c, w, outs[0], len, job.p, job.q);
      call.collect(start, len);
    }
  }
  return new Tensor(out, job.shape, job.dtype);
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
  const same = sameShape(t.shape, shape);
  const target = into ?? new Tensor(newArray(t.dtype as FloatDType, numelOf(t.shape)), t.shape, t.dtype);
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

/** Which operands' gradients to compute (a, b, c), and where to put them (null: allocate). */
export interface GradRequest {
  readonly want: readonly [boolean, boolean, boolean];
  readonly into: readonly (Tensor | null)[];
}

interface GradSetup {
  call: ChunkedCall;
  /** The gradient tensors of a, b, c (null where not wanted). */
  grads: (Tensor | null)[];
  /** Index of each operand's gradient among the call's outputs, or −1. */
  outIndex: number[];
}

/**
 * The job a gradient runs as: a float32 job whose wanted gradient belongs to a broadcast operand runs in float64,
 * because that gradient is a sum over the broadcast dimensions, and summing float32-rounded elements (as PyTorch
 * does) can cancel to far more than 2 ulp of the result; per-element float64 gradients summed in float64 and
 * rounded once cannot.
 */
function gradJob(job: ElementwiseJob, req: GradRequest): ElementwiseJob {
  if (job.dtype !== 'float32') return job;
  const ops = [job.a, job.b, job.c];
  const broadcast = ops.some((t, i) => t !== null && req.want[i] && !sameShape(t.shape, job.shape));
  return broadcast ? { ...job, dtype: 'float64' } : job;
}

function gradSetup(job: ElementwiseJob, req: GradRequest, extra: Operand[]): GradSetup {
  const dests: Destination[] = [];
  const grads: (Tensor | null)[] = [null, null, null];
  const outIndex = [-1, -1, -1];
  [job.a, job.b, job.c].forEach((t, i) => {
    if (!t || !req.want[i]) return;
    const [d, g] = gradDestination(t, req.into[i] ?? null, job.dtype, job.shape);
    outIndex[i] = dests.push(d) - 1;
    grads[i] = g;
  });
  const call = new ChunkedCall(job.fn, job.dtype, job.shape, [...operandsOf(job), ...extra], dests);
  return { call, grads, outIndex };
}

/** The kernel pointers of the wanted gradients [ga, gb, gc] for the current chunk (0 where not wanted). */
function gradPointers(setup: GradSetup): [number, number, number] {
  const o = setup.outIndex,
    outs = setup.call.outs;
  return [o[0] >= 0 ? outs[o[0]] : 0, o[1] >= 0 ? outs[o[1]] : 0, o[2] >= 0 ? outs[o[2]] : 0];
}

/**
 * The gradients of Σ (or of each element, reduction 'none') of w·term(a, b, c) with respect to the wanted
 * operands, times the upstream gradient: a number (already scaled for the reduction) or a Tensor of the call's
 * shape. Returns [ga, gb, gc], null where not wanted.
 */
export function elementwiseGrad(j: ElementwiseJob, upstream: number | Tensor, req: GradRequest): (Tensor | null)[] {
  const job = gradJob(j, req);
  const g = upstream instanceof Tensor ? [operandOf(upstream, job.dtype, job.shape)] : [];
  const setup = gradSetup(job, req, g);
  const { call } = setup;
  const k = kernel<GradKernel>(job.term, 'grad', job.dtype);
  const gs = upstream instanceof Tensor ? 0 : upstream;
  const { ptrs } = call;
  const gi = ptrs.length - 1;
  for (let start = 0; start < call.n; start += call.chunk) {
    const len = Math.min(call.chunk, call.n - start);
    call.stage(start, len);
    const [a, b, c, w] = slots(job, ptrs);
    const [ga, gb, gc] = gradPointers(setup);
    k(a, b, c, w, g.length ? ptrs[gi] : 0, gs, ga, gb, gc, len, job.p, job.q);
    call.collect(start, len);
  }
  call.finish();
  return setup.grads;
}

/** The fused forward and backward of a reduction: Σ w·term(a, b, c) and its gradients times `gs`. */
export function elementwiseSumGrad(
  j: ElementwiseJob,
  gs: number,
  req: GradRequest,
): { sum: number; grads: (Tensor | null)[] } {
  const job = gradJob(j, req);
  const setup = gradSetup(job, req, []);
  const { call } = setup;
  const k = kernel<SumGradKernel>(job.term, 'sumgrad', job.dtype);
  const { ptrs } = call;
  let total = 0;
  for (let start = 0; start < call.n; start += call.chunk) {
    const len = Math.min(call.chunk, call.n - start);
    call.stage(start, len);
    const [a, b, c, w] = slots(job, ptrs);
    const [ga, gb, gc] = gradPointers(setup);
    const s = k(a, b, c, w, gs, ga, gb, gc, len, job.p, job.q);
    if (s !== s) runCheck(job.check, job.dtype, ptrs[0], start, len);
    total += s;
    call.collect(start, len);
  }
  call.finish();
  return { sum: total, grads: setup.grads };
}
