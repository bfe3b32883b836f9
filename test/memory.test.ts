// Marshalling: chunked copy-in keeps wasm memory flat whatever N is, resident tensors are read in place and keep
// valid views across memory growth, and long runs of calls leave both wasm memory and the JS heap flat.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { alloc, F, nn, tensor, valueAndGrad } from '../src/index.js';
import { memoryBytes } from '../src/wasm/memory.js';
import { memoryKindOf, withSharedMemoryImport } from '../src/wasm/instance.js';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function filled(n: number, f: (i: number) => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = f(i);
  return a;
}

describe('wasm memory', () => {
  it('does not grow with N for reductions of JS arrays (chunked copy-in)', () => {
    F.mseLoss(
      filled(10, (i) => i),
      filled(10, () => 0),
    );
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

  it('reads alloc() tensors in place, and a held view keeps working across memory.grow (no write is lost)', () => {
    // The reported sequence: a view kept in a variable, another alloc() that grows memory, writes through the view.
    const x = alloc([4]);
    const xd = x.data;
    xd.set([1, 2, 3, 4]);
    const before = memoryBytes();
    const y = alloc([20_000_000]);
    expect(memoryBytes()).toBeGreaterThan(before);
    for (let i = 0; i < 4; i++) xd[i] = 10 * (i + 1);
    expect(xd.length).toBe(4);
    expect(Array.from(x.data)).toEqual([10, 20, 30, 40]);
    expect(F.mseLoss(x, new Float32Array(4))).toBe(750);
    xd.set([1, 2, 3, 5]);
    expect(F.mseLoss(x, tensor([1, 2, 3, 4]), { reduction: 'sum' })).toBe(1);
    expect(memoryKindOf()).not.toBe('fixed');
    y.free();
    x.free();
    expect(() => x.data).toThrow(RangeError);
    x.free(); // double free is harmless
  });

  it('on an engine with neither resizable nor shared memory, refuses to grow under live views instead of detaching them', () => {
    // A child Node whose WebAssembly.Memory refuses `shared: true` (Node 20 has no toResizableBuffer): the 'fixed'
    // memory kind. Growing while an alloc()ed tensor lives must throw, not silently detach its view.
    const script = `
      const Original = WebAssembly.Memory;
      WebAssembly.Memory = function Memory(d) { if (d && d.shared) throw new TypeError('no shared memory'); return new Original(d); };
      WebAssembly.Memory.prototype = Original.prototype;
      const { alloc, F } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
      const x = alloc([4]);
      const xd = x.data;
      xd.set([1, 2, 3, 4]);
      let error = 'none';
      try { alloc([20000000]); } catch (e) { error = e.constructor.name + ': ' + e.message; }
      xd[0] = 10;
      const loss = F.mseLoss(x, new Float32Array(4), { reduction: 'sum' });
      x.free();
      const after = alloc([20000000]).numel();
      console.log(JSON.stringify({ error, loss, after }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { error: string; loss: number; after: number };
    expect(out.error).toMatch(/^RangeError: alloc: WebAssembly memory must grow, but this engine would detach/);
    expect(out.loss).toBe(100 + 4 + 9 + 16); // the write through the held view landed
    expect(out.after).toBe(20_000_000); // with no live tensor, growing is allowed again
  });

  it('without resizable buffers, stages through an ordinary memory until the first alloc(), then moves to a shared one', () => {
    // Node 20: copies into a SharedArrayBuffer are ~5× slower than memcpy, so typed-array calls run on an ordinary
    // memory; the first alloc() moves everything (blocks, saved state) to the shared module. A fresh process, so
    // that no earlier test has alloc()ed yet.
    const script = `
      const { alloc, F, nn, tensor } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
      const { memoryKindOf } = await import(${JSON.stringify(new URL('../dist/wasm/instance.js', import.meta.url).href)});
      const x = Float32Array.from({ length: 3000 }, (_, i) => Math.sin(i));
      const y = Int32Array.from({ length: 300 }, (_, i) => (i * 7) % 10);
      const before = { kind: memoryKindOf(), mse: F.mseLoss(x, x.map((v) => v / 2)) };
      const m = new nn.CrossEntropyLoss();
      const loss = Number(m.forward(tensor(x, { shape: [300, 10] }), y));
      const held = alloc([4]);
      const hd = held.data;
      hd.set([1, 2, 3, 4]);
      const big = alloc([20000000]);
      hd[3] = 5;
      const grad = Array.from(m.backward()[0].data.slice(0, 5));
      const m2 = new nn.CrossEntropyLoss();
      m2.forward(tensor(x, { shape: [300, 10] }), y);
      const after = {
        kind: memoryKindOf(), mse: F.mseLoss(x, x.map((v) => v / 2)), held: F.mseLoss(held, new Float32Array(4), { reduction: 'sum' }),
        same: JSON.stringify(grad) === JSON.stringify(Array.from(m2.backward()[0].data.slice(0, 5))),
      };
      big.free();
      held.free();
      console.log(JSON.stringify({ before, loss, after }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as {
      before: { kind: string; mse: number };
      loss: number;
      after: { kind: string; mse: number; held: number; same: boolean };
    };
    const resizable = 'toResizableBuffer' in WebAssembly.Memory.prototype;
    expect(out.before.kind).toBe(resizable ? 'resizable' : 'fixed');
    expect(out.after.kind).toBe(resizable ? 'resizable' : 'shared');
    expect(out.after.mse).toBe(out.before.mse);
    expect(out.after.held).toBe(1 + 4 + 9 + 25); // the write through the held view, after growth, landed
    expect(out.after.same).toBe(true); // a forward saved before the move backpropagates as one made after it
    expect(Number.isFinite(out.loss)).toBe(true);
  });

  it("patches a copy of the module's bytes for a shared memory, never the caller's (a Node Buffer's slice is a view)", () => {
    const bytes = readFileSync(new URL('../build/simdloss.wasm', import.meta.url));
    const before = Buffer.from(bytes);
    const patched = withSharedMemoryImport(bytes);
    expect(patched).toBeDefined();
    expect(bytes.equals(before)).toBe(true);
    const differing = patched!.reduce((n, b, i) => n + (b !== before[i] ? 1 : 0), 0);
    expect(differing).toBe(1); // the memory import's limits flag, 0x01 → 0x03
    expect(WebAssembly.Module.imports(new WebAssembly.Module(patched! as BufferSource))).toEqual([
      { module: 'env', name: 'memory', kind: 'memory' },
    ]);
  });

  it('a training step with alloc()ed inputs and gradient destinations writes in place and keeps memory flat', () => {
    const rows = 64,
      C = 10;
    const x = alloc([rows, C]);
    const y = alloc([rows], 'int32');
    const gx = alloc([rows, C]);
    x.data.set(Float32Array.from({ length: rows * C }, (_, i) => Math.sin(i)));
    y.data.set(Int32Array.from({ length: rows }, (_, i) => i % C));
    const step = valueAndGrad(F.crossEntropy, { into: [gx, null] });
    const reference = valueAndGrad(F.crossEntropy)(
      tensor(Float32Array.from(x.data), { shape: [rows, C] }),
      Int32Array.from(y.data),
    );
    const first = step(x, y);
    expect(first.grads[0]).toBe(gx); // the destination itself, written in place
    expect(first.value).toBe(reference.value);
    expect(Array.from(gx.data)).toEqual(Array.from(reference.grads[0]!.data));
    const m = new nn.CrossEntropyLoss();
    m.forward(x, y);
    expect(m.backward(undefined, [gx, null])[0]).toBe(gx);
    const before = memoryBytes();
    for (let i = 0; i < 20_000; i++) step(x, y);
    expect(memoryBytes()).toBe(before);
    for (const t of [x, y, gx]) t.free();
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
