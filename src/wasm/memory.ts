// Wasm memory management: a first-fit block allocator above `__heap_base` for resident tensors and the scratch
// arena, plus typed-array views that are renewed whenever `memory.grow` detaches the old buffer.
import type { DType, TensorData } from '../tensor/dtype.js';
import { ARRAY_OF } from '../tensor/dtype.js';
import type { KernelExports } from './kernels.js';
import { kernels, onInstantiate } from './instance.js';

const PAGE = 65536;
const ALIGN = 16;

let memory: WebAssembly.Memory;
let top = 0; // first byte never handed out
const freeBlocks: Array<{ ptr: number; size: number }> = []; // sorted by ptr, coalesced
const liveBlocks = new Map<number, number>(); // ptr -> size

onInstantiate((k: KernelExports) => {
  memory = k.memory;
  top = k.heap_base();
});

const roundUp = (n: number): number => Math.ceil(Math.max(n, 1) / ALIGN) * ALIGN;

/** Reserves `bytes` (16-byte aligned) of wasm memory, growing it when needed. Returns the byte offset. */
export function allocBlock(bytes: number): number {
  kernels();
  const size = roundUp(bytes);
  for (let i = 0; i < freeBlocks.length; i++) {
    const b = freeBlocks[i];
    if (b.size < size) continue;
    const ptr = b.ptr;
    if (b.size === size) freeBlocks.splice(i, 1);
    else { b.ptr += size; b.size -= size; }
    liveBlocks.set(ptr, size);
    return ptr;
  }
  const ptr = top;
  const end = ptr + size;
  if (end > memory.buffer.byteLength) {
    const pages = Math.ceil((end - memory.buffer.byteLength) / PAGE);
    try {
      memory.grow(pages);
    } catch {
      throw new RangeError(`simdloss: out of WebAssembly memory (requested ${bytes} bytes)`);
    }
  }
  top = end;
  liveBlocks.set(ptr, size);
  return ptr;
}

/** Returns a block from `allocBlock` to the free list. Unknown pointers are ignored (double free is harmless). */
export function freeBlock(ptr: number): void {
  const size = liveBlocks.get(ptr);
  if (size === undefined) return;
  liveBlocks.delete(ptr);
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

/** A fresh typed-array view of `length` elements of `dtype` at byte offset `ptr` (valid until memory grows). */
export function viewAt<D extends DType>(dtype: D, ptr: number, length: number): TensorData {
  kernels();
  return new ARRAY_OF[dtype](memory.buffer, ptr, length);
}

let heapBuffer: ArrayBuffer | undefined;
let heapViews: { [D in DType]: TensorData } | undefined;

/** Whole-memory views per dtype, renewed after `memory.grow` (index = byte offset / element size). */
export function heap(): { readonly [D in DType]: TensorData } {
  const buffer = memory.buffer;
  if (buffer !== heapBuffer || !heapViews) {
    heapBuffer = buffer;
    heapViews = {
      float32: new Float32Array(buffer),
      float64: new Float64Array(buffer),
      int32: new Int32Array(buffer),
      int64: new BigInt64Array(buffer),
    };
  }
  return heapViews;
}

// -----------------------------------------------------------------------------------------------------------
// Scratch arena: one block reused by every call, grown (never shrunk) when a call needs more.

let arenaPtr = -1;
let arenaSize = 0;
let arenaUsed = 0;

/** Default arena: 4 streams of 16 KiB, so a chunk of every operand and the output stay in L1/L2 together. */
export const CHUNK_BYTES = 16384;

/**
 * Resets the arena for a new call and makes sure it holds `bytes`. Pointers taken in earlier calls are void.
 */
export function beginScratch(bytes: number): void {
  if (bytes > arenaSize || arenaPtr < 0) {
    if (arenaPtr >= 0) freeBlock(arenaPtr);
    arenaSize = Math.max(4 * CHUNK_BYTES + 4 * ALIGN, roundUp(bytes) + 4 * ALIGN);
    arenaPtr = allocBlock(arenaSize);
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
