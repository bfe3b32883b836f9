// Running the CTC kernels (assembly/rows/ctc.ts) over a batch: one sequence at a time, through the scratch arena.
// Log-probabilities are (T, N, C); sequence b's frames are lp[t, b, :], C elements N·C apart. A resident tensor in
// the kernel's dtype is read in place with that stride; otherwise the frames of a group of neighbouring sequences
// are copied to the scratch (one contiguous copy per frame and group) and read with the group's stride. Gradients
// come back the same way. Working memory is one sequence's α rows and emission ratios (about T·(4S + 6) float64
// for a gradient, a few rows for a loss) plus the group blocks, which are sized from that, so it never grows with N.
import { ARRAY_OF, BYTES } from '../tensor/dtype.js';
import { residentOf, Tensor } from '../tensor/tensor.js';
import type { KernelExports } from './instance.js';
import { kernels } from './instance.js';
import { beginScratch, CHUNK_BYTES, heap, scratchBytes, takeScratch } from './memory.js';
import type { FloatDType } from './plan.js';

/** A validated CTC call: log-probabilities (T, N, C) and, per sequence, its lengths and labels. */
export interface CtcJob {
  readonly fn: string;
  readonly dtype: FloatDType;
  /** Log-probabilities, read as (T, N, C) (an unbatched (T, C) tensor is N = 1). */
  readonly lp: Tensor;
  readonly T: number;
  readonly N: number;
  readonly C: number;
  readonly blank: number;
  /** Input length of each sequence, in [1, T]. */
  readonly inputLengths: Int32Array;
  /** Target length of each sequence (≥ 0). */
  readonly targetLengths: Int32Array;
  /** Every sequence's labels, packed: sequence b's are labels[offsets[b], offsets[b] + targetLengths[b]). */
  readonly labels: Int32Array;
  readonly offsets: Int32Array;
}

/** The gradient of a call: where it goes, and each sequence's upstream gradient. */
export interface CtcGradRequest {
  /** d loss / d nll_b for each sequence (already reduced: 1/(N·max(tl, 1)) for 'mean', …). */
  readonly upstream: Float64Array;
  /** Zero the gradient of sequences whose loss is +∞ (PyTorch's zero_infinity). */
  readonly zeroInfinity: boolean;
  /** Destination of lp's shape and dtype, or null for a new tensor. */
  readonly into: Tensor | null;
}

function lossKernel(dtype: FloatDType): KernelExports['ctc_loss_f32'] {
  const k = kernels();
  return dtype === 'float32' ? k.ctc_loss_f32 : k.ctc_loss_f64;
}

function gradKernel(dtype: FloatDType): KernelExports['ctc_backward_f32'] {
  const k = kernels();
  return dtype === 'float32' ? k.ctc_backward_f32 : k.ctc_backward_f64;
}

/** True when `t` is resident in wasm memory in `dtype` (read or written in place). */
function residentIn(t: Tensor | null, dtype: FloatDType): boolean {
  return t !== null && residentOf(t) !== undefined && t.dtype === dtype;
}

function maxOf(a: Int32Array): number {
  let m = 0;
  for (const v of a) if (v > m) m = v;
  return m;
}

/**
 * The losses (nll per sequence, float64; +∞ where no alignment exists) and, when `grad` is given, the gradient
 * PyTorch returns (d loss / d logits of a log_softmax that produced lp), one sequence at a time in one pass.
 */
export function ctcRun(job: CtcJob, grad: CtcGradRequest | null): { nll: Float64Array; grad: Tensor | null } {
  const { dtype, T, N, C, blank } = job;
  const k = kernels();
  const bytes = BYTES[dtype];
  const loss = lossKernel(dtype);
  const gradK = grad ? gradKernel(dtype) : null;
  const flags = grad ? k.CTC_KEEP_ALPHA.value : 0;
  const gradFlags = grad?.zeroInfinity ? k.CTC_ZERO_INFINITY.value : 0;
  const nll = new Float64Array(N);
  const out = grad ? (grad.into ?? new Tensor(new ARRAY_OF[dtype](T * N * C), job.lp.shape, dtype)) : null;
  if (N === 0) return { nll, grad: out };

  const Tmax = maxOf(job.inputLengths);
  const Smax = maxOf(job.targetLengths);
  const workBytes = scratchBytes(k.ctc_work_bytes(Tmax, Smax, C, flags));
  const lpInPlace = residentIn(job.lp, dtype);
  const gInPlace = out !== null && residentIn(out, dtype);
  // Sequences per group: as many as fit in the larger of one sequence's work and 4 chunks (never fewer than one).
  const perSequence = (lpInPlace ? 0 : Tmax * C * bytes) + (out && !gInPlace ? T * C * bytes : 0);
  const budget = Math.max(workBytes, 4 * CHUNK_BYTES);
  const G = perSequence === 0 ? N : Math.max(1, Math.min(N, Math.floor(budget / perSequence)));
  const lpBlock = lpInPlace ? 0 : scratchBytes(Tmax * G * C * bytes);
  const gBlock = out && !gInPlace ? scratchBytes(T * G * C * bytes) : 0;
  const labelBytes = scratchBytes(Math.max(1, G * Smax) * 4);
  beginScratch(job.fn, workBytes + lpBlock + gBlock + labelBytes);
  const work = takeScratch(workBytes);
  const lpSlot = lpInPlace ? 0 : takeScratch(lpBlock);
  const gSlot = gBlock > 0 ? takeScratch(gBlock) : 0;
  const labelSlot = takeScratch(labelBytes);
  const lpData = job.lp.data as Float64Array;
  const lpBase = lpInPlace ? residentOf(job.lp)!.ptr : 0;
  const gBase = gInPlace ? residentOf(out!)!.ptr : 0;
  const gData = out && !gInPlace ? (out.data as Float64Array) : null;

  for (let b0 = 0; b0 < N; b0 += G) {
    const g = Math.min(G, N - b0);
    const h = heap();
    const view = h[dtype] as Float64Array;
    // This group's labels, packed from offset 0 of the slot.
    const l0 = job.offsets[b0];
    const l1 = job.offsets[b0 + g - 1] + job.targetLengths[b0 + g - 1];
    (h.int32 as Int32Array).set(job.labels.subarray(l0, l1), labelSlot / 4);
    let ldLp = N * C;
    if (!lpInPlace) {
      // Frames [0, Tg) of sequences [b0, b0 + g): one contiguous run of g·C elements per frame.
      let Tg = 0;
      for (let b = b0; b < b0 + g; b++) Tg = Math.max(Tg, job.inputLengths[b]);
      const run = g * C;
      const at = lpSlot / bytes;
      for (let t = 0; t < Tg; t++) {
        const src = (t * N + b0) * C;
        view.set(lpData.subarray(src, src + run), at + t * run);
      }
      ldLp = run;
    }
    const ldGrad = gInPlace ? N * C : g * C;
    for (let b = b0; b < b0 + g; b++) {
      const lpPtr = lpInPlace ? lpBase + b * C * bytes : lpSlot + (b - b0) * C * bytes;
      const labPtr = labelSlot + (job.offsets[b] - l0) * 4;
      const il = job.inputLengths[b];
      const S = job.targetLengths[b];
      const v = loss(lpPtr, ldLp, il, C, labPtr, S, blank, work, flags);
      nll[b] = v;
      if (gradK) {
        const gPtr = gInPlace ? gBase + b * C * bytes : gSlot + (b - b0) * C * bytes;
        gradK(lpPtr, ldLp, il, C, labPtr, S, blank, work, gradFlags, v, grad!.upstream[b], gPtr, ldGrad, T);
      }
    }
    if (gData) {
      const view2 = heap()[dtype] as Float64Array;
      const run = g * C;
      const at = gSlot / bytes;
      for (let t = 0; t < T; t++) gData.set(view2.subarray(at + t * run, at + (t + 1) * run), (t * N + b0) * C);
    }
  }
  return { nll, grad: out };
}
