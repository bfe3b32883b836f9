// Raw access to each compiled build (SIMD release and scalar), for kernel tests that run the same kernel in both
// and compare with a float64 TypeScript reference. A bump pointer over the module's own memory stands in for the
// facade's allocator.
import { readFileSync } from 'node:fs';
import type { KernelExports } from '../../src/wasm/kernels.js';

/** The builds every kernel test runs against. */
export const BUILDS = ['release', 'scalar'] as const;
export type BuildName = (typeof BUILDS)[number];

/** Lengths that cover empty, scalar tails, one and several SIMD iterations, and memory growth (DESIGN.md §4). */
export const LENGTHS = [0, 1, 3, 4, 5, 15, 16, 17, 31, 33, 1000, 65537] as const;

const FILES: Record<BuildName, string> = {
  release: 'build/simdloss.wasm',
  scalar: 'build/simdloss.scalar.wasm',
};

type Arr = Float32Array | Float64Array | Int32Array | BigInt64Array;
type Ctor<A extends Arr> = { new (buffer: ArrayBuffer, offset: number, length: number): A; BYTES_PER_ELEMENT: number };

/** One instantiated build with a bump allocator. */
export class RawBuild {
  readonly k: KernelExports & Record<string, (...args: number[]) => number>;
  private top: number;

  constructor(readonly name: BuildName) {
    const module = new WebAssembly.Module(readFileSync(new URL(`../../${FILES[name]}`, import.meta.url)));
    this.k = new WebAssembly.Instance(module, {}).exports as never;
    this.top = this.k.heap_base();
  }

  /** Frees everything `put`/`reserve` handed out. */
  reset(): void {
    this.top = this.k.heap_base();
  }

  /** Reserves `n` elements of `ctor` (16-byte aligned, plus `misalign` bytes) and returns the byte offset. */
  reserve<A extends Arr>(ctor: Ctor<A>, n: number, misalign = 0): number {
    const ptr = this.top + misalign;
    this.top = Math.ceil((ptr + n * ctor.BYTES_PER_ELEMENT) / 16) * 16 + 16;
    const need = this.top - this.k.memory.buffer.byteLength;
    if (need > 0) this.k.memory.grow(Math.ceil(need / 65536));
    return ptr;
  }

  /** Copies `values` into fresh memory; returns the byte offset. */
  put<A extends Arr>(values: A, misalign = 0): number {
    const ctor = values.constructor as Ctor<A>;
    const ptr = this.reserve(ctor, values.length, misalign);
    new ctor(this.k.memory.buffer, ptr, values.length).set(values as never);
    return ptr;
  }

  /** A copy of `n` elements at `ptr`. */
  read<A extends Arr>(ctor: Ctor<A>, ptr: number, n: number): A {
    return (new ctor(this.k.memory.buffer, ptr, n) as A).slice() as A;
  }
}

/** Deterministic pseudo-random numbers (mulberry32), shared with the benchmark's input generator. */
export { rng } from '../../bench/lib/data.js';
