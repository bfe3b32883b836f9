// Memory layout for the stub runtime.
//
// The module has no allocator of its own: the facade manages every byte above `__heap_base` (scratch arena and
// resident tensors). Static data (none today, but asc may emit some) lives below it.

/** First free byte above asc's static data; the facade allocates from here upward, 16-byte aligned. */
export function heap_base(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/** 1 when this binary was compiled with SIMD (release, debug), 0 for the scalar differential-test build. */
export function simd_enabled(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}
