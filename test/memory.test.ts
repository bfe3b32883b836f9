// Marshalling: chunked copy-in keeps wasm memory flat whatever N is, resident tensors are read in place and keep
// valid views across memory growth, and long runs of calls leave both wasm memory and the JS heap flat.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { alloc, F, tensor } from '../src/index.js';
import { memoryBytes } from '../src/wasm/memory.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function filled(n: number, f: (i: number) => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = f(i);
  return a;
}

describe('wasm memory', () => {
  it('does not grow with N for reductions of JS arrays (chunked copy-in)', () => {
    F.mseLoss(filled(10, (i) => i), filled(10, () => 0));
    const before = memoryBytes();
    const n = 3_000_000;
    const x = filled(n, (i) => (i % 7) - 3);
    const y = filled(n, (i) => (i % 5) - 2);
    let ref = 0;
    for (let i = 0; i < n; i++) ref += (x[i] - y[i]) ** 2;
    expect(F.mseLoss(x, y, { reduction: 'sum' })).toBe(Math.fround(ref));
    expect(F.l1Loss(x, y)).toBeGreaterThan(0);
    expect(memoryBytes()).toBe(before);
  });

  it('reads alloc() tensors in place and keeps their views valid across memory.grow', () => {
    const a = alloc([5]);
    a.data.set([1, 2, 3, 4, 5]);
    const view = a.data;
    const before = memoryBytes();
    const big = alloc([4_000_000], 'float64'); // forces memory.grow, detaching the old buffer
    expect(memoryBytes()).toBeGreaterThan(before);
    expect(view.byteLength).toBe(0); // the old view is detached…
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5]); // …but the tensor's data view is renewed
    expect(F.mseLoss(a, tensor([1, 2, 3, 4, 6]), { reduction: 'sum' })).toBe(1);
    big.free();
    a.free();
    expect(() => a.data).toThrow(RangeError);
    a.free(); // double free is harmless
  });

  it('reuses freed blocks, so alloc/free cycles do not grow memory', () => {
    const first = alloc([100_000]);
    first.free();
    const before = memoryBytes();
    for (let i = 0; i < 1000; i++) alloc([100_000]).free();
    expect(memoryBytes()).toBe(before);
  });

  it('stays flat, wasm and JS heap, over 100 000 calls', () => {
    const x = filled(1000, (i) => Math.sin(i));
    const y = filled(1000, (i) => Math.cos(i));
    const rx = alloc([1000]);
    const ry = alloc([1000]);
    rx.data.set(x);
    ry.data.set(y);
    const expected = F.mseLoss(x, y);
    const run = (calls: number): void => {
      for (let i = 0; i < calls; i++) {
        const a = F.mseLoss(x, y);
        const b = F.smoothL1Loss(rx, ry);
        if (a !== expected || !(b > 0)) throw new Error('unexpected value');
      }
    };
    run(5000); // warm up JIT and the arena
    gc();
    const wasmBefore = memoryBytes();
    const heapBefore = process.memoryUsage().heapUsed;
    run(50_000);
    gc();
    const heapAfter = process.memoryUsage().heapUsed;
    expect(memoryBytes()).toBe(wasmBefore);
    // 100 000 calls retaining even 40 bytes each would add 4 MB; allow 2 MB of GC noise.
    expect(heapAfter - heapBefore).toBeLessThan(2 * 1024 * 1024);
    rx.free();
    ry.free();
  });
});
