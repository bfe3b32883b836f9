// tensor(), Tensor and alloc(): construction, dtypes, shapes, accessors and their errors.
import { describe, expect, it } from 'vitest';
import { alloc, F, Tensor, tensor } from '../src/index.js';

describe('tensor()', () => {
  it('defaults numbers to float32 and infers the nesting as the shape', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t).toBeInstanceOf(Tensor);
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([2, 3]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.numel()).toBe(6);
    expect(t.tolist()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('makes 0-d tensors from a number or from flat data with shape []', () => {
    expect(tensor(2.5).shape).toEqual([]);
    expect(tensor(2.5).item()).toBe(2.5);
    const t = tensor([3], { shape: [] });
    expect(t.shape).toEqual([]);
    expect(t.tolist()).toBe(3);
  });

  it('reads flat data row-major into a shape', () => {
    expect(tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] }).tolist()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
  });

  it('keeps typed arrays (shared, not copied) and their dtype', () => {
    const f64 = new Float64Array([1, 2]);
    const t = tensor(f64);
    expect(t.dtype).toBe('float64');
    expect(t.data).toBe(f64);
    expect(tensor(new Int32Array([1])).dtype).toBe('int32');
    expect(tensor(new BigInt64Array([1n])).dtype).toBe('int64');
  });

  it('converts to a requested dtype, truncating toward zero for integers like a PyTorch cast', () => {
    const t = tensor([1.7, -1.7], { dtype: 'int64' });
    expect(t.data).toEqual(new BigInt64Array([1n, -1n]));
    expect(tensor([1.5], { dtype: 'float64' }).data).toEqual(new Float64Array([1.5]));
    expect(tensor(new Float32Array([2.9]), { dtype: 'int32' }).data).toEqual(new Int32Array([2]));
    expect(tensor([1n, 2n]).dtype).toBe('int64');
  });

  it('rounds float32 data once, like torch.tensor(..., dtype=float32)', () => {
    expect(tensor([0.1]).item()).toBe(Math.fround(0.1));
  });

  it('item() refuses tensors that do not hold one element', () => {
    expect(() => tensor([1, 2]).item()).toThrow(RangeError);
    expect(() => tensor([1, 2]).item()).toThrow(/Tensor\.item: .*\(got shape \[2\]\)/);
  });

  it('rejects bad data, shapes and dtypes with messages naming the argument and the value', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(RangeError);
    expect(() => tensor([[1, 2], [3]])).toThrow(
      /^tensor: ragged nested array .*\(expected length 2 at depth 1, got 1\)/,
    );
    expect(() => tensor(['a' as never])).toThrow(TypeError);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/tensor: shape \[2, 2\] is invalid for input of size 3/);
    expect(() => tensor([1], { shape: [-1] })).toThrow(RangeError);
    expect(() => tensor([1], { dtype: 'float16' as never })).toThrow(
      /tensor: dtype must be one of .*\(got "float16"\)/,
    );
    expect(() => tensor([NaN], { dtype: 'int64' })).toThrow(RangeError);
  });
});

describe('alloc()', () => {
  it('gives a zero-filled resident tensor that losses read in place', () => {
    const x = alloc([2, 2]);
    expect(x.dtype).toBe('float32');
    expect(x.shape).toEqual([2, 2]);
    expect(Array.from(x.data)).toEqual([0, 0, 0, 0]);
    x.data.set([1, 2, 3, 4]);
    expect(
      F.mseLoss(
        x,
        [
          [1, 2],
          [3, 5],
        ],
        { reduction: 'sum' },
      ),
    ).toBe(1);
    expect(String(x)).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    x.free();
  });

  it('supports float64 and the dispose protocol', () => {
    const x = alloc([3], 'float64');
    expect(x.data).toBeInstanceOf(Float64Array);
    const dispose = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose');
    (x as unknown as Record<symbol, () => void>)[dispose]();
    expect(() => x.data).toThrow(/freed/);
  });

  it('rejects bad shapes and dtypes', () => {
    expect(() => alloc([1.5])).toThrow(RangeError);
    expect(() => alloc('3' as never)).toThrow(TypeError);
    expect(() => alloc([3], 'uint8' as never)).toThrow(/alloc: dtype must be one of/);
  });
});

describe('alloc() of integer dtypes', () => {
  it('zero-fills int64 and int32 tensors and feeds them to crossEntropy as class indices', () => {
    const t64 = alloc([2], 'int64');
    expect(Array.from(t64.data)).toEqual([0n, 0n]);
    t64.data.set([1n, 0n]);
    const t32 = alloc([2], 'int32');
    t32.data.set([1, 0]);
    const logits = tensor([
      [0.5, 0.2, 0.3],
      [0.1, 0.9, 0.4],
    ]);
    expect(F.crossEntropy(logits, t64)).toBe(F.crossEntropy(logits, tensor([1, 0], { dtype: 'int64' })));
    expect(F.crossEntropy(logits, t32)).toBe(F.crossEntropy(logits, t64));
    t64.free();
    t32.free();
  });
});

describe('printing and transferred buffers (the reported cases)', () => {
  it('console.log / util.inspect shows the values as PyTorch prints them', async () => {
    const { inspect } = await import('node:util');
    const r = F.mseLoss([1, 2, 3], [2, 2, 4], { reduction: 'none' });
    expect(inspect(r)).toBe('tensor([1., 0., 1.])');
    expect(inspect({ loss: r })).toBe('{ loss: tensor([1., 0., 1.]) }');
  });

  it("a detached buffer gives the library's TypeError naming the function and argument, and printing refuses it", () => {
    const a = new Float32Array([1, 2, 3, 4]);
    const ta = tensor(a);
    structuredClone(a.buffer, { transfer: [a.buffer] });
    for (const run of [
      () => F.mseLoss(ta, new Float32Array(4)),
      () => F.mseLoss(ta, [0, 0, 0, 0], { reduction: 'none' }),
      () => F.mseLoss(new Float32Array(4), a),
    ]) {
      const e = (() => {
        try {
          run();
        } catch (err) {
          return err as Error;
        }
        return undefined;
      })();
      expect(e).toBeInstanceOf(TypeError);
      expect(e!.message).toMatch(
        /^mseLoss: (input|target)'s buffer was detached \(transferred\); its elements are gone \(got a detached Float32Array\)$/,
      );
    }
    expect(() => String(ta)).toThrow(/^Tensor\.toString: the tensor's buffer was detached/);
    expect(F.mseLoss([1, 2], [1, 3])).toBe(0.5); // still usable
  });
});
