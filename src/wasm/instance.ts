// Instantiation of simdloss.wasm: the one place that compiles or instantiates WebAssembly, and that creates the
// module's memory.
//
// Each entry point registers how to get the binary synchronously (the inlined base64 for the default entry, the
// imported WebAssembly.Module for workerd). The first kernel call instantiates from it when the engine allows a
// synchronous compile; `init()` does the same asynchronously from any source the user gives.
//
// Memory. The module imports its memory, so this file chooses what kind it is. `alloc()` hands out typed-array
// views of wasm memory that users keep, and an ordinary memory's `grow` detaches every view of it (writes through
// a detached view are silently dropped). So, in order of preference:
//   'resizable'  a memory whose buffer is resizable (`toResizableBuffer()`, V8 ≥ 12, Deno, Bun, workerd, Chromium):
//                growing resizes the buffer in place and every view stays valid;
//   'shared'     a shared memory (Node 20, where the above is missing): views of a SharedArrayBuffer survive
//                growth too. The binary declares an ordinary memory import, so its bytes are patched to declare
//                a shared one (one flag byte of the import; `withSharedMemoryImport`). V8 copies into and out of
//                a SharedArrayBuffer with relaxed-atomic word loops, ~5× slower than memcpy (0.2 against 0.04
//                ns per float here), and every call that stages typed arrays pays that per operand. So such an
//                engine starts on an ordinary memory, 'fixed' while no alloc()ed tensor exists (nothing can be
//                detached then), and the first alloc() moves to the shared module (`upgradeForViews`): the patched
//                bytes compiled, a shared memory of the same size with the old bytes copied in, and the new
//                instance's exports in place of the old (the kernels keep no state outside memory);
//   'fixed'      neither (older engines, or a precompiled module that cannot be patched and no resizable
//                buffers): memory.ts then refuses to grow while an alloc()ed tensor is alive, with an error that
//                says so, instead of detaching its views.
import type { KernelExports } from './abi.generated.js';

export type { KernelExports } from './abi.generated.js';

/** Anything `init` accepts: a compiled module, the bytes, a fetch `Response` (or a promise of one), or a URL. */
export type WasmSource = WebAssembly.Module | BufferSource | Response | PromiseLike<Response> | URL | string;

/** How the module's memory keeps views valid when it grows (see the file header). */
export type MemoryKind = 'resizable' | 'shared' | 'fixed';

/** Pages the module declares (asconfig.json: initialMemory 2, maximumMemory 65536). */
const INITIAL_PAGES = 2;
const MAXIMUM_PAGES = 65536;

let instance: KernelExports | undefined;
let memoryKind: MemoryKind = 'fixed';
let pending: Promise<void> | undefined;
let defaultSource: (() => WebAssembly.Module | BufferSource) | undefined;
const listeners: Array<(k: KernelExports, kind: MemoryKind) => void> = [];
/** The shared-memory module's bytes, kept while an ordinary memory could still move to them (see the header). */
let sharedBytes: Uint8Array | undefined;
const upgradeListeners: Array<(k: KernelExports) => void> = [];

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
export function onInstantiate(fn: (k: KernelExports, kind: MemoryKind) => void): void {
  listeners.push(fn);
  if (instance) fn(instance, memoryKind);
}

/** The kernel exports, instantiating synchronously on first use where the engine allows it. */
export function kernels(): KernelExports {
  return instance ?? instantiateSync();
}

/** How this instance's memory treats views on growth (instantiating first if needed). */
export function memoryKindOf(): MemoryKind {
  kernels();
  return memoryKind;
}

// ---------------------------------------------------------------------------------------------------------------
// Memory

function ordinaryMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES });
}

/** True when this engine turns a memory's buffer resizable (then views survive growth without sharing). */
function resizableBuffers(): boolean {
  return typeof (WebAssembly.Memory.prototype as { toResizableBuffer?: unknown }).toResizableBuffer === 'function';
}

/** A shared memory, or undefined where the engine (or the embedder's policy) refuses one. */
function sharedMemory(): WebAssembly.Memory | undefined {
  try {
    return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
  } catch {
    return undefined;
  }
}

/** Reads an unsigned LEB128 at `at`; returns [value, next offset]. */
function leb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, at];
    shift += 7;
  }
}

/**
 * A copy of the module bytes with the memory import declared shared (limits flag 0x01 → 0x03), or undefined when
 * the bytes hold no such import. Walks the import section (id 2): entries of module name, field name, kind, type.
 */
export function withSharedMemoryImport(source: Uint8Array): Uint8Array | undefined {
  let at = 8;
  while (at < source.length) {
    const id = source[at];
    const [size, body] = leb(source, at + 1);
    if (id === 2) {
      let [count, p] = leb(source, body);
      for (; count > 0; count--) {
        for (let name = 0; name < 2; name++) {
          const [len, next] = leb(source, p);
          p = next + len;
        }
        const kind = source[p++];
        if (kind === 0x02) {
          if (source[p] !== 0x01) return undefined; // no maximum: cannot be shared
          const patched = new Uint8Array(source); // a copy: a Node Buffer's slice() is a view of the caller's bytes
          patched[p] = 0x03;
          return patched;
        }
        // Skip the other kinds' types: func (type index), table (reftype + limits), global (valtype + mut).
        if (kind === 0x00) p = leb(source, p)[1];
        else if (kind === 0x01) p = skipLimits(source, p + 1);
        else if (kind === 0x03) p += 2;
        else return undefined;
      }
      return undefined;
    }
    at = body + size;
  }
  return undefined;
}

function skipLimits(bytes: Uint8Array, at: number): number {
  const flag = bytes[at];
  let p = leb(bytes, at + 1)[1];
  if (flag & 1) p = leb(bytes, p)[1];
  return p;
}

function bytesOf(source: BufferSource): Uint8Array {
  return source instanceof Uint8Array
    ? source
    : ArrayBuffer.isView(source)
      ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
      : new Uint8Array(source);
}

/** The module to instantiate and its memory, from bytes (which can be patched for a shared memory) or a module. */
interface Plan {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  kind: MemoryKind;
}

function planFromModule(module: WebAssembly.Module): Plan {
  return { module, memory: ordinaryMemory(), kind: resizableBuffers() ? 'resizable' : 'fixed' };
}

/**
 * The module patched to import a shared memory, where the engine has shared memories but no resizable buffers
 * (the bytes the first alloc() moves to); undefined elsewhere, or when the bytes hold no patchable import.
 */
function sharedVariant(bytes: Uint8Array): Uint8Array | undefined {
  return !resizableBuffers() && sharedMemory() ? withSharedMemoryImport(bytes) : undefined;
}

// Engines that would take a shared memory start on the ordinary one and keep the patched bytes for the first
// alloc() (`upgradeForViews`): compiling them is deferred until views need it.
function planFromBytes(bytes: Uint8Array): Plan {
  sharedBytes = sharedVariant(bytes);
  return planFromModule(new WebAssembly.Module(bytes as BufferSource));
}

async function planFromBytesAsync(bytes: Uint8Array): Promise<Plan> {
  sharedBytes = sharedVariant(bytes);
  return planFromModule(await WebAssembly.compile(bytes as BufferSource));
}

/** Calls `fn` with the new exports when `upgradeForViews` replaces the instance (the memory's contents kept). */
export function onUpgrade(fn: (k: KernelExports) => void): void {
  upgradeListeners.push(fn);
}

/**
 * Before the first alloc()ed tensor: moves an ordinary ('fixed') memory to the shared-memory module where the
 * engine has one, so that the tensor's views survive growth (see the header). Every byte of memory is copied, so
 * pointers held by the caller stay valid; exports fetched earlier must not be used after it (the runners fetch
 * `kernels()` per call). Where the engine will not compile or instantiate the shared module, the memory stays
 * 'fixed' (growth is then refused while tensors live, as on engines without shared memory).
 */
export function upgradeForViews(): void {
  const bytes = sharedBytes;
  if (!instance || memoryKind !== 'fixed' || !bytes) return;
  sharedBytes = undefined;
  const old = instance.memory;
  let next: KernelExports;
  try {
    const pages = old.buffer.byteLength / 65536;
    const memory = new WebAssembly.Memory({ initial: pages, maximum: MAXIMUM_PAGES, shared: true });
    new Uint8Array(memory.buffer).set(new Uint8Array(old.buffer));
    const module = new WebAssembly.Module(bytes as BufferSource);
    next = new WebAssembly.Instance(module, imports(memory)).exports as unknown as KernelExports;
  } catch {
    return; // An engine that creates shared memories but will not compile or run a module importing one.
  }
  instance = next;
  memoryKind = 'shared';
  for (const fn of upgradeListeners) fn(next);
}

function adopt(plan: Plan, inst: WebAssembly.Instance): void {
  if (instance) return;
  if (plan.kind === 'resizable') (plan.memory as unknown as { toResizableBuffer(): ArrayBuffer }).toResizableBuffer();
  const k = inst.exports as unknown as KernelExports;
  instance = k;
  memoryKind = plan.kind;
  for (const fn of listeners) fn(k, plan.kind);
}

function imports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return { env: { memory } };
}

function instantiateSync(): KernelExports {
  if (!defaultSource) {
    throw new Error('simdloss: the WebAssembly module is not initialised; call `await init(source)` first');
  }
  requireSimd();
  try {
    const source = defaultSource();
    const plan = source instanceof WebAssembly.Module ? planFromModule(source) : planFromBytes(bytesOf(source));
    adopt(plan, new WebAssembly.Instance(plan.module, imports(plan.memory)));
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
  const plan = await planOf(resolved);
  adopt(plan, await WebAssembly.instantiate(plan.module, imports(plan.memory)));
}

async function planOf(source: WasmSource): Promise<Plan> {
  if (source instanceof WebAssembly.Module) return planFromModule(source);
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return planFromBytesAsync(bytesOf(source));
  if (typeof source === 'string' || source instanceof URL) return planOf(fetch(source));
  if (typeof (source as PromiseLike<Response>).then === 'function') return planOf(await source);
  if (typeof Response !== 'undefined' && source instanceof Response) {
    if (!source.ok) throw new TypeError(`init: fetching the wasm failed (got HTTP ${source.status})`);
    // Streaming compilation needs no patched bytes where buffers can be resizable (every current browser).
    if (
      resizableBuffers() &&
      typeof WebAssembly.compileStreaming === 'function' &&
      source.headers.get('content-type')?.startsWith('application/wasm')
    ) {
      return planFromModule(await WebAssembly.compileStreaming(source));
    }
    return planOf(new Uint8Array(await source.arrayBuffer()));
  }
  throw new TypeError(`init: source must be a WebAssembly.Module, bytes, a Response or a URL (got ${typeof source})`);
}
