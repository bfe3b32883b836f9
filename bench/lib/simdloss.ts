// simdloss as the benchmark drives it, in each mode of issue 3: end to end from ordinary typed arrays (copy-in
// included), resident inputs (`alloc`ed in wasm memory, read in place), and the raw kernel (a bare instance of
// the built binary, no facade). The same functions drive the package (dist, SIMD) and a bundled copy of the
// facade started on the scalar build, to show what SIMD buys.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { Case } from './cases.js';
import { isCe } from './cases.js';
import type { CaseData, Floats } from './data.js';
import type { Impl, Prepared } from './impl.js';
import { argShape, moreSpec } from './more.js';

/** The part of simdloss's public API the benchmark uses (satisfied by the package and by src/api.ts). */
export interface SimdlossApi {
  F: object;
  alloc(
    shape: readonly number[],
    dtype?: 'float32' | 'float64' | 'int32' | 'int64',
  ): {
    data: unknown;
    free(): void;
  };
  /** `valueAndGrad(F.<loss>, { into })` (src/core/loss.ts); absent in builds that predate it. */
  valueAndGrad?(
    fn: unknown,
    config?: { into?: readonly unknown[] },
  ): (...args: unknown[]) => { value: number; grads: Array<{ data: ArrayLike<number> } | null> };
}

type LossFn = (...args: unknown[]) => unknown;

/**
 * A second copy of the built package (dist/index.js bundled into one file: its own module state and wasm
 * instance), for the resident series. On Node 20 the first alloc() moves an instance to a shared memory, through
 * which typed-array calls copy ~5× slower (src/wasm/instance.ts); the end-to-end series stands for a program that
 * never calls alloc(), so it keeps the package's own instance, and the resident series allocates on this one.
 */
export async function packageCopy(): Promise<SimdlossApi> {
  const outfile = '.cache/simdloss-copy.mjs';
  await build({
    entryPoints: ['dist/index.js'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'es2022',
    logLevel: 'warning',
  });
  return (await import(pathToFileURL(resolve(outfile)).href)) as SimdlossApi;
}

/** The name of a case's functional, `F.<name>`. */
export function functionalName(c: Case): string {
  if (c.loss === 'more') return moreSpec(c.more!).fn;
  const names: Record<string, string> = {
    mse: 'mseLoss',
    l1: 'l1Loss',
    smoothL1: 'smoothL1Loss',
    bce: 'binaryCrossEntropy',
    ce: 'crossEntropy',
    ceBackward: 'crossEntropy',
  };
  return names[c.loss];
}

/** simdloss's functional for a case's loss, or undefined while that loss has not landed. */
export function functionalOf(api: SimdlossApi, c: Case): LossFn | undefined {
  const f = (api.F as Record<string, unknown>)[functionalName(c)];
  return typeof f === 'function' ? (f as LossFn) : undefined;
}

/** Σ g·x in float64: the gradient's checksum the backward cases compare with torch's (torch computes the same). */
export function gradDot(g: ArrayLike<number>, x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += g[i] * x[i];
  return s;
}

/**
 * A backward case's call: `valueAndGrad(F.crossEntropy, { into })` on [rows, C] logits and class indices, with the
 * gradient written to `into` when given (an `alloc`ed tensor: a training step that allocates nothing). Returns
 * the value; `last()` the gradient of the latest call.
 */
function backwardOf(
  api: SimdlossApi,
  c: Case,
  into?: unknown,
): { call: (x: unknown, y: unknown) => number; last: () => ArrayLike<number> } | undefined {
  const f = functionalOf(api, c);
  if (!f || !api.valueAndGrad) return undefined;
  const vg = api.valueAndGrad(f, into ? { into: [into, null] } : undefined);
  const shape = [c.rows!, c.classes!];
  let grad: ArrayLike<number> = [];
  return {
    call: (x, y) => {
      const r = vg(ArrayBuffer.isView(x) ? { data: x, shape } : x, y);
      grad = r.grads[0]!.data;
      return r.value;
    },
    last: () => grad,
  };
}

/** An issue-10 argument as a user holding typed arrays passes it: 1-D as is, [rows, width] as `{ data, shape }`. */
function moreInput(c: Case, k: number, a: unknown): unknown {
  const shape = argShape(moreSpec(c.more!), k, c.elements);
  return ArrayBuffer.isView(a) && shape.length > 1 ? { data: a, shape } : a;
}

/** One call of the loss on set `s`, the way a user holding typed arrays writes it. */
export function callOf(api: SimdlossApi, c: Case): ((x: unknown, y: unknown) => number) | undefined {
  const f = functionalOf(api, c);
  if (!f) return undefined;
  if (c.loss === 'more' || c.loss === 'ceBackward') {
    throw new Error(`bench: ${c.id} takes all its arguments (callArgsOf), not (x, y)`);
  }
  if (c.loss === 'ce') {
    const shape = [c.rows!, c.classes!];
    // Typed-array logits need their [rows, C] shape; a Tensor (resident) already has it.
    return (x, y) => f(ArrayBuffer.isView(x) ? { data: x, shape } : x, y) as number;
  }
  return (x, y) => f(x, y) as number;
}

/** One call on every argument of a case (issue 10's losses take two or three tensors, with their options). */
export function callArgsOf(api: SimdlossApi, c: Case): ((args: readonly unknown[]) => number) | undefined {
  const f = functionalOf(api, c);
  if (!f) return undefined;
  if (c.loss !== 'more') {
    const call = callOf(api, c)!;
    return (a) => call(a[0], a[1]);
  }
  const options = moreSpec(c.more!).options;
  return options
    ? (a) => f(...a.map((v, k) => moreInput(c, k, v)), options) as number
    : (a) => f(...a.map((v, k) => moreInput(c, k, v))) as number;
}

/** The value of set s (and, for a backward case, Σ g·x of its gradient): what the check test compares. */
export function checkValueOf(
  api: SimdlossApi,
  c: Case,
  d: CaseData,
  s = 0,
): { value: number; gradDot?: number } | undefined {
  if (c.loss === 'ceBackward') {
    const b = backwardOf(api, c);
    if (!b) return undefined;
    const value = b.call(d.xs[s], d.ys[s]);
    return { value, gradDot: gradDot(b.last(), d.xs[s]) };
  }
  const call = callArgsOf(api, c);
  return call && { value: call(d.args?.[s] ?? [d.xs[s], d.ys[s]]) };
}

/** End to end from JS typed arrays: validation, copy-in through the scratch arena, the kernel, the reduction. */
export function endToEnd(name: string, api: SimdlossApi): Impl {
  return {
    name,
    prepare(c: Case, d: CaseData): Prepared | string {
      if (c.loss === 'ceBackward') {
        // valueAndGrad from typed arrays: a new gradient tensor per call, as a user writes it without `into`.
        const b = backwardOf(api, c);
        if (!b) return 'valueAndGrad not available';
        return { call: (s) => b.call(d.xs[s], d.ys[s]), gradDot: (s) => gradDot(b.last(), d.xs[s]) };
      }
      const call = callArgsOf(api, c);
      if (!call) return `F.${functionalName(c)} not available`;
      const args = d.args ?? d.xs.map((x, s) => [x, d.ys[s]]);
      return { call: (s) => call(args[s]) };
    },
  };
}

/** Resident inputs: every set `alloc`ed in wasm memory once, then the same public call with no copy. */
export function resident(name: string, api: SimdlossApi): Impl {
  return {
    name,
    prepare(c: Case, d: CaseData): Prepared | string {
      if (c.loss === 'more') return 'issue 10 losses run end to end only';
      const held: Array<{ free(): void }> = [];
      if (c.loss === 'ceBackward') {
        // A training step: logits, targets and the gradient destination all resident, nothing allocated per call.
        const g = api.alloc([c.rows!, c.classes!], c.dtype);
        held.push(g);
        const b = backwardOf(api, c, g);
        if (!b) return 'valueAndGrad not available';
        const xs: unknown[] = [];
        const ys: unknown[] = [];
        for (let s = 0; s < c.sets; s++) {
          const x = api.alloc([c.rows!, c.classes!], c.dtype);
          const y = api.alloc([c.rows!], 'int32');
          (x.data as Floats).set(d.xs[s]);
          (y.data as Int32Array).set(d.ys[s] as Int32Array);
          held.push(x, y);
          xs.push(x);
          ys.push(y);
        }
        return {
          call: (s) => b.call(xs[s], ys[s]),
          gradDot: (s) => gradDot(b.last(), d.xs[s]),
          dispose: () =>
            held.forEach((t) => {
              t.free();
            }),
        };
      }
      const call = callOf(api, c);
      if (!call) return 'loss not available yet';
      const xs: unknown[] = [];
      const ys: unknown[] = [];
      for (let s = 0; s < c.sets; s++) {
        const x = api.alloc(isCe(c) ? [c.rows!, c.classes!] : [c.elements], c.dtype);
        const y = isCe(c) ? api.alloc([c.rows!], 'int32') : api.alloc([c.elements], c.dtype);
        (x.data as Floats).set(d.xs[s]);
        (y.data as Floats | Int32Array).set(d.ys[s] as never);
        held.push(x, y);
        xs.push(x);
        ys.push(y);
      }
      return {
        call: (s) => call(xs[s], ys[s]),
        dispose: () =>
          held.forEach((t) => {
            t.free();
          }),
      };
    },
  };
}

/**
 * A bare instance of a build (its own plain memory: the module imports one, src/wasm/instance.ts chooses its
 * kind for the library) and `stager()`, which starts a bump allocation at the heap base: each array it is given
 * is copied in (16-byte aligned) and its pointer returned.
 */
export function bareInstance(wasmFile: string): {
  k: Record<string, unknown> & { heap_base(): number };
  memory: WebAssembly.Memory;
  stager(): (a: ArrayBufferView) => number;
} {
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536 });
  const k = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmFile)), { env: { memory } })
    .exports as Record<string, unknown> & { heap_base(): number };
  const stager = (): ((a: ArrayBufferView) => number) => {
    let top = k.heap_base();
    return (a) => {
      const ptr = top;
      top = Math.ceil((ptr + a.byteLength) / 16) * 16;
      const need = top - memory.buffer.byteLength;
      if (need > 0) memory.grow(Math.ceil(need / 65536));
      new Uint8Array(memory.buffer, ptr, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      return ptr;
    };
  };
  return { k, memory, stager };
}

/**
 * A bare instance of `wasmFile` with a case's input sets copied in once (the raw-kernel A/B experiments): the
 * kernels, the memory, the sets' pointers, a 4-float64 result slot and the stager for more.
 */
export function stagedCase(
  wasmFile: string,
  d: CaseData,
): {
  k: Record<string, (...args: number[]) => number>;
  memory: WebAssembly.Memory;
  px: number[];
  py: number[];
  res: number;
  put: (a: ArrayBufferView) => number;
} {
  const { k, memory, stager } = bareInstance(wasmFile);
  const put = stager();
  const px = d.xs.map(put);
  const py = d.ys.map(put);
  const res = put(new Float64Array(4));
  return { k: k as unknown as Record<string, (...args: number[]) => number>, memory, px, py, res, put };
}

/** The raw kernels of a build: a bare instance, inputs copied into its memory once, then kernel calls only. */
export function rawKernel(name: string, wasmFile: string): Impl {
  const { k, memory, stager } = bareInstance(wasmFile);
  return {
    name,
    prepare(c: Case, d: CaseData): Prepared | string {
      if (c.loss === 'more' || c.loss === 'ceBackward') return 'no raw kernel in the bench for this case';
      const kernel = kernelOf(k, c);
      if (!kernel) return 'no raw kernel for this loss in this build';
      // Each prepare starts over at the heap base, so memory is reused across cases.
      const put = stager();
      const px: number[] = [];
      const py: number[] = [];
      for (let s = 0; s < c.sets; s++) {
        px.push(put(d.xs[s]));
        py.push(put(d.ys[s]));
      }
      // Scratch: res (4 float64) and, for CrossEntropy, the softmax statistics (m, s per row).
      const res = put(new Float64Array(4));
      const stats = put(new Float64Array(2 * (c.rows ?? 0)));
      const sums = (): number => new Float64Array(memory.buffer, res, 1)[0];
      return { call: (s) => kernel(px[s], py[s], res, stats, sums) };
    },
  };
}

type Kernel = (...args: number[]) => number;
/**
 * One kernel call on set pointers x, y; `res` is a float64 scratch slot for kernels that write their sums, `stats`
 * room for a row kernel's softmax statistics.
 */
type KernelCall = (x: number, y: number, res: number, stats: number, sums: () => number) => number;

/** The kernel call (mean over the case) for a build's exports, or undefined when it has none for the loss. */
function kernelOf(k: Record<string, unknown>, c: Case): KernelCall | undefined {
  const sfx = c.dtype === 'float32' ? 'f32' : 'f64';
  const n = c.elements;
  const get = (name: string): Kernel | undefined => (typeof k[name] === 'function' ? (k[name] as Kernel) : undefined);
  // Elementwise drivers (assembly/elementwise/driver.ts): <term>_sum_<dtype>(a, b, c, w, n, p, q) = Σ ℓ(a, b),
  // with no third operand (c = 0), no weight (w = 0) and the term's parameters p, q (SmoothL1: p = beta).
  const sumOf = (term: string, p = 0): KernelCall | undefined => {
    const f = get(`${term}_sum_${sfx}`);
    return f && ((x, y) => f(x, y, 0, 0, n, p, 0) / n);
  };
  switch (c.loss) {
    case 'more':
    case 'ceBackward':
      return undefined;
    case 'mse':
      return sumOf('sq_diff');
    case 'l1':
      return sumOf('abs_diff');
    case 'smoothL1':
      return sumOf('smooth_l1', 1);
    case 'bce':
      return sumOf('bce');
    case 'ce': {
      // softmax_stats_<dtype>(x, outer, C, inner, span, stats), then ce_index_loss_<dtype>(x, t, w, stats, outer,
      // C, inner, span, ignore, eps, flags, out, res), which writes res[0] = Σ nll (assembly/rows/): no weights,
      // inner = span = 1, ignore_index −100, no smoothing, no per-row output.
      const stats = get(`softmax_stats_${sfx}`);
      const loss = get(`ce_index_loss_${sfx}`);
      const rows = c.rows!;
      const classes = c.classes!;
      return (
        stats &&
        loss &&
        ((x, y, res, st, sums) => {
          stats(x, rows, classes, 1, 1, st);
          loss(x, y, 0, st, rows, classes, 1, 1, -100, 0, 0, 0, res);
          return sums() / rows;
        })
      );
    }
  }
}
