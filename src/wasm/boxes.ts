// Running the box IoU kernels (assembly/boxes/box_iou.ts: box_loss_*, box_grad_*) through the marshalling plan.
// The call's shape is boxes1's, [..., 4]; boxes2 broadcasts to it (a single box is expanded chunk by chunk by the
// plan), so the kernels always see two (n, 4) arrays of the same length. Chunks hold whole boxes (a chunk is a
// multiple of 4 elements); per-box losses and upstream gradients live in the call's extra scratch, float64.
// Gradients go through the plan's destinations, summed back to boxes2's shape when it was broadcast (then the
// kernels run in float64, so the sum is of unrounded elements, rounded once).
import type { TensorData } from '../tensor/dtype.js';
import { ARRAY_OF } from '../tensor/dtype.js';
import { broadcastStrides, numelOf } from '../tensor/shape.js';
import { residentOf, Tensor } from '../tensor/tensor.js';
import { kernels } from './instance.js';
import { CHUNK_BYTES, heap } from './memory.js';
import type { Destination, FloatDType } from './plan.js';
import { ChunkedCall, operandOf } from './plan.js';

/** The three losses, as the kernels' BOX_* kinds. */
export type BoxKind = 'giou' | 'diou' | 'ciou';

/** A validated box call: boxes1 of shape [..., 4], boxes2 broadcasting to it, both float. */
export interface BoxJob {
  readonly fn: string;
  readonly dtype: FloatDType;
  readonly kind: BoxKind;
  readonly eps: number;
  /** boxes1's shape, [..., 4]. */
  readonly shape: readonly number[];
  readonly boxes1: Tensor;
  readonly boxes2: Tensor;
}

function kindOf(kind: BoxKind): number {
  const k = kernels();
  return kind === 'giou' ? k.BOX_GIOU.value : kind === 'diou' ? k.BOX_DIOU.value : k.BOX_CIOU.value;
}

/** True when `t` has as many elements as the call (its layout is the call's: no sum over broadcast dimensions). */
function sameLayout(t: Tensor, shape: readonly number[]): boolean {
  return t.numel() === numelOf(shape);
}

function callOf(job: BoxJob, dtype: FloatDType, dests: Destination[], upstream: boolean): ChunkedCall {
  const boxes = CHUNK_BYTES / (dtype === 'float32' ? 4 : 8) / 4;
  const extra = upstream ? [boxes * 8, boxes * 8] : [boxes * 8];
  const ops = [operandOf(job.boxes1, dtype, job.shape), operandOf(job.boxes2, dtype, job.shape)];
  return new ChunkedCall(job.fn, dtype, job.shape, ops, dests, extra);
}

/** Σ of the per-box losses (float64), each also written to `out` when given (float64, one per box). */
export function boxLosses(job: BoxJob, out: Float64Array | null): number {
  const call = callOf(job, job.dtype, [], false);
  const k = kernels();
  const kernel = job.dtype === 'float32' ? k.box_loss_f32 : k.box_loss_f64;
  const kind = kindOf(job.kind);
  let sum = 0;
  for (let start = 0; start < call.n; start += call.chunk) {
    const len = Math.min(call.chunk, call.n - start);
    call.stage(start, len);
    const at = call.extra[0];
    sum += kernel(call.ptrs[0], call.ptrs[1], len / 4, kind, job.eps, out ? at : 0);
    if (out) out.set((heap().float64 as Float64Array).subarray(at / 8, at / 8 + len / 4), start / 4);
  }
  return sum;
}

/** Where the gradient of `t` goes (in place into a resident `into` of the kernel's dtype and layout, else copied). */
function destination(
  t: Tensor,
  into: Tensor | null,
  dtype: FloatDType,
  shape: readonly number[],
): [Destination, Tensor] {
  const same = sameLayout(t, shape);
  const target = into ?? new Tensor(new ARRAY_OF[t.dtype as FloatDType](t.numel()), t.shape, t.dtype);
  const r = residentOf(target);
  if (same && r && target.dtype === dtype) return [{ data: null, ptr: r.ptr, strides: null, shape }, target];
  const strides = same ? null : broadcastStrides(t.shape, shape);
  return [{ data: target.data as TensorData, ptr: -1, strides, shape: t.shape }, target];
}

/**
 * The gradients of Σ upstream·loss with respect to the boxes wanted (`want[i]`), written into `into[i]` where
 * given. `upstream`: one float64 per box, or a number shared by every box.
 */
export function boxGrads(
  job: BoxJob,
  upstream: Float64Array | number,
  want: readonly [boolean, boolean],
  into: readonly (Tensor | null)[],
): (Tensor | null)[] {
  const ops = [job.boxes1, job.boxes2];
  const broadcastWanted = want[1] && !sameLayout(job.boxes2, job.shape);
  const dtype: FloatDType = job.dtype === 'float64' || broadcastWanted ? 'float64' : 'float32';
  const dests: Destination[] = [];
  const outIndex = [-1, -1];
  const result: (Tensor | null)[] = [null, null];
  for (let i = 0; i < 2; i++) {
    if (!want[i]) continue;
    const [d, g] = destination(ops[i], into[i] ?? null, dtype, job.shape);
    outIndex[i] = dests.push(d) - 1;
    result[i] = g;
  }
  const perBox = typeof upstream !== 'number';
  const call = callOf(job, dtype, dests, perBox);
  const k = kernels();
  const kernel = dtype === 'float32' ? k.box_grad_f32 : k.box_grad_f64;
  const kind = kindOf(job.kind);
  const shared = perBox ? 0 : upstream;
  for (let start = 0; start < call.n; start += call.chunk) {
    const len = Math.min(call.chunk, call.n - start);
    call.stage(start, len);
    let g = 0;
    if (perBox) {
      g = call.extra[1];
      (heap().float64 as Float64Array).set(upstream.subarray(start / 4, (start + len) / 4), g / 8);
    }
    const out = (i: number): number => (outIndex[i] >= 0 ? call.outs[outIndex[i]] : 0);
    kernel(call.ptrs[0], call.ptrs[1], g, shared, len / 4, kind, job.eps, out(0), out(1), 0);
    call.collect(start, len);
  }
  call.finish();
  return result;
}
