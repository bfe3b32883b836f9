// Raw access to the compiled test builds, for kernel tests that run the same kernel in the SIMD build and the
// scalar build and compare both with TypeScript references. Both test builds come from assembly/testing.ts: the
// release ABI plus test-only exports (exp/log maps and ulp sweeps). Each instance gets its own imported memory,
// as the facade creates it (src/wasm/instance.ts), and a bump allocator above `heap_base()` stands in for the
// facade's allocator.
//
// Every call of an export through `RawBuild.k` is recorded in `CALLED`, so a kernel test file can assert at its end
// that it called every export of its family (`KERNEL_FAMILIES`): a kernel nobody calls fails there, and a kernel
// that disappears fails where it is called.
import { readFileSync } from 'node:fs';

/** The builds every kernel test runs against (asconfig.json targets `testing` and `testing-scalar`). */
export const BUILDS = ['testing', 'testing-scalar'] as const;
export type BuildName = (typeof BUILDS)[number];

/** Lengths that cover empty, scalar tails, one and several SIMD iterations, and memory growth (DESIGN.md §4). */
export const LENGTHS = [0, 1, 3, 4, 5, 15, 16, 17, 31, 33, 1000, 65537] as const;

/** The shipped binary, for the ABI comparison (kernel tests run the test builds). */
export const RELEASE = 'release' as const;

const FILES: Record<BuildName | typeof RELEASE, string> = {
  testing: 'build/simdloss.testing.wasm',
  'testing-scalar': 'build/simdloss.testing.scalar.wasm',
  release: 'build/simdloss.wasm',
};

/** The memory the module imports, as src/wasm/instance.ts makes it (asconfig.json: initial 2, maximum 65536). */
export const INITIAL_PAGES = 2;
export const MAXIMUM_PAGES = 65536;

type Arr = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
type Ctor<A extends Arr> = { new (buffer: ArrayBuffer, offset: number, length: number): A; BYTES_PER_ELEMENT: number };
export type Floats = Float32Array | Float64Array;

/** Kernel exports, loosely typed: the tests call them by computed names. */
export type Exports = Record<string, (...args: number[]) => number> & {
  heap_base(): number;
  simd_enabled(): number;
};

/** Names of the exports called so far in this test file (a file is one module instance under vitest). */
export const CALLED = new Set<string>();

const modules = new Map<string, WebAssembly.Module>();

/** The compiled module of a build (compiled once per test file). */
export function moduleOf(name: BuildName | typeof RELEASE): WebAssembly.Module {
  let m = modules.get(name);
  if (!m) {
    m = new WebAssembly.Module(readFileSync(new URL(`../../${FILES[name]}`, import.meta.url)));
    modules.set(name, m);
  }
  return m;
}

/** Export names and kinds of a build, with each function's parameter count (`name:function/6`). */
export function abiOf(name: BuildName | typeof RELEASE): Map<string, string> {
  const instance = instantiate(name).instance;
  const out = new Map<string, string>();
  for (const e of WebAssembly.Module.exports(moduleOf(name))) {
    const v = instance.exports[e.name];
    out.set(e.name, e.kind === 'function' ? `function/${(v as (...a: unknown[]) => unknown).length}` : e.kind);
  }
  return out;
}

function instantiate(name: BuildName | typeof RELEASE): { instance: WebAssembly.Instance; memory: WebAssembly.Memory } {
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES });
  return { instance: new WebAssembly.Instance(moduleOf(name), { env: { memory } }), memory };
}

/** One instantiated build with its own memory and a bump allocator. */
export class RawBuild {
  /** The exports; every function call is recorded in CALLED. */
  readonly k: Exports;
  /** The raw exports (not recorded). */
  readonly raw: WebAssembly.Exports;
  readonly memory: WebAssembly.Memory;
  private top: number;

  constructor(readonly name: BuildName | typeof RELEASE) {
    const { instance, memory } = instantiate(name);
    this.memory = memory;
    this.raw = instance.exports;
    const k: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(instance.exports)) {
      k[key] =
        typeof v !== 'function'
          ? v
          : (...args: number[]) => {
              CALLED.add(key);
              return (v as (...a: number[]) => number)(...args);
            };
    }
    this.k = k as Exports;
    this.top = this.base();
  }

  /** The first byte the tests may use (the module's heap base). */
  base(): number {
    return (this.raw.heap_base as () => number)();
  }

  /** Frees everything handed out. */
  reset(): void {
    this.top = this.base();
  }

  /**
   * Reserves `bytes` at `misalign` bytes past a 16-byte boundary, with 16 guard bytes before and after that the
   * tests may check (`guardsIntact`); returns the byte offset.
   */
  reserveBytes(bytes: number, misalign = 0): number {
    const ptr = Math.ceil((this.top + 16) / 16) * 16 + misalign;
    this.top = ptr + bytes + 16;
    const need = this.top - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / 65536));
    return ptr;
  }

  /** Reserves `n` elements of `ctor` at `misalign` bytes past a 16-byte boundary; returns the byte offset. */
  reserve(ctor: { BYTES_PER_ELEMENT: number }, n: number, misalign = 0): number {
    return this.reserveBytes(n * ctor.BYTES_PER_ELEMENT, misalign);
  }

  /** Copies `values` into fresh memory (any misalignment, byte-wise); returns the byte offset. */
  put(values: Arr, misalign = 0): number {
    const ptr = this.reserveBytes(values.byteLength, misalign);
    this.bytes(ptr, values.byteLength).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return ptr;
  }

  /** Overwrites memory at `ptr` with `values` (byte-wise). */
  write(ptr: number, values: Arr): void {
    this.bytes(ptr, values.byteLength).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }

  /** A live byte view of memory (invalid after growth). */
  bytes(ptr: number, n: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, n);
  }

  /** A copy of `n` elements at `ptr` (any alignment). */
  read<C extends Ctor<Arr>>(ctor: C, ptr: number, n: number): InstanceType<C> {
    const copy = new Uint8Array(n * ctor.BYTES_PER_ELEMENT);
    copy.set(this.bytes(ptr, copy.length));
    return new ctor(copy.buffer, 0, n) as InstanceType<C>;
  }

  /** Fills `bytes` bytes at `ptr` and the 16 guard bytes on each side with `fill`. */
  poison(ptr: number, bytes: number, fill = 0xa5): void {
    this.bytes(ptr - 16, bytes + 32).fill(fill);
  }

  /** True when the 16 bytes before `ptr` and after `ptr + bytes` still hold `fill` (nothing wrote past the ends). */
  guardsIntact(ptr: number, bytes: number, fill = 0xa5): boolean {
    const before = this.bytes(ptr - 16, 16),
      after = this.bytes(ptr + bytes, 16);
    return before.every((v) => v === fill) && after.every((v) => v === fill);
  }
}

/**
 * Which kernel test file is responsible for each export of the test builds: the file calls every export of its
 * family (checked at its end). test/kernel-abi.test.ts checks that every export belongs to exactly one family.
 */
export const KERNEL_FAMILIES: Record<string, (name: string) => boolean> = {
  /** test/elementwise-kernels.test.ts: `<term>_{sum,map,grad,sumgrad}_{f32,f64}`. */
  elementwise: (n) => /^[a-z0-9_]+_(sum|map|grad|sumgrad)_f(32|64)$/.test(n) && !/^(ce|pd|cos|box)_/.test(n),
  /** test/rows-kernels.test.ts: softmax statistics and CrossEntropy/NLL, with their flag globals. */
  rows: (n) => /^(softmax_stats(_wide)?|ce_[a-z_]+)_f(32|64)$/.test(n) || /^CE_[A-Z_]+$/.test(n),
  /** test/pairwise-kernels.test.ts: assembly/rows/pairwise.ts (p-norm distances, cosine), with its mode globals. */
  pairwise: (n) => /^(pd_(acc2?|ties|grad)|cos_(acc|grad))_f(32|64)$/.test(n) || /^PD_[A-Z0-9_]+$/.test(n),
  /** test/ctc-kernels.test.ts: assembly/rows/ctc.ts, with its flag globals. */
  ctc: (n) => /^ctc_[a-z0-9_]+$/.test(n) || /^CTC_[A-Z_]+$/.test(n),
  /** test/box-kernels.test.ts: assembly/boxes/box_iou.ts (GIoU, DIoU, CIoU), with its kind globals. */
  boxes: (n) => /^box_(loss|grad)_f(32|64)$/.test(n) || /^BOX_[A-Z]+$/.test(n),
  /** test/checks-kernels.test.ts: assembly/checks.ts. */
  checks: (n) => /^outside_unit_f(32|64)$/.test(n) || n === 'narrow_i64_i32',
  /** test/exp.test.ts (test build only). */
  exp: (n) => /^exp[mr]?_/.test(n),
  /** test/log.test.ts (test build only). */
  log: (n) => /^(log|log1p|log_clamped)_f(32|64)_(map|max_ulp_error)$/.test(n) || n === 'log_f32_max_ulp_error',
  /** test/log1p.test.ts (test build only): assembly/math/softplus.ts and log_split.ts. */
  softplus: (n) =>
    /^(log1p_unit|softplus_tail)_f32_(map|max_ulp_error)$/.test(n) ||
    /^split_(log|log_hf|log_div|exp)_f32_max_(abs|rel)_error$/.test(n),
  /**
   * test/margin-rows-kernels.test.ts: the row kernels over contiguous class scores (MultiMargin, MultiLabelMargin,
   * MultiLabelSoftMargin), NLL over gathered log-probabilities, their target check and flag globals.
   */
  classRows: (n) =>
    /^(multi_margin|multilabel_margin|multilabel_soft_margin|nll)_(loss|backward)_f(32|64)$/.test(n) ||
    /^nll_loss_rows_f(32|64)$/.test(n) ||
    n === 'index_outside_i32' ||
    n === 'MARGIN_WRITE_OUT' ||
    n === 'NLL_WRITE_OUT',
  /** The module's own plumbing (memory layout, build flag), used by every file. */
  runtime: (n) => n === 'memory' || n === 'heap_base' || n === 'simd_enabled',
};

/** The function exports of family `family` that this test file has not called (empty when it called all). */
export function uncalled(family: keyof typeof KERNEL_FAMILIES): string[] {
  const exports = WebAssembly.Module.exports(moduleOf('testing'));
  return exports
    .filter((e) => e.kind === 'function' && KERNEL_FAMILIES[family](e.name) && !CALLED.has(e.name))
    .map((e) => e.name);
}

/** Deterministic pseudo-random numbers (mulberry32), shared with the benchmark's input generator. */
export { rng } from '../../bench/lib/data.js';

/**
 * True when two float arrays hold the same bits element for element, a NaN matching any NaN (engines may
 * canonicalise NaN payloads); a +0 against a −0 is a difference. Returns the first differing index, or −1.
 */
export function firstBitDifference(got: Floats, want: Floats): number {
  if (got.length !== want.length) return Math.min(got.length, want.length);
  const wide = got instanceof Float64Array;
  const g = wide
    ? new BigInt64Array(got.buffer, got.byteOffset, got.length)
    : new Int32Array(got.buffer, got.byteOffset, got.length);
  const w = wide
    ? new BigInt64Array(want.buffer, want.byteOffset, want.length)
    : new Int32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < g.length; i++) {
    if (g[i] !== w[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) return i;
  }
  return -1;
}

/** A number with its sign of zero shown (`-0`), for failure messages. */
export function show(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}
