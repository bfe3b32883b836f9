// The test build's ABI: everything the release build exports, plus kernels only the tests call (exp/log maps and
// their float32 accuracy sweeps). Built as `testing` (SIMD) and `testing-scalar` (no SIMD); never shipped.
export * from './index';
export * from './testing/exp';
export * from './testing/log';
export * from './testing/softplus';
