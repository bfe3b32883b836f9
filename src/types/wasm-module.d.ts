// A `.wasm` import as workerd (and wrangler's bundler) provide it: the compiled module, ready to instantiate.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
