// F.binaryCrossEntropy / nn.BCELoss against PyTorch 1.13 (values pasted below, generator at the end of this
// file), plus the options, dtypes, errors and streaming paths of src/losses/bce.ts.
import { describe, expect, it } from 'vitest';
import { alloc, F, nn, tensor, Tensor } from '../src/index.js';
import type { BCELossOptions } from '../src/losses/bce.js';
import { accuracyViolation } from './helpers/fixtures.js';

interface Fixture {
  name: string;
  dtype: 'float32' | 'float64';
  x: number | number[] | number[][];
  y: number | number[] | number[][];
  w: number[] | number[][] | null;
  shape: number[];
  mean: number;
  sum: number;
  none: number[];
  str: string;
}

// Output of the generator at the end of this file (torch 1.13.0a0, Debian python3-torch, CPU).
const FIXTURES: Fixture[] = [
  {
    name: 'basic',
    dtype: 'float32',
    x: [0.5, 0.2, 0.9, 0.01],
    y: [1.0, 0.0, 1.0, 0.0],
    w: null,
    shape: [4],
    mean: 0.2579253911972046,
    sum: 1.0317015647888184,
    none: [0.6931471824645996, 0.2231435328722, 0.10536054521799088, 0.010050326585769653],
    str: 'tensor([0.6931, 0.2231, 0.1054, 0.0101])',
  },
  {
    name: 'basic',
    dtype: 'float64',
    x: [0.5, 0.2, 0.9, 0.01],
    y: [1.0, 0.0, 1.0, 0.0],
    w: null,
    shape: [4],
    mean: 0.25792539584637064,
    sum: 1.0317015833854826,
    none: [0.6931471805599453, 0.2231435513142097, 0.10536051565782628, 0.01005033585350145],
    str: 'tensor([0.6931, 0.2231, 0.1054, 0.0101], dtype=torch.float64)',
  },
  {
    name: 'soft targets',
    dtype: 'float32',
    x: [
      [0.3, 0.7, 0.05],
      [0.95, 0.5, 0.6],
    ],
    y: [
      [0.25, 0.5, 0.1],
      [0.9, 0.5, 1.0],
    ],
    w: null,
    shape: [2, 3],
    mean: 0.5407117009162903,
    sum: 3.2442703247070312,
    none: [
      0.5684994459152222, 0.78032386302948, 0.3457372188568115, 0.3457372486591339, 0.6931471824645996,
      0.5108255743980408,
    ],
    str: 'tensor([[0.5685, 0.7803, 0.3457],\n        [0.3457, 0.6931, 0.5108]])',
  },
  {
    name: 'soft targets',
    dtype: 'float64',
    x: [
      [0.3, 0.7, 0.05],
      [0.95, 0.5, 0.6],
    ],
    y: [
      [0.25, 0.5, 0.1],
      [0.9, 0.5, 1.0],
    ],
    w: null,
    shape: [2, 3],
    mean: 0.5407117453503654,
    sum: 3.244270472102192,
    none: [
      0.5684994090355333, 0.7803238741323342, 0.34573719230419464, 0.3457371923041945, 0.6931471805599453,
      0.5108256237659907,
    ],
    str: 'tensor([[0.5685, 0.7803, 0.3457],\n        [0.3457, 0.6931, 0.5108]], dtype=torch.float64)',
  },
  {
    name: 'clamped logs at 0 and 1',
    dtype: 'float32',
    x: [0.0, 1.0, 0.0, 1.0, 0.5],
    y: [0.0, 1.0, 1.0, 0.0, 0.5],
    w: null,
    shape: [5],
    mean: 40.13862991333008,
    sum: 200.69314575195312,
    none: [0.0, -0.0, 100.0, 100.0, 0.6931471824645996],
    str: 'tensor([  0.0000,  -0.0000, 100.0000, 100.0000,   0.6931])',
  },
  {
    name: 'clamped logs at 0 and 1',
    dtype: 'float64',
    x: [0.0, 1.0, 0.0, 1.0, 0.5],
    y: [0.0, 1.0, 1.0, 0.0, 0.5],
    w: null,
    shape: [5],
    mean: 40.13862943611199,
    sum: 200.69314718055995,
    none: [0.0, -0.0, 100.0, 100.0, 0.6931471805599453],
    str: 'tensor([  0.0000,  -0.0000, 100.0000, 100.0000,   0.6931], dtype=torch.float64)',
  },
  {
    name: 'tiny and near-one inputs',
    dtype: 'float32',
    x: [1e-10, 1e-17, 0.999999, 0.9999999999990905, 3e-300],
    y: [0.25, 0.75, 0.5, 0.125, 0.5],
    w: null,
    shape: [5],
    mean: 35.90311813354492,
    sum: 179.51559448242188,
    none: [5.756462574005127, 29.357959747314453, 6.901159763336182, 87.5, 50.0],
    str: 'tensor([ 5.7565, 29.3580,  6.9012, 87.5000, 50.0000])',
  },
  {
    name: 'tiny and near-one inputs',
    dtype: 'float64',
    x: [1e-10, 1e-17, 0.999999, 0.9999999999990905, 3e-300],
    y: [0.25, 0.75, 0.5, 0.125, 0.5],
    w: null,
    shape: [5],
    mean: 23.256465953360085,
    sum: 116.28232976680042,
    none: [5.756462732560115, 29.35795993567408, 6.907755778968009, 24.2601513195982, 50.0],
    str: 'tensor([ 5.7565, 29.3580,  6.9078, 24.2602, 50.0000], dtype=torch.float64)',
  },
  {
    name: 'targets outside [0, 1]',
    dtype: 'float32',
    x: [0.5, 0.3, 0.8],
    y: [1.5, -0.5, 2.0],
    w: null,
    shape: [3],
    mean: -0.17899255454540253,
    sum: -0.5369776487350464,
    none: [0.6931471824645996, -0.06697392463684082, -1.1631509065628052],
    str: 'tensor([ 0.6931, -0.0670, -1.1632])',
  },
  {
    name: 'targets outside [0, 1]',
    dtype: 'float64',
    x: [0.5, 0.3, 0.8],
    y: [1.5, -0.5, 2.0],
    w: null,
    shape: [3],
    mean: -0.17899253850020178,
    sum: -0.5369776155006053,
    none: [0.6931471805599452, -0.06697398625486939, -1.163150809805681],
    str: 'tensor([ 0.6931, -0.0670, -1.1632], dtype=torch.float64)',
  },
  {
    name: 'weight broadcast over rows',
    dtype: 'float32',
    x: [
      [0.3, 0.7, 0.05],
      [0.95, 0.5, 0.6],
    ],
    y: [
      [0.25, 0.5, 0.1],
      [0.9, 0.5, 1.0],
    ],
    w: [0.5, 2.0, 1.5],
    shape: [2, 3],
    mean: 0.7814841270446777,
    sum: 4.688904762268066,
    none: [
      0.2842497229576111, 1.56064772605896, 0.5186058282852173, 0.17286862432956696, 1.3862943649291992,
      0.7662383317947388,
    ],
    str: 'tensor([[0.2842, 1.5606, 0.5186],\n        [0.1729, 1.3863, 0.7662]])',
  },
  {
    name: 'weight broadcast over rows',
    dtype: 'float64',
    x: [
      [0.3, 0.7, 0.05],
      [0.95, 0.5, 0.6],
    ],
    y: [
      [0.25, 0.5, 0.1],
      [0.9, 0.5, 1.0],
    ],
    w: [0.5, 2.0, 1.5],
    shape: [2, 3],
    mean: 0.7814841056932834,
    sum: 4.688904634159701,
    none: [
      0.28424970451776665, 1.5606477482646683, 0.518605788456292, 0.17286859615209724, 1.3862943611198906,
      0.7662384356489861,
    ],
    str: 'tensor([[0.2842, 1.5606, 0.5186],\n        [0.1729, 1.3863, 0.7662]], dtype=torch.float64)',
  },
  {
    name: 'weight per row',
    dtype: 'float32',
    x: [
      [0.5, 0.3],
      [0.1, 0.2],
    ],
    y: [
      [1.0, 0.0],
      [0.0, 1.0],
    ],
    w: [[2.0], [3.0]],
    shape: [2, 2],
    mean: 1.8110098838806152,
    sum: 7.244039535522461,
    none: [1.3862943649291992, 0.7133499383926392, 0.3160816431045532, 4.828313827514648],
    str: 'tensor([[1.3863, 0.7133],\n        [0.3161, 4.8283]])',
  },
  {
    name: 'weight per row',
    dtype: 'float64',
    x: [
      [0.5, 0.3],
      [0.1, 0.2],
    ],
    y: [
      [1.0, 0.0],
      [0.0, 1.0],
    ],
    w: [[2.0], [3.0]],
    shape: [2, 2],
    mean: 1.8110098833182837,
    sum: 7.244039533273135,
    none: [1.3862943611198906, 0.7133498878774649, 0.31608154697347884, 4.828313737302301],
    str: 'tensor([[1.3863, 0.7133],\n        [0.3161, 4.8283]], dtype=torch.float64)',
  },
  {
    name: 'weight same shape',
    dtype: 'float32',
    x: [0.5, 0.2, 0.9, 0.01],
    y: [1.0, 0.0, 1.0, 0.0],
    w: [1.0, 2.0, 0.5, 3.0],
    shape: [4],
    mean: 0.30556637048721313,
    sum: 1.2222654819488525,
    none: [0.6931471824645996, 0.4462870657444, 0.05268027260899544, 0.03015097975730896],
    str: 'tensor([0.6931, 0.4463, 0.0527, 0.0302])',
  },
  {
    name: 'weight same shape',
    dtype: 'float64',
    x: [0.5, 0.2, 0.9, 0.01],
    y: [1.0, 0.0, 1.0, 0.0],
    w: [1.0, 2.0, 0.5, 3.0],
    shape: [4],
    mean: 0.30556638714444556,
    sum: 1.2222655485777822,
    none: [0.6931471805599453, 0.4462871026284194, 0.05268025782891314, 0.030151007560504352],
    str: 'tensor([0.6931, 0.4463, 0.0527, 0.0302], dtype=torch.float64)',
  },
  {
    name: '0-d',
    dtype: 'float32',
    x: 0.25,
    y: 1.0,
    w: null,
    shape: [],
    mean: 1.3862943649291992,
    sum: 1.3862943649291992,
    none: [1.3862943649291992],
    str: 'tensor(1.3863)',
  },
  {
    name: '0-d',
    dtype: 'float64',
    x: 0.25,
    y: 1.0,
    w: null,
    shape: [],
    mean: 1.3862943611198906,
    sum: 1.3862943611198906,
    none: [1.3862943611198906],
    str: 'tensor(1.3863, dtype=torch.float64)',
  },
];

/** PyTorch's term in float64 from the values as stored in the tensors: (y − 1)·max(log(1 − x), −100) − y·max(log x, −100). */
function term(x: number, y: number): number {
  return (y - 1) * Math.max(Math.log(1 - x), -100) - y * Math.max(Math.log(x), -100);
}

/** The float64 terms of a fixture's tensors (after rounding the data to their dtype), weighted. */
function referenceTerms(x: Tensor, y: Tensor, w: Tensor | undefined): number[] {
  const xs = Array.from(x.data as Float64Array),
    ys = Array.from(y.data as Float64Array);
  return xs.map((xi, i) => term(xi, ys[i]) * (w ? broadcastAt(w, x.shape, i) : 1));
}

/** Element `i` (row-major in `shape`) of `w` broadcast to `shape`. */
function broadcastAt(w: Tensor, shape: readonly number[], i: number): number {
  let at = 0;
  let stride = 1;
  for (let d = shape.length - 1, e = w.shape.length - 1; d >= 0; d--, e--) {
    const idx = i % shape[d];
    i = Math.floor(i / shape[d]);
    if (e < 0) continue;
    if (w.shape[e] !== 1) at += idx * stride;
    stride *= w.shape[e];
  }
  return Number(w.data[at]);
}

/** The float32 result is at least as close to the float64 truth as PyTorch's own float32 result, and near it. */
function asGoodAsTorch(got: number, truth: number, torch: number): boolean {
  if (Number.isNaN(torch)) return Number.isNaN(got);
  return (
    Math.abs(got - truth) <= Math.abs(torch - truth) + 2 ** -149 &&
    Math.abs(got - torch) <= 2e-6 * Math.abs(torch) + 2 ** -149
  );
}

function nearF64(got: number, want: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (want === 0) return Object.is(got, want);
  return Math.abs(got - want) <= 1e-12 * Math.abs(want);
}

const calls = {
  F: (x: unknown, y: unknown, o: BCELossOptions): number | Tensor => F.binaryCrossEntropy(x as never, y as never, o),
  nn: (x: unknown, y: unknown, o: BCELossOptions): number | Tensor => new nn.BCELoss(o).forward(x as never, y as never),
};

describe.each(Object.keys(calls) as Array<keyof typeof calls>)('BCE against PyTorch 1.13 through %s', (api) => {
  const call = calls[api];
  it.each(FIXTURES.map((f) => [`${f.name} (${f.dtype})`, f] as const))('%s', (_, f) => {
    const x = tensor(f.x, { dtype: f.dtype });
    const y = tensor(f.y, { dtype: f.dtype });
    const weight = f.w === null ? undefined : tensor(f.w, { dtype: f.dtype });
    const terms = referenceTerms(x, y, weight);
    const refSum = terms.reduce((a, v) => a + v, 0);
    const mean = call(x, y, { weight, reduction: 'mean' }) as number;
    const sum = call(x, y, { weight, reduction: 'sum' }) as number;
    const none = call(x, y, { weight, reduction: 'none' }) as Tensor;
    expect(typeof mean).toBe('number');
    expect(none).toBeInstanceOf(Tensor);
    expect(none.shape).toEqual(f.shape);
    expect(none.dtype).toBe(f.dtype);
    expect(String(none)).toBe(f.str);
    const vals = Array.from(none.data as Float64Array);
    if (f.dtype === 'float64') {
      expect(nearF64(mean, f.mean), `mean ${mean} vs ${f.mean}`).toBe(true);
      expect(nearF64(sum, f.sum), `sum ${sum} vs ${f.sum}`).toBe(true);
      vals.forEach((v, i) => {
        expect(nearF64(v, f.none[i]), `none[${i}] ${v} vs ${f.none[i]}`).toBe(true);
      });
    } else {
      // float32 (DESIGN.md §2, revised): float32 terms (one float32 log per element for 0/1 targets), float64
      // sums, so each result is within max(2 ulp, PyTorch's own error) of the float64 value of the same data.
      const refMean = refSum / terms.length;
      expect(accuracyViolation(mean, f.mean, refMean, 'float32'), 'mean').toBeUndefined();
      expect(accuracyViolation(sum, f.sum, refSum, 'float32'), 'sum').toBeUndefined();
      for (let i = 0; i < vals.length; i++) {
        expect(accuracyViolation(vals[i], f.none[i], terms[i], 'float32'), `none[${i}]`).toBeUndefined();
      }
    }
  });
});

describe('BCE options and inputs', () => {
  const x = [0.5, 0.2, 0.9, 0.01];
  const y = [1, 0, 1, 0];
  // PyTorch (see FIXTURES 'basic', float32): mean 0.2579253911972046, sum 1.0317015647888184.
  it('applies the legacy sizeAverage / reduce flags over reduction, like PyTorch', () => {
    const sum = F.binaryCrossEntropy(x, y, { reduction: 'sum' });
    expect(F.binaryCrossEntropy(x, y, { sizeAverage: false, reduction: 'mean' })).toBe(sum);
    expect(new nn.BCELoss({ sizeAverage: false }).forward(x, y)).toBe(sum);
    expect(new nn.BCELoss({ reduce: false }).reduction).toBe('none');
    expect(F.binaryCrossEntropy(x, y, { reduce: false })).toBeInstanceOf(Tensor);
    expect(F.binaryCrossEntropy(x, y, { reduce: true, sizeAverage: true, reduction: 'none' })).toBe(
      F.binaryCrossEntropy(x, y),
    );
  });

  it('gives NaN for the mean of an empty input and 0 for its sum (PyTorch: tensor(nan), tensor(0.))', () => {
    const e = tensor([], { shape: [0] });
    expect(F.binaryCrossEntropy(e, e)).toBeNaN();
    expect(F.binaryCrossEntropy(e, e, { reduction: 'sum' })).toBe(0);
    expect((F.binaryCrossEntropy(e, e, { reduction: 'none' }) as Tensor).shape).toEqual([0]);
    const e2 = tensor([], { shape: [3, 0], dtype: 'float64' });
    expect(F.binaryCrossEntropy(e2, e2, { weight: [] })).toBeNaN();
  });

  it('takes plain arrays, typed arrays, { data, shape } records and 0-d tensors', () => {
    const want = F.binaryCrossEntropy(tensor(x), tensor(y));
    expect(F.binaryCrossEntropy(new Float32Array(x), new Float32Array(y))).toBe(want);
    expect(F.binaryCrossEntropy({ data: x, shape: [2, 2] }, { data: y, shape: [2, 2] })).toBe(want);
    // Plain targets adopt a float64 input's dtype: PyTorch's float64 'basic' mean.
    expect(nearF64(F.binaryCrossEntropy(new Float64Array(x), y) as number, 0.25792539584637064)).toBe(true);
    const zeroD = F.binaryCrossEntropy(tensor(0.25), tensor(1), { reduction: 'none' }) as Tensor;
    expect(zeroD.shape).toEqual([]);
    expect(String(zeroD)).toBe('tensor(1.3863)'); // torch: F.binary_cross_entropy(tensor(0.25), tensor(1.), reduction='none')
  });

  it("accepts a weight of another dtype and converts it to the input's (PyTorch multiplies it in)", () => {
    // torch: F.binary_cross_entropy(tensor([0.5, 0.3]), tensor([1., 0.]), weight=tensor([1., 2.], dtype=float64)
    // or weight=tensor([1, 2])) → 0.7032485604286194.
    const xi = [0.5, 0.3],
      yi = [1, 0];
    const truth32 = (term(0.5, 1) + 2 * term(Math.fround(0.3), 0)) / 2;
    for (const weight of [
      tensor([1, 2], { dtype: 'float64' }),
      tensor([1, 2], { dtype: 'int64' }),
      new Int32Array([1, 2]),
      [1, 2],
    ]) {
      const got = F.binaryCrossEntropy(xi, yi, { weight }) as number;
      expect(got).toBe(Math.fround(truth32));
      expect(asGoodAsTorch(got, truth32, 0.7032485604286194)).toBe(true);
    }
    // float64 input, float32 weight: torch gives 0.7032485512486037, 1.7e-8 off the float64 value
    // (ln 2 − 2·ln 0.7) / 2 = 0.7032485342187051 (its in-place weight multiply loses precision); simdloss keeps
    // the float64 value.
    const got64 = F.binaryCrossEntropy(new Float64Array(xi), yi, { weight: tensor([1, 2]) }) as number;
    expect(nearF64(got64, (Math.LN2 - 2 * Math.log(0.7)) / 2)).toBe(true);
    expect(Math.abs(got64 - 0.7032485512486037)).toBeLessThan(2e-8);
    expect(F.binaryCrossEntropy(xi, yi, { weight: null })).toBe(F.binaryCrossEntropy(xi, yi));
  });

  it('keeps sum = mean · n and reads resident (alloc) tensors in place', () => {
    const n = 10_000; // several 16 KiB chunks when copied in
    const xs = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 999);
    const ys = Float32Array.from({ length: n }, (_, i) => (i % 3) / 2);
    const ws = Float32Array.from({ length: 100 }, (_, i) => i / 50);
    const opts = { weight: ws, reduction: 'sum' } as const;
    const shape = [100, 100];
    // Within 2 ulp of the float64 value (float32 terms, log(1 − x) as log1p(−x), float64 sums; no PyTorch
    // result here).
    const terms32 = Array.from(xs, (xi, i) => term(xi, ys[i]) * ws[i % 100]);
    const refSum32 = terms32.reduce((a, v) => a + v, 0);
    const within2Ulp = (got: number, truth: number) => accuracyViolation(got, truth, truth, 'float32');
    const copied = F.binaryCrossEntropy({ data: xs, shape }, { data: ys, shape }, opts) as number;
    expect(within2Ulp(copied, refSum32)).toBeUndefined();
    const mean = F.binaryCrossEntropy({ data: xs, shape }, { data: ys, shape }, { weight: ws }) as number;
    expect(within2Ulp(mean, refSum32 / n)).toBeUndefined();
    const rx = alloc(shape),
      ry = alloc(shape);
    try {
      (rx.data as Float32Array).set(xs);
      (ry.data as Float32Array).set(ys);
      expect(F.binaryCrossEntropy(rx, ry, opts)).toBe(copied);
      const none = F.binaryCrossEntropy(rx, ry, { weight: ws, reduction: 'none' }) as Tensor;
      const got = none.data as Float32Array;
      for (let i = 0; i < got.length; i++) expect(within2Ulp(got[i], terms32[i]), `[${i}]`).toBeUndefined();
    } finally {
      rx.free();
      ry.free();
    }
  });
});

describe('BCE unweighted fast path (typed arrays and same-shape Tensors skip the general driver)', () => {
  it.each(['float32', 'float64'] as const)(
    "gives the general path's numbers for typed arrays, Tensors and resident tensors (%s)",
    (dtype) => {
      const n = 10_000; // several chunks when copied in
      const typed = (f: (i: number) => number): Float32Array | Float64Array => {
        const values = Array.from({ length: n }, (_, i) => f(i));
        return dtype === 'float32' ? new Float32Array(values) : new Float64Array(values);
      };
      const xs = typed((i) => ((i * 7919) % 1000) / 999);
      const ys = typed((i) => (i % 3) / 2);
      // float32 results are rounded once, so every path gives the same number; float64 sums of chunks (copied
      // data) and of one call (resident data) differ in summation order only.
      const same = (got: number, want: number): void => {
        if (dtype === 'float32') expect(got).toBe(want);
        else expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-14 * Math.abs(want));
      };
      const refSum = Array.from(xs, (xi, i) => term(xi, ys[i])).reduce((a, v) => a + v, 0);
      const round = dtype === 'float32' ? Math.fround : (v: number): number => v;
      const shape = [100, 100];
      // { data, shape } objects are not Tensors: they take the general path, the reference here.
      const general = F.binaryCrossEntropy({ data: xs, shape }, { data: ys, shape }, { reduction: 'sum' });
      expect(Math.abs(general - refSum)).toBeLessThanOrEqual(dtype === 'float32' ? 2 ** -24 * refSum : 1e-12 * refSum);
      same(F.binaryCrossEntropy(xs, ys, { reduction: 'sum' }), general);
      same(F.binaryCrossEntropy(xs, ys), round(general / n));
      same(new nn.BCELoss({ reduction: 'sum' }).forward(tensor(xs, { shape }), tensor(ys, { shape })), general);
      const rx = alloc(shape, dtype),
        ry = alloc(shape, dtype);
      try {
        (rx.data as Float64Array).set(xs);
        (ry.data as Float64Array).set(ys);
        same(F.binaryCrossEntropy(rx, ry, { reduction: 'sum' }), general);
        // Resident input with a copied target, and the first bad input of a resident tensor.
        same(F.binaryCrossEntropy(rx, tensor(ys, { shape }), { reduction: 'sum' }), general);
        (rx.data as Float64Array)[7777] = 1.25;
        expect(() => F.binaryCrossEntropy(rx, ry)).toThrow(
          /^binaryCrossEntropy: input elements must be between 0 and 1 \(got 1\.25 at index 7777\)$/,
        );
      } finally {
        rx.free();
        ry.free();
      }
    },
  );

  it('leaves mismatched typed arrays and Tensors to the general path and its errors', () => {
    expect(() => F.binaryCrossEntropy(new Float32Array([0.5, 0.5]), new Float32Array([1]))).toThrow(RangeError);
    expect(() => F.binaryCrossEntropy(new Float32Array([0.5]), new Float64Array([1]))).toThrow(TypeError);
    expect(() => F.binaryCrossEntropy(tensor([0.5, 0.5]), tensor([[1, 0]]))).toThrow(/target size must equal/);
    expect(() => F.binaryCrossEntropy(tensor([1, 0], { dtype: 'int32' }), tensor([1, 0], { dtype: 'int32' }))).toThrow(
      TypeError,
    );
    expect(F.binaryCrossEntropy(new Float64Array(0), new Float64Array(0))).toBeNaN();
    expect(F.binaryCrossEntropy(new Float64Array(0), new Float64Array(0), { reduction: 'sum' })).toBe(0);
  });
});

describe('BCE errors', () => {
  const ok = (): void => {
    // A valid call right after each error: the library stays usable (PyTorch 'basic' float32 mean).
    expect(
      Math.abs((F.binaryCrossEntropy([0.5, 0.2, 0.9, 0.01], [1, 0, 1, 0]) as number) - 0.2579253911972046),
    ).toBeLessThan(1e-6);
  };
  const cases: Array<[string, () => unknown, ErrorConstructor, RegExp]> = [
    // PyTorch: RuntimeError "all elements of input should be between 0 and 1"
    [
      'input above 1',
      () => F.binaryCrossEntropy([0.5, 0.2, 0.1, 1.5], [1, 0, 0, 0]),
      RangeError,
      /^binaryCrossEntropy: input elements must be between 0 and 1 \(got 1\.5 at index 3\)$/,
    ],
    [
      'NaN input',
      () => F.binaryCrossEntropy([0.5, NaN], [1, 0]),
      RangeError,
      /between 0 and 1 \(got NaN at index 1\)$/,
    ],
    [
      'negative input, float64, none',
      () => F.binaryCrossEntropy(new Float64Array([0.5, 0.2, -0.25]), [1, 0, 0], { reduction: 'none' }),
      RangeError,
      /between 0 and 1 \(got -0\.25 at index 2\)$/,
    ],
    [
      'bad input in a later chunk',
      () => {
        const xs = new Float32Array(10_000).fill(0.5);
        xs[9000] = 2;
        xs[9500] = 3;
        return F.binaryCrossEntropy(xs, new Float32Array(10_000));
      },
      RangeError,
      /\(got 2 at index 9000\)$/,
    ],
    [
      'bad input in a later chunk, none, weighted',
      () => {
        const xs = new Float64Array(5000).fill(0.5);
        xs[4321] = -1;
        return new nn.BCELoss({ weight: [2], reduction: 'none' }).forward(xs, new Float64Array(5000));
      },
      RangeError,
      /^BCELoss\.forward: input elements must be between 0 and 1 \(got -1 at index 4321\)$/,
    ],
    // PyTorch: ValueError "Using a target size (torch.Size([1, 2])) that is different to the input size ..."
    [
      'target shape differs',
      () => F.binaryCrossEntropy([0.5, 0.3], [[1, 0]]),
      RangeError,
      /^binaryCrossEntropy: target size must equal the input size \[2\] \(got \[1, 2\]\)$/,
    ],
    // PyTorch: RuntimeError "Found dtype Double but expected Float"
    [
      'float64 target for float32 input',
      () => F.binaryCrossEntropy([0.5, 0.3], new Float64Array([1, 0])),
      TypeError,
      /^binaryCrossEntropy: target dtype must equal the input dtype float32 \(got float64\)$/,
    ],
    [
      'int target',
      () => new nn.BCELoss().forward([0.5, 0.3], new Int32Array([1, 0])),
      TypeError,
      /^BCELoss\.forward: .*\(got int32\)$/,
    ],
    // PyTorch: RuntimeError '"binary_cross_entropy" not implemented for 'Long''
    [
      'integer input',
      () => F.binaryCrossEntropy(tensor([1, 0], { dtype: 'int64' }), [1, 0]),
      TypeError,
      /^binaryCrossEntropy: input must be a float32 or float64 tensor \(got int64\)$/,
    ],
    // PyTorch: "The size of tensor a (2) must match the size of tensor b (3)" / "output with shape [2] doesn't
    // match the broadcast shape [2, 2]"
    [
      'weight does not broadcast',
      () => F.binaryCrossEntropy([0.5, 0.3], [1, 0], { weight: [1, 2, 3] }),
      RangeError,
      /^binaryCrossEntropy: weight must broadcast to the input size \[2\] \(got \[3\]\)$/,
    ],
    [
      'weight broadcasts beyond the input',
      () =>
        F.binaryCrossEntropy([0.5, 0.3], [1, 0], {
          weight: [
            [1, 2],
            [3, 4],
          ],
        }),
      RangeError,
      /\(got \[2, 2\]\)$/,
    ],
    [
      'unknown reduction',
      () => F.binaryCrossEntropy([0.5], [1], { reduction: 'avg' as never }),
      RangeError,
      /^binaryCrossEntropy: reduction .*\(got "avg"\)$/,
    ],
    [
      'constructor reduction',
      () => new nn.BCELoss({ reduction: 'batchmean' as never }),
      RangeError,
      /^BCELoss: .*\(got "batchmean"\)$/,
    ],
    [
      'weight of the wrong kind',
      () => new nn.BCELoss({ weight: 'heavy' as never }),
      TypeError,
      /^BCELoss: .*\(got "heavy"\)$/,
    ],
    [
      'options not an object',
      () => F.binaryCrossEntropy([0.5], [1], 3 as never),
      TypeError,
      /^binaryCrossEntropy: .*\(got 3\)$/,
    ],
  ];
  it.each(cases)('%s', (_, fn, kind, message) => {
    let caught: unknown;
    try {
      fn();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(kind);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toMatch(/^(binaryCrossEntropy|BCELoss)[.:]/);
    expect((caught as Error).message).toContain('(got ');
    ok();
  });
});

/*
Generator of FIXTURES (run with /usr/bin/python3, torch 1.13; prints JSON, one record per case and dtype):

import torch, torch.nn.functional as F, json, warnings
warnings.filterwarnings('ignore')
cases = [
  ('basic', [0.5, 0.2, 0.9, 0.01], [1., 0., 1., 0.], None),
  ('soft targets', [[0.3, 0.7, 0.05], [0.95, 0.5, 0.6]], [[0.25, 0.5, 0.1], [0.9, 0.5, 1.0]], None),
  ('clamped logs at 0 and 1', [0., 1., 0., 1., 0.5], [0., 1., 1., 0., 0.5], None),
  ('tiny and near-one inputs', [1e-10, 1e-17, 0.999999, 1 - 2**-40, 3e-300], [0.25, 0.75, 0.5, 0.125, 0.5], None),
  ('targets outside [0, 1]', [0.5, 0.3, 0.8], [1.5, -0.5, 2.0], None),
  ('weight broadcast over rows', [[0.3, 0.7, 0.05], [0.95, 0.5, 0.6]], [[0.25, 0.5, 0.1], [0.9, 0.5, 1.0]], [0.5, 2.0, 1.5]),
  ('weight per row', [[0.5, 0.3], [0.1, 0.2]], [[1., 0.], [0., 1.]], [[2.], [3.]]),
  ('weight same shape', [0.5, 0.2, 0.9, 0.01], [1., 0., 1., 0.], [1., 2., 0.5, 3.]),
  ('0-d', 0.25, 1., None),
]
out = []
for name, x, y, w in cases:
  for dt, dn in [(torch.float32, 'float32'), (torch.float64, 'float64')]:
    X = torch.tensor(x, dtype=dt); Y = torch.tensor(y, dtype=dt)
    W = None if w is None else torch.tensor(w, dtype=dt)
    r = {'name': name, 'dtype': dn, 'x': x, 'y': y, 'w': w, 'shape': list(X.shape)}
    for red in ['mean', 'sum', 'none']:
      v = F.binary_cross_entropy(X, Y, weight=W, reduction=red)
      r[red] = v.item() if red != 'none' else v.reshape(-1).tolist()
      if red == 'none': r['str'] = str(v)
    out.append(r)
print(json.dumps(out))
*/
