// The box IoU kernels (assembly/boxes/box_iou.ts) raw, in both test builds: for box counts at DESIGN §4's lengths,
// every kind (GIoU, DIoU, CIoU) and element type, the per-box losses and the gradients of both box sets (upstream
// per box or shared, each gradient on or off) equal an independent reference that follows the kernel header's
// operation order (autograd's sums included) with every operation rounded to the element type (float32 lanes for
// float32 boxes) — bit for bit for GIoU and DIoU, within 4 ulp for CIoU (its atan is musl's in the kernels and
// V8's here; float32 CIoU gradients against the float64 reference, as its gradient kernel is wide) — the SIMD and
// the scalar build give the same bits (four float32 / two float64 boxes per vector versus one at a time), sums are
// the per-box losses' sum to rounding, and nothing is written outside the outputs.
import { afterAll, describe, expect, it } from 'vitest';
import { BUILDS, firstBitDifference, LENGTHS, RawBuild, rng, uncalled } from './helpers/builds.js';

type DType = 'f32' | 'f64';
const KINDS = ['giou', 'diou', 'ciou'] as const;
type Kind = (typeof KINDS)[number];
const FOUR_OVER_PI2 = 4 / (Math.PI * Math.PI);

/**
 * One box pair: the loss and the eight gradients times G, the kernel header's formulas in its order (autograd's
 * sums included), every operation rounded by R (Math.fround for float32 lanes, the identity for float64).
 */
function reference(
  kind: Kind,
  eps: number,
  p: ArrayLike<number>,
  q: ArrayLike<number>,
  G0: number,
  R: (v: number) => number,
) {
  const add = (a: number, b: number) => R(a + b),
    sub = (a: number, b: number) => R(a - b),
    mul = (a: number, b: number) => R(a * b),
    div = (a: number, b: number) => R(a / b);
  /** maximum's backward to a (to b: swap the comparison), torch's autograd: ties g/2, the loser +0. */
  const maxA = (a: number, b: number, g: number): number => (a < b ? 0 : a === b ? div(g, 2) : g);
  const maxB = (a: number, b: number, g: number): number => (a > b ? 0 : a === b ? div(g, 2) : g);
  const G = R(G0);
  const [x1, y1, x2, y2] = [p[0], p[1], p[2], p[3]];
  const [X1, Y1, X2, Y2] = [q[0], q[1], q[2], q[3]];
  const e = R(kind === 'ciou' ? 1e-7 : eps);
  const xk1 = Math.max(x1, X1),
    yk1 = Math.max(y1, Y1),
    xk2 = Math.min(x2, X2),
    yk2 = Math.min(y2, Y2);
  const mask = yk2 > yk1 && xk2 > xk1;
  const dx = sub(xk2, xk1),
    dy = sub(yk2, yk1);
  const inter = mask ? mul(dx, dy) : 0;
  const w1 = sub(x2, x1),
    h1 = sub(y2, y1),
    w2 = sub(X2, X1),
    h2 = sub(Y2, Y1);
  const union = sub(add(mul(w1, h1), mul(w2, h2)), inter);
  const ue = add(union, e);
  const iou = div(inter, ue);
  const xc1 = Math.min(x1, X1),
    yc1 = Math.min(y1, Y1),
    xc2 = Math.max(x2, X2),
    yc2 = Math.max(y2, Y2);
  const cw = sub(xc2, xc1),
    ch = sub(yc2, yc1);
  let loss: number;
  let gIou: number, gUnion: number, gCw: number, gCh: number;
  let hx = 0,
    hy = 0,
    hX = 0,
    hY = 0;
  let gwc = 0,
    ghc = 0,
    gWc = 0,
    gHc = 0;
  if (kind === 'giou') {
    const ac = mul(cw, ch),
      ace = add(ac, e),
      q2 = div(sub(ac, union), ace);
    loss = sub(1, sub(iou, q2));
    gIou = -G;
    const gq = G;
    const gNum = div(gq, ace);
    const gAc = add(mul(-gq, div(q2, ace)), gNum);
    gUnion = add(-gNum, mul(-gIou, div(iou, ue)));
    gCw = mul(gAc, ch);
    gCh = mul(gAc, cw);
  } else {
    const diag = add(add(mul(cw, cw), mul(ch, ch)), e);
    const ex = sub(div(add(x2, x1), 2), div(add(X1, X2), 2)),
      ey = sub(div(add(y2, y1), 2), div(add(Y1, Y2), 2));
    const r = div(add(mul(ex, ex), mul(ey, ey)), diag);
    loss = add(sub(1, iou), r);
    gIou = -G;
    gUnion = mul(-gIou, div(iou, ue));
    const gCd = div(G, diag),
      gDiag = mul(-G, div(r, diag));
    gCw = mul(gDiag, mul(2, cw));
    gCh = mul(gDiag, mul(2, ch));
    const gEx = mul(gCd, mul(2, ex)),
      gEy = mul(gCd, mul(2, ey));
    hx = div(gEx, 2);
    hy = div(gEy, 2);
    hX = div(-gEx, 2);
    hY = div(-gEy, 2);
    if (kind === 'ciou') {
      const ra = div(w2, h2),
        rb = div(w1, h1);
      const d = R(atanDiff(ra, rb));
      const c = R(FOUR_OVER_PI2);
      const v = mul(c, mul(d, d));
      const alpha = div(v, add(add(sub(1, iou), v), R(eps)));
      loss = add(loss, mul(alpha, v));
      const gd = mul(mul(mul(G, alpha), c), mul(2, d));
      const gra = div(gd, add(mul(ra, ra), 1)),
        grb = div(-gd, add(mul(rb, rb), 1));
      gWc = div(gra, h2);
      gHc = mul(-gra, div(ra, h2));
      gwc = div(grb, h1);
      ghc = mul(-grb, div(rb, h1));
    }
  }
  const gInter = add(div(gIou, ue), -gUnion);
  const gw1 = mul(gUnion, h1),
    gh1 = mul(gUnion, w1),
    gw2 = mul(gUnion, h2),
    gh2 = mul(gUnion, w2);
  const gDx = mul(gInter, dy),
    gDy = mul(gInter, dx);
  const gxk2 = mask ? add(0, gDx) : 0,
    gxk1 = mask ? sub(0, gDx) : 0,
    gyk2 = mask ? add(0, gDy) : 0,
    gyk1 = mask ? sub(0, gDy) : 0;
  // per coordinate: the loss function's unbind (CIoU's aspect widths first, then the centres, then the enclosing
  // box), plus _loss_inter_union's (widths, then the intersection corner)
  const u = [
    add(-gw1, maxA(x1, X1, gxk1)),
    add(-gh1, maxA(y1, Y1, gyk1)),
    add(gw1, maxB(x2, X2, gxk2)),
    add(gh1, maxB(y2, Y2, gyk2)),
  ];
  const U = [
    add(-gw2, maxB(x1, X1, gxk1)),
    add(-gh2, maxB(y1, Y1, gyk1)),
    add(gw2, maxA(x2, X2, gxk2)),
    add(gh2, maxA(y2, Y2, gyk2)),
  ];
  let o = [maxB(x1, X1, -gCw), maxB(y1, Y1, -gCh), maxA(x2, X2, gCw), maxA(y2, Y2, gCh)];
  let O = [maxA(x1, X1, -gCw), maxA(y1, Y1, -gCh), maxB(x2, X2, gCw), maxB(y2, Y2, gCh)];
  if (kind !== 'giou') {
    o = [add(hx, o[0]), add(hy, o[1]), add(hx, o[2]), add(hy, o[3])];
    O = [add(hX, O[0]), add(hY, O[1]), add(hX, O[2]), add(hY, O[3])];
  }
  if (kind === 'ciou') {
    o = [add(-gwc, o[0]), add(-ghc, o[1]), add(gwc, o[2]), add(ghc, o[3])];
    O = [add(-gWc, O[0]), add(-gHc, O[1]), add(gWc, O[2]), add(gHc, O[3])];
  }
  return { loss, ga: o.map((v, k) => add(v, u[k])), gb: O.map((v, k) => add(v, U[k])) };
}

/** atan a − atan b as the kernels take it: atan((a − b)/(1 + ab)) ± π, both atans where a or b is infinite. */
function atanDiff(a: number, b: number): number {
  if (Math.abs(a) === Infinity || Math.abs(b) === Infinity) return Math.atan(a) - Math.atan(b);
  const den = 1 + a * b;
  const d = Math.atan((a - b) / den);
  return den < 0 ? d + (a < 0 || Object.is(a, -0) ? -Math.PI : Math.PI) : d;
}

/** n box pairs on a 1/8 grid with ties, shared edges, zero-size boxes, disjoint pairs and a few NaN / ∞. */
function boxPairs(n: number, seed: number): { a: Float64Array; b: Float64Array; g: Float64Array } {
  const r = rng(seed);
  const a = new Float64Array(4 * n),
    b = new Float64Array(4 * n),
    g = new Float64Array(n);
  const grid = (span: number) => Math.floor(r() * span * 8) / 8;
  for (let i = 0; i < n; i++) {
    const x = grid(8),
      y = grid(8),
      w = grid(4),
      h = grid(4);
    a.set([x, y, x + w, y + h], 4 * i);
    const mode = i % 7;
    if (mode === 0)
      b.set([x, y, x + w, y + h], 4 * i); // identical (ties everywhere; zero-area when w or h is 0)
    else if (mode === 1)
      b.set([x + w, y, x + w + grid(3), y + h], 4 * i); // touching
    else if (mode === 2)
      b.set([x, y + grid(2), x + grid(6), y + h + grid(2)], 4 * i); // a shared edge
    else b.set([grid(10), grid(10), 10 + grid(4), 10 + grid(4)], 4 * i);
    g[i] = (Math.floor(r() * 49) - 24) / 8;
  }
  if (n > 5) {
    a[4 * (n - 3) + 1] = Number.NaN;
    b[4 * Math.floor(n / 2) + 2] = Number.POSITIVE_INFINITY;
  }
  return { a, b, g };
}

const builds = BUILDS.map((name) => new RawBuild(name));
const kindValue = (b: RawBuild, k: Kind): number => {
  const name = k === 'giou' ? 'BOX_GIOU' : k === 'diou' ? 'BOX_DIOU' : 'BOX_CIOU';
  return (b.raw[name] as WebAssembly.Global).value as number;
};

interface Outputs {
  sum: number;
  losses: Float64Array;
  ga: Float32Array | Float64Array;
  gb: Float32Array | Float64Array;
  gradLosses: Float64Array;
}

function run(
  b: RawBuild,
  dtype: DType,
  kind: Kind,
  eps: number,
  n: number,
  seed: number,
  perBox: boolean,
  misalign: number,
): Outputs {
  b.reset();
  const Arr = dtype === 'f32' ? Float32Array : Float64Array;
  const { a, b: bb, g } = boxPairs(n, seed);
  const pa = b.put(Arr.from(a), misalign),
    pb = b.put(Arr.from(bb), misalign);
  const pg = perBox ? b.put(g, misalign) : 0;
  const out = b.reserve(Float64Array, n, misalign);
  const ga = b.reserve(Arr, 4 * n, misalign),
    gb = b.reserve(Arr, 4 * n, misalign);
  const gl = b.reserve(Float64Array, n, misalign);
  for (const [p, bytes] of [
    [out, 8 * n],
    [ga, 4 * n * Arr.BYTES_PER_ELEMENT],
    [gb, 4 * n * Arr.BYTES_PER_ELEMENT],
    [gl, 8 * n],
  ])
    b.poison(p, bytes);
  const k = kindValue(b, kind);
  const sum = b.k[`box_loss_${dtype}`](pa, pb, n, k, eps, out);
  expect(Object.is(b.k[`box_loss_${dtype}`](pa, pb, n, k, eps, 0), sum)).toBe(true);
  b.k[`box_grad_${dtype}`](pa, pb, pg, 0.75, n, k, eps, ga, gb, gl);
  for (const [p, bytes] of [
    [out, 8 * n],
    [ga, 4 * n * Arr.BYTES_PER_ELEMENT],
    [gb, 4 * n * Arr.BYTES_PER_ELEMENT],
    [gl, 8 * n],
  ])
    expect(b.guardsIntact(p, bytes)).toBe(true);
  // one gradient at a time writes the same bits and nothing into the other
  const only = b.reserve(Arr, 4 * n, misalign);
  b.k[`box_grad_${dtype}`](pa, pb, pg, 0.75, n, k, eps, 0, only, 0);
  expect(firstBitDifference(b.read(Arr, only, 4 * n), b.read(Arr, gb, 4 * n))).toBe(-1);
  return {
    sum,
    losses: b.read(Float64Array, out, n),
    ga: b.read(Arr, ga, 4 * n),
    gb: b.read(Arr, gb, 4 * n),
    gradLosses: b.read(Float64Array, gl, n),
  };
}

function ulpsApart(x: number, y: number, f32: boolean): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y) ? 0 : Infinity;
  if (x === y) return 0;
  const scale = Math.max(Math.abs(x), Math.abs(y));
  const ulp = f32 ? 2 ** (Math.floor(Math.log2(scale)) - 23) : 2 ** (Math.floor(Math.log2(scale)) - 52);
  return Math.abs(x - y) / ulp;
}

describe.each(KINDS)('box kernels, %s', (kind) => {
  for (const dtype of ['f32', 'f64'] as const) {
    it(`${dtype}: both builds equal the reference at every length (upstream per box and shared, misaligned)`, () => {
      const f32 = dtype === 'f32';
      const round = f32 ? Math.fround : (v: number) => v;
      for (const n of LENGTHS) {
        for (const [perBox, misalign] of [
          [true, 0],
          [false, f32 ? 4 : 8],
        ] as const) {
          const eps = n % 2 === 0 ? 1e-7 : 0.25;
          const seed = 7 * n + (perBox ? 1 : 2);
          const outs = builds.map((b) => run(b, dtype, kind, eps, n, seed, perBox, misalign));
          // SIMD and scalar builds: the same bits everywhere
          for (const key of ['losses', 'ga', 'gb', 'gradLosses'] as const)
            expect(firstBitDifference(outs[0][key], outs[1][key]), `${n} ${key}`).toBe(-1);
          const { a, b, g } = boxPairs(n, seed);
          const A = f32 ? Float32Array.from(a) : a,
            B = f32 ? Float32Array.from(b) : b;
          let sum = 0,
            mag = 0;
          for (let i = 0; i < n; i++) {
            const pa = A.subarray(4 * i, 4 * i + 4),
              pb = B.subarray(4 * i, 4 * i + 4),
              up = perBox ? g[i] : 0.75;
            const ref = reference(kind, eps, pa, pb, up, round);
            // float32 CIoU's gradient kernel computes in float64 (the kernel header): its reference is the wide one
            const wide = f32 && kind === 'ciou';
            const gref = wide ? reference(kind, eps, pa, pb, Math.fround(up), (v) => v) : ref;
            const tol = kind === 'ciou' ? 4 : 0;
            for (const out of outs) {
              const what = `${n} box ${i}`;
              if (!(ulpsApart(out.losses[i], ref.loss, f32) <= tol))
                expect.fail(`${what} loss ${out.losses[i]} vs ${ref.loss}`);
              if (wide) {
                if (!(ulpsApart(out.gradLosses[i], Math.fround(gref.loss), true) <= tol))
                  expect.fail(`${what} loss of the gradient pass ${out.gradLosses[i]} vs ${gref.loss}`);
              } else {
                expect(Object.is(out.gradLosses[i], out.losses[i]), `${what} losses of the gradient pass`).toBe(true);
              }
              for (let c = 0; c < 4; c++) {
                for (const [got, want, name] of [
                  [out.ga[4 * i + c], gref.ga[c], 'ga'],
                  [out.gb[4 * i + c], gref.gb[c], 'gb'],
                ] as const) {
                  const w = round(want);
                  const ok =
                    tol === 0
                      ? Object.is(got, w)
                      : ulpsApart(got, w, f32) <= tol || Math.abs(got - w) <= 1e-15 * Math.abs(G(gref));
                  if (!ok) expect.fail(`${what} ${name}[${c}]: ${got} vs ${w} (${kind} ${dtype})`);
                }
              }
            }
            sum += ref.loss;
            mag += Math.abs(ref.loss);
          }
          for (const out of outs) {
            if (Number.isNaN(sum)) expect(out.sum).toBeNaN();
            else if (!Number.isFinite(sum)) expect(out.sum).toBe(sum);
            else expect(Math.abs(out.sum - sum)).toBeLessThanOrEqual(4 * n * 2 ** -52 * mag);
          }
        }
      }
    });
  }
});

/** The scale of a pair's gradients (their largest magnitude), for CIoU's absolute floor near cancellations. */
function G(ref: { ga: number[]; gb: number[] }): number {
  return Math.max(...[...ref.ga, ...ref.gb].filter(Number.isFinite).map(Math.abs), 0);
}

describe('box kernels, identities', () => {
  it('identical non-degenerate boxes: loss 0 (GIoU, DIoU at eps 0; CIoU 1 − U/(U + 1e-7)); identical zero-area boxes: 1 (GIoU, DIoU), NaN (CIoU)', () => {
    const b = builds[0];
    b.reset();
    const boxes = new Float64Array([0, 0, 2, 2, 1, 1, 4, 3, 0.5, 0.25, 0.75, 3]);
    const pa = b.put(boxes),
      out = b.reserve(Float64Array, 3);
    const zero = b.put(new Float64Array([1, 1, 1, 1, 0, 0, 0, 0]));
    const out0 = b.reserve(Float64Array, 2);
    for (const kind of KINDS) {
      b.k.box_loss_f64(pa, pa, 3, kindValue(b, kind), 0, out);
      // eps = 0: 1 − I/U with I = U exactly, and the penalties vanish for identical boxes; CIoU's DIoU part keeps
      // e₀ = 1e-7, so its loss is 1 − U/(U + 1e-7) (its aspect term v is 0)
      const areas = [4, 6, 0.25 * 2.75];
      const want = kind === 'ciou' ? areas.map((u) => 1 - u / (u + 1e-7)) : [0, 0, 0];
      expect(Array.from(b.read(Float64Array, out, 3))).toEqual(want);
      b.k.box_loss_f64(zero, zero, 2, kindValue(b, kind), 1e-7, out0);
      const z = Array.from(b.read(Float64Array, out0, 2));
      if (kind === 'ciou') expect(z.every(Number.isNaN)).toBe(true);
      else expect(z).toEqual([1, 1]);
    }
  });
});

afterAll(() => {
  expect(uncalled('boxes')).toEqual([]);
});
