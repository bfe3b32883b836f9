// Wasm memory management: a first-fit block allocator above the module's heap base for resident tensors and the
// scratch arena, whole-memory typed-array views for staging, and the growth policy that keeps users' views valid.
//
// Growth never detaches a view a user holds: on 'resizable' and 'shared' memories (src/wasm/instance.ts) views
// survive `memory.grow`; on a 'fixed' memory, growing while an alloc()ed tensor is alive is refused with a
// RangeError (growing would silently detach its `.data`). Memory grows at least by doubling, so that happens rarely.
import type { DType, TensorData } from '../tensor/dtype.js';
import { ARRAY_OF } from '../tensor/dtype.js';
import type { KernelExports, MemoryKind } from './instance.js';
import { kernels, onInstantiate, onUpgrade, upgradeForViews } from './instance.js';

const PAGE = 65536;
const ALIGN = 16;

let memory: WebAssembly.Memory;
let kind: MemoryKind = 'fixed';
let top = 0; // first byte never handed out
const freeBlocks: Array<{ ptr: number; size: number }> = []; // sorted by ptr, coalesced
const liveBlocks = new Map<number, number>(); // ptr -> size
let residentBlocks = 0; // live blocks owned by alloc()ed tensors

onInstantiate((k: KernelExports, memoryKind: MemoryKind) => {
  memory = k.memory;
  kind = memoryKind;
  grown();
  top = k.heap_base();
  // The default scratch arena first, before any resident tensor exists: ordinary calls then never grow memory
  // (which matters on a 'fixed' memory, where growing with live tensors is refused).
  beginScratch('init', 0);
});

// The move to a shared memory before the first alloc()ed tensor (instance.ts): same bytes, same blocks; only the
// memory object and the views over it change.
onUpgrade((k: KernelExports) => {
  memory = k.memory;
  kind = 'shared';
  grown();
});

const roundUp = (n: number): number => Math.ceil(Math.max(n, 1) / ALIGN) * ALIGN;

// The memory's size and whole-memory views, cached: only `ensure` grows the memory (kernels never do), and
// reading `memory.buffer` costs ~0.4 µs on a shared memory (Node 20), several times per call otherwise.
let memoryLength = -1;
let heapViews: { [D in DType]: TensorData } | undefined;

/** Drops the cached size and views (after growth or a new instance). */
function grown(): void {
  memoryLength = -1;
  heapViews = undefined;
}

function currentBytes(): number {
  if (memoryLength < 0) memoryLength = memory.buffer.byteLength;
  return memoryLength;
}

/** Grows the memory to hold `end` bytes. @throws {RangeError} naming `fn` when it cannot, or must not. */
function ensure(fn: string, end: number, bytes: number): void {
  const have = currentBytes();
  if (end <= have) return;
  grown();
  if (kind === 'fixed' && residentBlocks > 0) {
    throw new RangeError(
      `${fn}: WebAssembly memory must grow, but this engine would detach the .data views of the ${residentBlocks} ` +
        'live alloc() tensors (it has neither resizable nor shared memory); free them first, or allocate what you ' +
        `need before taking views (got a request for ${bytes} bytes)`,
    );
  }
  const pages = Math.max(Math.ceil((end - have) / PAGE), have / PAGE);
  try {
    memory.grow(pages);
  } catch {
    try {
      memory.grow(Math.ceil((end - have) / PAGE));
    } catch {
      throw new RangeError(`${fn}: out of WebAssembly memory (got a request for ${bytes} bytes)`);
    }
  }
}

/**
 * Reserves `bytes` (16-byte aligned) of wasm memory for `fn`, growing it when needed; `resident` marks blocks that
 * back alloc()ed tensors (whose views must stay valid). Returns the byte offset.
 */
export function allocBlock(fn: string, bytes: number, resident: boolean): number {
  kernels();
  if (resident && residentBlocks === 0 && kind === 'fixed') upgradeForViews();
  const size = roundUp(bytes);
  let ptr = -1;
  for (let i = 0; i < freeBlocks.length; i++) {
    const b = freeBlocks[i];
    if (b.size < size) continue;
    ptr = b.ptr;
    if (b.size === size) freeBlocks.splice(i, 1);
    else {
      b.ptr += size;
      b.size -= size;
    }
    break;
  }
  if (ptr < 0) {
    ensure(fn, top + size, bytes);
    ptr = top;
    top += size;
  }
  liveBlocks.set(ptr, size);
  if (resident) residentBlocks++;
  return ptr;
}

/** Returns a block to the free list. Unknown pointers are ignored (a double free is harmless). */
export function freeBlock(ptr: number, resident: boolean): void {
  const size = liveBlocks.get(ptr);
  if (size === undefined) return;
  liveBlocks.delete(ptr);
  if (resident) residentBlocks--;
  let i = 0;
  while (i < freeBlocks.length && freeBlocks[i].ptr < ptr) i++;
  freeBlocks.splice(i, 0, { ptr, size });
  // Coalesce with the next and the previous neighbour.
  const next = freeBlocks[i + 1];
  if (next && ptr + size === next.ptr) {
    freeBlocks[i].size += next.size;
    freeBlocks.splice(i + 1, 1);
  }
  const prev = freeBlocks[i - 1];
  if (prev && prev.ptr + prev.size === ptr) {
    prev.size += freeBlocks[i].size;
    freeBlocks.splice(i, 1);
  }
}

/** Current size of wasm memory in bytes (for tests that check memory stays flat). */
export function memoryBytes(): number {
  kernels();
  return memory.buffer.byteLength;
}

/** A typed-array view of `length` elements of `dtype` at byte offset `ptr` (valid across growth; see the header). */
export function viewAt(dtype: DType, ptr: number, length: number): TensorData {
  kernels();
  return new ARRAY_OF[dtype](memory.buffer as ArrayBuffer, ptr, length);
}

/** Whole-memory views per dtype (index = byte offset / element size), renewed when the memory has grown. */
export function heap(): { readonly [D in DType]: TensorData } {
  if (!heapViews) {
    const b = memory.buffer as ArrayBuffer;
    const length = b.byteLength;
    memoryLength = length;
    heapViews = {
      float32: new Float32Array(b, 0, length >> 2),
      float64: new Float64Array(b, 0, length >> 3),
      int32: new Int32Array(b, 0, length >> 2),
      int64: new BigInt64Array(b, 0, length >> 3),
    };
  }
  return heapViews;
}

// -----------------------------------------------------------------------------------------------------------
// Scratch arena: one block reused by every call and reset at its start, grown (never shrunk) only when one call
// needs more than the default, which depends on the largest single row, never on N.

let arenaPtr = -1;
let arenaSize = 0;
let arenaUsed = 0;

/** Bytes of one operand's chunk: 16 KiB, so a chunk of every operand and the output stay in L1/L2 together. */
export const CHUNK_BYTES = 16384;

/** Default arena: eight chunk-sized slots (operands, outputs and gradients of one chunk) and alignment slack. */
const ARENA_BYTES = 8 * CHUNK_BYTES + 8 * ALIGN;

/** Resets the arena for a new call of `fn` and makes sure it holds `bytes`. Pointers of earlier calls are void. */
export function beginScratch(fn: string, bytes: number): void {
  if (bytes > arenaSize || arenaPtr < 0) {
    if (arenaPtr >= 0) freeBlock(arenaPtr, false);
    arenaPtr = -1;
    arenaSize = Math.max(ARENA_BYTES, roundUp(bytes) + 8 * ALIGN);
    arenaPtr = allocBlock(fn, arenaSize, false);
  }
  arenaUsed = 0;
}

/** Takes `bytes` from the arena (16-byte aligned); the caller sized it with `beginScratch`. */
export function takeScratch(bytes: number): number {
  const ptr = arenaPtr + arenaUsed;
  arenaUsed += roundUp(bytes);
  if (arenaUsed > arenaSize) throw new Error('simdloss internal error: scratch arena overrun');
  return ptr;
}

/** Bytes a `takeScratch(bytes)` consumes, for sizing `beginScratch`. */
export function scratchBytes(bytes: number): number {
  return roundUp(bytes);
}
