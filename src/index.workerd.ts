// workerd entry (the package's `workerd` export condition). workerd refuses to compile WebAssembly from bytes
// ("Wasm code generation disallowed by embedder"), so the binary arrives as a module import that the bundler
// (wrangler, or esbuild with a `.wasm` external) or the workerd config turns into a compiled `WebAssembly.Module`.
// Instantiating a compiled module synchronously is allowed there, so the first loss call starts it without init().
import simdlossWasm from '../build/simdloss.wasm';
import { setDefaultSource } from './wasm/instance.js';

setDefaultSource(() => simdlossWasm);

export * from './api.js';
