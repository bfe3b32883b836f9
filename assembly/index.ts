// simdloss kernels: the whole wasm ABI. Every export takes byte offsets and counts and returns numbers; none
// allocates, throws or imports anything. See docs/architecture.md for the memory layout the facade maintains.
export * from './memory';
export * from './pointwise';
