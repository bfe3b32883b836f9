// Default entry: the wasm binary is inlined (base64), so the first loss call starts it synchronously wherever
// the engine allows (Node, Deno, Bun); elsewhere `await init()` first.
import { WASM_BASE64 } from './wasm/binary.generated.js';
import { setDefaultSource } from './wasm/instance.js';

setDefaultSource(() => {
  const bin = atob(WASM_BASE64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
});

export * from './api.js';
