// Instantiation of simdloss.wasm: the one place that compiles or instantiates WebAssembly.
//
// Each entry point registers how to get the binary synchronously (the inlined base64 for the default entry, the
// imported WebAssembly.Module for workerd). The first kernel call instantiates from it when the engine allows a
// synchronous compile; `init()` does the same asynchronously from any source the user gives.
import type { KernelExports } from './kernels.js';

/** Anything `init` accepts: a compiled module, the bytes, a fetch `Response` (or a promise of one), or a URL. */
export type WasmSource =
  | WebAssembly.Module
  | BufferSource
  | Response
  | PromiseLike<Response>
  | URL
  | string;

let instance: KernelExports | undefined;
let pending: Promise<void> | undefined;
let defaultSource: (() => WebAssembly.Module | BufferSource) | undefined;
const listeners: Array<(k: KernelExports) => void> = [];

/** Registers the entry point's synchronous binary (called once at import by src/index*.ts). */
export function setDefaultSource(get: () => WebAssembly.Module | BufferSource): void {
  defaultSource = get;
}

// SIMD is required, never emulated: the scalar build sums in a different order, so falling back to it would give
// other bits than every other engine for the same inputs, and it would double the inlined binary for the sake of
// engines from before 2021 (Chrome 91, Firefox 89, Safari 16.4, Node 16.4). An engine without SIMD gets an error
// that names it instead of a CompileError about an unknown opcode.

/** The smallest module that uses v128 (`i32.const 0; i8x16.splat; i8x16.popcnt`), as wasm-feature-detect's. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

let simdChecked = false;

/** Throws an error naming SIMD when `WebAssembly.validate` says the engine cannot run v128 code. */
function requireSimd(): void {
  if (simdChecked) return;
  let supported = true;
  try {
    supported = WebAssembly.validate(SIMD_PROBE);
  } catch {
    // An embedder that forbids even validation leaves the verdict to compilation.
  }
  if (!supported) {
    throw new Error(
      'simdloss: this JavaScript engine lacks WebAssembly SIMD (128-bit fixed-width SIMD), which simdloss ' +
        'requires; use Node >= 16.4, Chrome/Edge >= 91, Firefox >= 89, Safari >= 16.4, Deno, Bun or workerd',
    );
  }
  simdChecked = true;
}

/** Calls `fn` with the exports as soon as the module is instantiated (immediately if it already is). */
export function onInstantiate(fn: (k: KernelExports) => void): void {
  listeners.push(fn);
  if (instance) fn(instance);
}

function adopt(inst: WebAssembly.Instance): void {
  if (instance) return;
  const k = inst.exports as unknown as KernelExports;
  instance = k;
  for (const fn of listeners) fn(k);
}

/** The kernel exports, instantiating synchronously on first use where the engine allows it. */
export function kernels(): KernelExports {
  return instance ?? instantiateSync();
}

function instantiateSync(): KernelExports {
  if (!defaultSource) {
    throw new Error('simdloss: the WebAssembly module is not initialised; call `await init(source)` first');
  }
  requireSimd();
  try {
    const source = defaultSource();
    const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source);
    adopt(new WebAssembly.Instance(module, {}));
  } catch (cause) {
    throw new Error(
      'simdloss: this engine refused to compile WebAssembly synchronously; call `await init()` once before ' +
        `the first loss (${cause instanceof Error ? cause.message : String(cause)})`,
      { cause },
    );
  }
  return instance!;
}

/**
 * Instantiates simdloss.wasm; idempotent (later calls resolve at once).
 * Not needed in Node, Deno, Bun or workerd, where the first call starts the module synchronously; needed in
 * browsers that refuse synchronous compilation of large modules.
 *
 * @param source A `WebAssembly.Module`, the wasm bytes, a `Response` (or a promise of one), or a URL to fetch.
 *   Defaults to the binary bundled with the entry point.
 * @throws {TypeError} When `source` is none of these, or the bytes are not a valid simdloss binary.
 * @throws {Error} When the engine lacks WebAssembly SIMD (simdloss requires it; there is no scalar fallback).
 * @example
 * import { init } from 'simdloss';
 * // In a browser, with the package's `simdloss/simdloss.wasm` served as application/wasm:
 * await init('/assets/simdloss.wasm');
 */
export function init(source?: WasmSource): Promise<void> {
  if (instance) return Promise.resolve();
  pending ??= instantiateAsync(source).catch((err: unknown) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function instantiateAsync(source: WasmSource | undefined): Promise<void> {
  const resolved = source ?? defaultSource?.();
  if (resolved === undefined) throw new TypeError('init: no source given and the entry point bundles none');
  requireSimd();
  const module = await compile(resolved);
  adopt(await WebAssembly.instantiate(module, {}));
}

async function compile(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(source);
  if (typeof source === 'string' || source instanceof URL) return compile(fetch(source));
  if (typeof (source as PromiseLike<Response>).then === 'function') return compile(await source);
  if (typeof Response !== 'undefined' && source instanceof Response) {
    if (!source.ok) throw new TypeError(`init: fetching the wasm failed (got HTTP ${source.status})`);
    if (typeof WebAssembly.compileStreaming === 'function' &&
        source.headers.get('content-type')?.startsWith('application/wasm')) {
      return WebAssembly.compileStreaming(source);
    }
    return WebAssembly.compile(await source.arrayBuffer());
  }
  throw new TypeError(`init: source must be a WebAssembly.Module, bytes, a Response or a URL (got ${typeof source})`);
}
