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
 * @example
 * import { init } from 'simdloss';
 * await init(new URL('simdloss/simdloss.wasm', import.meta.url));
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
