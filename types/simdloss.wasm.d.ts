// Types for `simdloss/simdloss.wasm` (the SIMD binary, build/simdloss.wasm). Where a bundler or runtime imports
// `.wasm` files as compiled modules (wrangler and workerd, esbuild or Vite with a wasm-module plugin), the default
// export is a `WebAssembly.Module`: pass it to `init()`. Elsewhere import the file's URL instead, as your bundler
// spells it (e.g. Vite's `simdloss/simdloss.wasm?url`), or resolve it (`import.meta.resolve('simdloss/simdloss.wasm')`)
// and pass that to `init()`.
declare const module: WebAssembly.Module;
export default module;
