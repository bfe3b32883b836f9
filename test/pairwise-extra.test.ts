// The pairwise and embedding cases whose options plain JSON cannot hold (test/fixtures/*_extra.json, written by
// test/fixtures/gen/{margin_ranking,hinge_embedding,cosine_embedding,pairwise_distance,triplet_margin}.py under
// "extraCases"): NaN and infinite margins, p = ±Infinity and NaN, and
// TripletMarginWithDistanceLoss with custom distances. Each case runs as the registry harness runs its cases
// (F, nn forward + backward, valueAndGrad) and is held to the same accuracy rule; a distance given as a plain
// function has no gradient, so there backward and valueAndGrad must throw a TypeError that says so.
import { describe, expect, it } from 'vitest';
import { F, nn, Tensor, tensor, valueAndGrad } from '../src/index.js';
import type { DistanceModule } from '../src/index.js';
import {
  decodeArg,
  decodeGradOutput,
  gradViolations,
  loadFixture,
  resultViolations,
  thrown,
} from './helpers/fixtures.js';
import type { LossCase, NumberExpected, TensorExpected } from './helpers/fixtures.js';

interface ExtraFixture {
  torch: string;
  loss: string;
  extraCases: LossCase[];
}

type AnyFn = (...args: unknown[]) => unknown;
type AnyModule = { forward: AnyFn; backward: (g?: unknown) => (Tensor | null)[] };

// ---------------------------------------------------------------------------------------------------------------
// The JavaScript twins of test/fixtures/gen/_extra.py's DISTANCES (float64 inside, results in the inputs' dtype)

/** x and y broadcast to their joint shape (last dimension = the rows' elements), as float64. */
function joint(
  x: Tensor,
  y: Tensor,
): { shape: number[]; xs: Float64Array; ys: Float64Array; ix: Int32Array; iy: Int32Array } {
  const rank = Math.max(x.shape.length, y.shape.length);
  const pad = (s: readonly number[]) => [...new Array(rank - s.length).fill(1), ...s];
  const sx = pad(x.shape),
    sy = pad(y.shape);
  const shape = sx.map((d, i) => Math.max(d, sy[i]));
  const n = shape.reduce((a, b) => a * b, 1);
  const index = (s: number[]): Int32Array => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let rem = i,
        off = 0,
        stride = 1;
      for (let k = rank - 1; k >= 0; k--) {
        const c = rem % shape[k];
        rem = Math.floor(rem / shape[k]);
        off += (s[k] === 1 ? 0 : c) * stride;
        stride *= s[k];
      }
      out[i] = off;
    }
    return out;
  };
  const ix = index(sx),
    iy = index(sy);
  const xs = Float64Array.from(ix, (j) => Number(x.data[j])),
    ys = Float64Array.from(iy, (j) => Number(y.data[j]));
  return { shape, xs, ys, ix, iy };
}

function rowsOut(shape: number[], values: Float64Array, dtype: 'float32' | 'float64'): Tensor {
  return tensor(dtype === 'float32' ? Float32Array.from(values) : values, { shape: shape.slice(0, -1), dtype });
}

function dtypeOf(x: Tensor, y: Tensor): 'float32' | 'float64' {
  return x.dtype === 'float64' || y.dtype === 'float64' ? 'float64' : 'float32';
}

/** Σ_j f(x_j − y_j) per row. */
function rowSums(x: Tensor, y: Tensor, f: (d: number) => number): Tensor {
  const { shape, xs, ys } = joint(x, y);
  const D = shape[shape.length - 1],
    R = xs.length / D;
  const out = new Float64Array(R);
  for (let r = 0; r < R; r++) for (let j = 0; j < D; j++) out[r] += f(xs[r * D + j] - ys[r * D + j]);
  return rowsOut(shape, out, dtypeOf(x, y));
}

const l1 = (x: Tensor, y: Tensor): Tensor => rowSums(x, y, Math.abs);

const cosine = (x: Tensor, y: Tensor): Tensor => {
  const { shape, xs, ys } = joint(x, y);
  const D = shape[shape.length - 1],
    R = xs.length / D;
  const out = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    let xy = 0,
      xx = 0,
      yy = 0;
    for (let j = 0; j < D; j++) {
      const a = xs[r * D + j],
        b = ys[r * D + j];
      xy += a * b;
      xx += a * a;
      yy += b * b;
    }
    out[r] = 1 - xy / Math.max(Math.sqrt(xx * yy), 1e-8);
  }
  return rowsOut(shape, out, dtypeOf(x, y));
};

/** Σ (x − y)² per row, as a module with its own gradient (2(x − y)·g for x, summed back to each shape). */
function squared(): DistanceModule {
  let last: { x: Tensor; y: Tensor } | undefined;
  return {
    forward(x, y) {
      last = { x, y };
      return rowSums(x, y, (d) => d * d);
    },
    backward(gradOutput) {
      const { x, y } = last!;
      const { shape, xs, ys, ix, iy } = joint(x, y);
      const D = shape[shape.length - 1];
      const g = gradOutput instanceof Tensor ? gradOutput.data : [gradOutput];
      // PyTorch's autograd of ((x − y) ** 2).sum(-1): g·(2·d) for x, −(g·(2·d)) for y, summed over broadcast
      // elements (a single contribution taken as it is, so its sign of zero survives).
      const gx = new Float64Array(x.numel()),
        gy = new Float64Array(y.numel());
      const nx = new Int32Array(x.numel()),
        ny = new Int32Array(y.numel());
      for (let i = 0; i < xs.length; i++) {
        const v = Number(g[Math.floor(i / D)]) * (2 * (xs[i] - ys[i]));
        gx[ix[i]] = nx[ix[i]]++ === 0 ? v : gx[ix[i]] + v;
        gy[iy[i]] = ny[iy[i]]++ === 0 ? -v : gy[iy[i]] - v;
      }
      // float64 gradients even for float32 arguments: the loss sums them unrounded and rounds once.
      return [tensor(gx, { shape: x.shape }), tensor(gy, { shape: y.shape })];
    },
  };
}

/** A distance option by name; `gradient` says whether the loss can differentiate through it. */
function distance(name: string): { value: unknown; gradient: boolean } {
  switch (name) {
    case 'l1':
      return { value: l1, gradient: false };
    case 'cosine':
      return { value: cosine, gradient: false };
    case 'squared':
      return { value: squared(), gradient: true };
    case 'pairwiseDistance':
      return { value: F.pairwiseDistance, gradient: true };
    case 'PairwiseDistance(p=1)':
      return { value: new nn.PairwiseDistance({ p: 1 }), gradient: true };
    case 'PairwiseDistance(p=inf)':
      return { value: new nn.PairwiseDistance({ p: Infinity }), gradient: true };
  }
  throw new Error(`no JavaScript twin for distance ${name}`);
}

function decodeOptions(o: Record<string, unknown> | undefined): {
  options: Record<string, unknown> | undefined;
  gradient: boolean;
} {
  if (o === undefined) return { options: undefined, gradient: true };
  let gradient = true;
  const options = Object.fromEntries(
    Object.entries(o).map(([k, v]) => {
      if (v !== null && typeof v === 'object' && 'number' in v) {
        const s = (v as { number: string }).number;
        return [k, s === 'nan' ? NaN : s === 'inf' ? Infinity : -Infinity];
      }
      if (v !== null && typeof v === 'object' && 'distance' in v) {
        const d = distance((v as { distance: string }).distance);
        gradient = d.gradient;
        return [k, d.value];
      }
      return [k, v];
    }),
  );
  return { options, gradient };
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * The loss from the distances the options' distance function returns, combined exactly (float64) as PyTorch's
 * formula max(0, d(a, p) − min(d(a, n), d(p, n)) + margin), reduced and rounded once to float32: independent of
 * simdloss's own combination code.
 */
function fromDistances(args: Tensor[], options: Record<string, unknown>): number | Tensor {
  const d = options.distanceFunction as ((x: Tensor, y: Tensor) => Tensor) | DistanceModule;
  const call = (x: Tensor, y: Tensor): Tensor => (typeof d === 'function' ? d(x, y) : (d.forward(x, y) as Tensor));
  const [a, p, n] = args;
  const dp = call(a, p),
    dn = call(a, n),
    ds = options.swap ? call(p, n) : null;
  const margin = (options.margin as number | undefined) ?? 1;
  const rows = Array.from(dp.data as Float32Array, (v, i) => {
    const neg = ds ? Math.min(Number(dn.data[i]), Number(ds.data[i])) : Number(dn.data[i]);
    const u = v - neg + margin;
    return u < 0 ? 0 : u;
  });
  const reduction = (options.reduction as string | undefined) ?? 'mean';
  if (reduction === 'none') return tensor(Float32Array.from(rows), { shape: dp.shape, dtype: 'float32' });
  const sum = rows.reduce((x, y) => x + y, 0);
  return Math.fround(reduction === 'sum' ? sum : sum / rows.length);
}

/**
 * `expected` with float32 values as the float32 numbers their decimals stand for (Math.fround: the generator writes
 * the shortest decimal that rounds back), so that PyTorch's own error is measured from its float32 value.
 */
function float32Exact<E extends NumberExpected | TensorExpected>(e: E): E {
  if (e.dtype !== 'float32') return e;
  const f = (v: unknown) => (typeof v === 'number' ? Math.fround(v) : v);
  const grads = e.grads?.map((g) => (g && g.dtype === 'float32' ? { ...g, data: g.data.map(f) } : g)) as E['grads'];
  return (
    e.kind === 'number' ? { ...e, value: f(e.value), grads } : { ...e, data: (e as TensorExpected).data.map(f), grads }
  ) as E;
}

const FILES = [
  'margin_ranking_extra.json',
  'hinge_embedding_extra.json',
  'cosine_embedding_extra.json',
  'pairwise_distance_extra.json',
  'triplet_margin_extra.json',
  'triplet_margin_with_distance_extra.json',
];

for (const file of FILES) {
  const fx = loadFixture<ExtraFixture>(file);
  describe(`${file} (${fx.loss}) against PyTorch ${fx.torch}`, () => {
    it('has cases', () => expect(fx.extraCases.length).toBeGreaterThan(5));
    for (const c of fx.extraCases) {
      it(c.name, () => {
        const expected = float32Exact(c.expected as NumberExpected | TensorExpected);
        expect(expected.kind).not.toBe('error');
        const fn = (F as unknown as Record<string, AnyFn>)[c.fn];
        const Cls = (nn as unknown as Record<string, new (o?: unknown) => AnyModule>)[c.cls];
        const withOptions = (args: unknown[], options: unknown): unknown[] =>
          options === undefined ? args : [...args, options];
        // F
        {
          const { options } = decodeOptions(c.options);
          const args = c.args.map(decodeArg);
          const value = fn(...withOptions(args, options));
          const custom =
            typeof c.options?.distanceFunction === 'object' &&
            c.options?.distanceFunction !== null &&
            ['l1', 'squared', 'cosine'].includes((c.options.distanceFunction as { distance: string }).distance);
          if (custom && expected.dtype === 'float32') {
            // A custom float32 distance is rounded before the loss sees it, so the float32 rule cannot be promised
            // from the inputs; what is promised is the exact combination of those distances, rounded once.
            expect(value).toEqual(fromDistances(args as Tensor[], options!));
          } else {
            expect(resultViolations(value, expected).join('\n'), 'F').toBe('');
          }
        }
        // nn forward + backward (the value as F's, checked above)
        {
          const { options, gradient } = decodeOptions(c.options);
          const m = new Cls(options);
          const args = c.args.map(decodeArg);
          expect(m.forward(...args)).toEqual(
            fn(...withOptions(c.args.map(decodeArg), decodeOptions(c.options).options)),
          );
          const g = decodeGradOutput(c.gradOutput);
          if (gradient) {
            const grads = g === undefined ? m.backward() : m.backward(g);
            expect(gradViolations(grads, expected, args).join('\n'), 'nn backward').toBe('');
          } else {
            const err = thrown(() => (g === undefined ? m.backward() : m.backward(g))) as Error;
            expect(err).toBeInstanceOf(TypeError);
            expect(err.message).toMatch(
              new RegExp(`^${c.cls}\\.backward: the distanceFunction has no gradient.*\\(got a function\\)$`),
            );
          }
        }
        // valueAndGrad
        {
          const { options, gradient } = decodeOptions(c.options);
          const args = c.args.map(decodeArg);
          const run = () =>
            valueAndGrad(fn as never, { gradOutput: decodeGradOutput(c.gradOutput) })(
              ...(withOptions(args, options) as []),
            );
          if (gradient) {
            const r = run() as { value: unknown; grads: unknown };
            expect(r.value).toEqual(fn(...withOptions(c.args.map(decodeArg), decodeOptions(c.options).options)));
            expect(gradViolations(r.grads, expected, args).join('\n'), 'valueAndGrad grads').toBe('');
          } else {
            const err = thrown(run) as Error;
            expect(err).toBeInstanceOf(TypeError);
            expect(err.message).toMatch(new RegExp(`^${c.fn}: the distanceFunction has no gradient`));
          }
        }
      });
    }
  });
}
