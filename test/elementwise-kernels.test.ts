// Every elementwise term (assembly/elementwise/terms/), through the four generic drivers of
// assembly/elementwise/driver.ts, against its TypeScript reference (test/kernel-refs/<term>.ts, interface in
// test/helpers/term-reference.ts). The terms come from the release binary's exports (`<term>_sum_f32`) and from
// the loss registry (each declaration's `kernels`): a term without a reference fails by name.
//
// For each term, parameter set and input vector, in both test builds, both dtypes, every length of DESIGN.md §4,
// aligned and misaligned pointers (by whole elements and by odd bytes), with and without a weight, with a scalar
// and a per-element upstream gradient, and with ga/gb each on and off:
//   map, grad:  bit for bit the reference's float32/float64 evaluation (so a SIMD lane, the scalar tail and the
//               scalar build give the same bits; a NaN matches any NaN);
//   sum:        within the float64 summation bound of the exact sum of the reference's terms;
//   sumgrad:    its sum as sum's, its gradients bit for bit grad's (same build, same upstream);
// and no kernel writes outside its outputs (guard bytes around each, and the module's static data unchanged).
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '../src/index.js';
import { registry } from '../src/core/loss.js';
import type { BuildName, Floats } from './helpers/builds.js';
import {
  BUILDS,
  firstBitDifference,
  KERNEL_FAMILIES,
  LENGTHS,
  moduleOf,
  RawBuild,
  rng,
  show,
  uncalled,
} from './helpers/builds.js';
import type { KernelDType, TermInputs, TermParams, TermReference } from './helpers/term-reference.js';

const f = Math.fround;
const U = 2 ** -53;
/** Unit roundoff of float32. */
const U32 = 2 ** -24;

// ---------------------------------------------------------------------------------------------------------------
// Which terms, and their references

const REFS_DIR = new URL('./kernel-refs/', import.meta.url);

/** Terms the release binary exports: every `<term>_sum_f32`. */
const exportedTerms = WebAssembly.Module.exports(moduleOf('release'))
  .map((e) => /^(.+)_sum_f32$/.exec(e.name)?.[1])
  .filter((t): t is string => t !== undefined);

/** Kernel prefixes of registered losses that belong to no other kernel family (rows, checks, …): elementwise terms. */
const otherFamilies = Object.entries(KERNEL_FAMILIES)
  .filter(([f]) => f !== 'elementwise')
  .map(([, inFamily]) => inFamily);
const registryTerms = registry
  .flatMap((d) => d.kernels.map((k) => ({ loss: d.name, term: k })))
  .filter(({ term }) => !otherFamilies.some((inFamily) => inFamily(`${term}_f32`) || inFamily(term)));

const TERMS = [...new Set([...exportedTerms, ...registryTerms.map((r) => r.term)])].sort();

const references = new Map<string, TermReference>();
for (const term of TERMS) {
  const file = new URL(`${term}.ts`, REFS_DIR);
  if (!existsSync(file)) continue;
  const mod = (await import(file.href)) as { reference?: TermReference };
  if (mod.reference) references.set(term, mod.reference);
}

describe('elementwise terms and their references', () => {
  it('finds the terms: the release exports some, and every registered elementwise loss names one', () => {
    expect(exportedTerms.length).toBeGreaterThan(0);
    expect(registryTerms.length).toBeGreaterThan(0);
  });

  it.each(TERMS)('%s has a TypeScript reference in test/kernel-refs/', (term) => {
    const ref = references.get(term);
    expect(
      ref,
      `test/kernel-refs/${term}.ts must export \`reference\` (see test/helpers/term-reference.ts)`,
    ).toBeDefined();
    expect(ref!.term).toBe(term);
    expect(ref!.params.length).toBeGreaterThan(0);
  });

  it.each(registryTerms.map((r) => [r.loss, r.term]))(
    '%s names the term %s, which the release binary exports',
    (_loss, term) => {
      expect(exportedTerms).toContain(term);
    },
  );

  it('has no reference for a term the binary does not export', () => {
    const files = readdirSync(REFS_DIR)
      .filter((n) => n.endsWith('.ts'))
      .map((n) => n.slice(0, -3));
    expect(files.filter((t) => !exportedTerms.includes(t))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Expected results from a reference, composed as the driver does (test/helpers/term-reference.ts)

// Typed as one constructor so that `from` type-checks for both (only numbers are read back).
const CTOR: Record<KernelDType, Float64ArrayConstructor> = {
  f32: Float32Array as unknown as Float64ArrayConstructor,
  f64: Float64Array,
};
/** The scalar upstream gradient: not a float32, so its rounding to float32 is visible. */
const GS = 0.3;

interface Case {
  what: string;
  dtype: KernelDType;
  n: number;
  a: Floats;
  b: Floats;
  /** The third operand (null: a two-operand term, run with c = 0). */
  c: Floats | null;
  w: Floats | null;
  /** Per-element upstream gradient. */
  g: Floats;
  p: number;
  q: number;
  /** Expected map output. */
  map: Floats;
  /** What the sum adds per element (before any rounding to N for wide terms). */
  terms: Float64Array;
  /** Expected ∂a, ∂b, ∂c with the scalar upstream GS, and with the per-element upstream g (null: no gradient). */
  gS: Array<Floats | null>;
  gG: Array<Floats | null>;
}

const OPERAND = ['a', 'b', 'c'] as const;

/** Weights: mostly in [0, 3), with exact 0, −0, 1 and negative ones; the edge vectors add NaN and ±Inf. */
function weights(n: number, r: () => number, edge: boolean): number[] {
  const specials = edge ? [Infinity, NaN, 0, -Infinity, 1] : [0, -0, 1, -0.5, 2.5];
  return Array.from({ length: n }, (_, i) => (i % 4 === 2 ? specials[(i >> 2) % specials.length] : r() * 3));
}

/** Per-element upstream gradients: multiples of 1/8 in [−3, 3], ±0, and values that are not float32s. */
function upstream(n: number, r: () => number): number[] {
  const specials = [0, -0, 0.1, -1 / 3];
  return Array.from({ length: n }, (_, i) =>
    i % 5 === 3 ? specials[((i / 5) | 0) % specials.length] : Math.round((r() - 0.5) * 48) / 8,
  );
}

function buildCase(
  ref: TermReference,
  params: TermParams,
  dtype: KernelDType,
  inputs: TermInputs,
  n: number,
  weighted: boolean,
  seed: number,
): Case {
  const ctor = CTOR[dtype];
  const r = rng(seed);
  const a = ctor.from(inputs.a),
    b = ctor.from(inputs.b);
  const c = ref.operands === 3 ? ctor.from(inputs.c!) : null;
  const w = weighted ? ctor.from(weights(n, r, inputs.name !== 'finite')) : null;
  const g = ctor.from(upstream(n, r));
  const { p, q } = params;
  const map = new ctor(n),
    terms = new Float64Array(n);
  const wide = dtype === 'f32' && ref.wide;
  const narrow32 = dtype === 'f32' && !ref.wide ? ref : null;
  const grads = narrow32
    ? [narrow32.gradA32, narrow32.gradB32, narrow32.gradC32]
    : [ref.gradA64, ref.gradB64, ref.gradC64];
  const gS = grads.map((d) => (d ? new ctor(n) : null)),
    gG = grads.map((d) => (d ? new ctor(n) : null));
  // A wide term with float32 values (value32): values as a narrow term's, gradients as a wide one's.
  const value32 = dtype === 'f32' && ref.wide ? ref.value32 : undefined;
  const value = narrow32 ? narrow32.value32 : (value32 ?? ref.value64);
  // A term with scaledGrad multiplies s in itself (the driver calls it instead of ∂·s).
  const scaled = narrow32 ? narrow32.scaledGrad32 : ref.scaledGrad64;
  // A narrow float32 term takes p and q rounded to float32; float64 and wide terms take them as given.
  const P = narrow32 ? f(p) : p,
    Q = narrow32 ? f(q) : q;
  // float64: no rounding; float32 (narrow or wide): each product rounded once to float32.
  const round = dtype === 'f32' ? f : (x: number) => x;
  const gs = round(GS);
  for (let i = 0; i < n; i++) {
    const ci = c ? c[i] : 0;
    const t = value(a[i], b[i], ci, P, Q);
    // The weight multiplies in N, except for a wide float32 term (in float64, rounded once with the term).
    const tw = w ? (wide && !value32 ? t * w[i] : round(t * w[i])) : t;
    terms[i] = tw;
    map[i] = round(tw);
    // The upstream gradient times the weight, in N for every kind of term.
    const sS = w ? round(w[i] * gs) : gs,
      sG = w ? round(w[i] * g[i]) : g[i];
    grads.forEach((d, k) => {
      if (!d) return;
      if (scaled) {
        gS[k]![i] = round(scaled(k, a[i], b[i], ci, sS, P, Q));
        gG[k]![i] = round(scaled(k, a[i], b[i], ci, sG, P, Q));
        return;
      }
      const v = d(a[i], b[i], ci, P, Q);
      gS[k]![i] = round(v * sS);
      gG[k]![i] = round(v * sG);
    });
  }
  const what = `${ref.term}_${dtype} ${params.label} ${inputs.name} n=${n}${weighted ? ' weighted' : ''}`;
  return { what, dtype, n, a, b, c, w, g, p, q, map, terms, gS, gG };
}

/**
 * The exact sum of `terms` (to within 2u of its value, by Neumaier's compensated summation) and the bound any
 * float64 summation order meets: |Ŝ − S| ≤ (n − 1)·u·Σ|t| (to first order), plus the reference's own 2u·|S|.
 * With `blocks32` (a non-negative term's unweighted float32 sum, see TermReference.float32Blocks) the float32
 * pairwise adds of each block add 2·u32·(1 + u32)·Σ|t|: each term goes through two float32 additions, each
 * rounding within u32 of a partial sum no larger than its block's, and no term is negative.
 * With `certified` (TermReference.certifiedSum) 2^-21·Σ|t| more: a certified block's result is within 2^-23·Σ|ℓ| of
 * the float64 truth ℓ, and each float32 term within 2 ulp ≤ 2^-22·|ℓ| of it.
 * Non-finite terms: the sum is order-independent (NaN, or an infinity), and `bound` is 0.
 */
function sumReference(terms: Float64Array, blocks32 = false, certified = false): { sum: number; bound: number } {
  let s = 0,
    c = 0,
    abs = 0,
    plain = 0;
  for (const t of terms) {
    plain += t;
    abs += Math.abs(t);
    const u = s + t;
    c += Math.abs(s) >= Math.abs(t) ? s - u + t : t - u + s;
    s = u;
  }
  if (!Number.isFinite(plain)) return { sum: plain, bound: 0 };
  const sum = s + c;
  const blocks = (blocks32 ? 2 * U32 * (1 + U32) * abs : 0) + (certified ? 2 ** -21 * abs : 0);
  return { sum, bound: Math.max(terms.length - 1, 0) * U * abs * (1 + 1e-6) + 2 * U * Math.abs(sum) + blocks };
}

function checkSum(got: number, want: { sum: number; bound: number }, what: string): void {
  if (Number.isNaN(want.sum)) {
    if (!Number.isNaN(got)) expect.fail(`${what}: sum ${got}, expected NaN`);
    return;
  }
  if (!Number.isFinite(want.sum)) {
    if (got !== want.sum) expect.fail(`${what}: sum ${got}, expected ${want.sum}`);
    return;
  }
  const err = Math.abs(got - want.sum);
  if (!(err <= want.bound))
    expect.fail(`${what}: sum ${got}, reference ${want.sum}, error ${err} > bound ${want.bound}`);
  // An empty or all-zero sum is +0 in both.
  if (want.sum === 0 && want.bound === 0 && !Object.is(got, want.sum))
    expect.fail(`${what}: sum ${show(got)}, expected ${show(want.sum)}`);
}

function checkBits(got: Floats, want: Floats, c: Case, output: string): void {
  const i = firstBitDifference(got, want);
  if (i < 0) return;
  const w = c.w ? `, w ${show(c.w[i])}` : '';
  const third = c.c ? `, c ${show(c.c[i])}` : '';
  expect.fail(
    `${c.what} ${output}[${i}]: got ${show(got[i])}, reference ${show(want[i])} ` +
      `(a ${show(c.a[i])}, b ${show(c.b[i])}${third}${w}, g ${show(c.g[i])}, p ${c.p}, q ${c.q})`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Running a case in a build

/** Byte offsets past a 16-byte boundary for a, b, c, w, g, out, ga, gb, gc: none, whole elements, odd bytes. */
const ALIGNMENTS: Record<string, (size: number) => number[]> = {
  aligned: () => [0, 0, 0, 0, 0, 0, 0, 0, 0],
  'misaligned by elements': (size) => [1, 2, 3, 1, 2, 3, 1, 2, 3].map((k) => (k * size) % 16 || size),
  'misaligned by odd bytes': () => [1, 3, 5, 7, 9, 11, 13, 15, 1],
};

/** Snapshot of the module's static data (below heap_base), which no kernel may write (pointer 0 = no output). */
function staticData(build: RawBuild): Uint8Array {
  return build.bytes(0, build.base()).slice();
}

/** Which gradients a call asks for: all the term has, each alone (when it has several), and optionally none. */
function gradChoices(has: boolean[], withNone: boolean): boolean[][] {
  const out = [has.slice()];
  if (has.filter(Boolean).length > 1)
    has.forEach((h, k) => {
      h && out.push(has.map((_, j) => j === k));
    });
  if (withNone) out.push([false, false, false]);
  return out;
}

function runCase(build: RawBuild, c: Case, align: string, ref: TermReference): void {
  const { n, dtype } = c;
  const ctor = CTOR[dtype];
  const size = ctor.BYTES_PER_ELEMENT;
  const [oa, ob, oc, ow, og, oo, oga, ogb, ogc] = ALIGNMENTS[align](size);
  const what = `${c.what} (${build.name} build, ${align})`;
  const cc = { ...c, what };
  build.reset();
  const pa = build.put(c.a, oa),
    pb = build.put(c.b, ob);
  const pc = c.c ? build.put(c.c, oc) : 0;
  const pw = c.w ? build.put(c.w, ow) : 0;
  const pg = build.put(c.g, og);
  const bytes = n * size;
  const out = build.reserveBytes(bytes, oo);
  const outs = [build.reserveBytes(bytes, oga), build.reserveBytes(bytes, ogb), build.reserveBytes(bytes, ogc)];
  const has = c.gS.map((x) => x !== null);
  const before = staticData(build);
  const k = build.k;
  const T = ref.term;
  const blocks32 = dtype === 'f32' && !c.w && !ref.wide && ref.float32Blocks === true;
  if (blocks32 && c.terms.some((t) => t < 0)) expect.fail(`${what}: a float32Blocks term is negative`);
  const certified = dtype === 'f32' && !c.w && c.q === 0 && ref.wide && ref.certifiedSum === true;
  const sumRef = sumReference(c.terms, blocks32, certified);
  const poisoned = new Uint8Array(bytes).fill(0xa5);

  // sum
  checkSum(k[`${T}_sum_${dtype}`](pa, pb, pc, pw, n, c.p, c.q), sumRef, `${what} sum`);

  // map
  build.poison(out, bytes);
  k[`${T}_map_${dtype}`](pa, pb, pc, pw, out, n, c.p, c.q);
  checkBits(build.read(ctor, out, n), c.map, cc, 'map');
  if (!build.guardsIntact(out, bytes)) expect.fail(`${what}: map wrote outside its output`);

  /** Checks the three gradient outputs of a call that asked for `want`; returns what it read. */
  const readGrads = (want: boolean[], expected: Array<Floats | null>, label: string): Array<Floats | null> =>
    outs.map((ptr, j) => {
      const name = `g${OPERAND[j]}`;
      if (!build.guardsIntact(ptr, bytes)) expect.fail(`${what} ${label}: wrote outside ${name}`);
      const got = build.read(Uint8Array, ptr, bytes);
      if (!want[j]) {
        if (firstDiff(got, poisoned) >= 0) expect.fail(`${what} ${label}: wrote ${name}, which was off`);
        return null;
      }
      const values = new ctor(got.buffer);
      checkBits(values, expected[j]!, cc, `${label} ${name}`);
      return values;
    });
  const on = (want: boolean[]) => want.map((x, j) => (x ? outs[j] : 0));
  const describeWant = (want: boolean[]) =>
    want
      .slice(0, ref.operands)
      .map((x, j) => `g${OPERAND[j]} ${x ? 'on' : 'off'}`)
      .join(', ');

  // grad: the scalar upstream with every choice of outputs, the per-element upstream with all of them.
  let fromGrad: Array<Floats | null> = [];
  for (const [g, choices] of [
    [0, gradChoices(has, false)],
    [pg, [has]],
  ] as const) {
    for (const want of choices) {
      for (const ptr of outs) build.poison(ptr, bytes);
      k[`${T}_grad_${dtype}`](pa, pb, pc, pw, g, GS, ...on(want), n, c.p, c.q);
      const got = readGrads(
        want,
        g ? c.gG : c.gS,
        `grad (${g ? 'per-element g' : `gs = ${GS}`}, ${describeWant(want)})`,
      );
      if (!g && want.every((x, j) => x === has[j])) fromGrad = got;
    }
  }

  // sumgrad: the scalar upstream, every choice of outputs (none included); gradients bit for bit grad's.
  for (const want of gradChoices(has, true)) {
    for (const ptr of outs) build.poison(ptr, bytes);
    const label = `sumgrad (${describeWant(want)})`;
    const s = k[`${T}_sumgrad_${dtype}`](pa, pb, pc, pw, GS, ...on(want), n, c.p, c.q);
    checkSum(s, sumRef, `${what} ${label}`);
    readGrads(want, fromGrad, `${label} (against grad's)`);
  }
  const after = staticData(build);
  if (firstDiff(after, before) >= 0)
    expect.fail(`${what}: a kernel wrote the module's static data (at ${firstDiff(after, before)})`);
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : a.length;
}

// ---------------------------------------------------------------------------------------------------------------
// The tests

const builds = new Map<BuildName, RawBuild>(BUILDS.map((name) => [name, new RawBuild(name)]));

describe('the test builds', () => {
  it('testing is compiled with SIMD, testing-scalar without', () => {
    expect(builds.get('testing')!.k.simd_enabled()).toBe(1);
    expect(builds.get('testing-scalar')!.k.simd_enabled()).toBe(0);
  });
});

for (const term of TERMS) {
  const ref = references.get(term);
  if (!ref) continue; // failed above, by name
  describe(`${term} (${ref.wide ? 'wide: float32 computed in float64' : 'in the input precision'})`, () => {
    for (const params of ref.params) {
      for (const dtype of ['f32', 'f64'] as const) {
        for (const weighted of [false, true]) {
          it(`${dtype}, ${params.label}${weighted ? ', weighted' : ''}: both builds, every length and alignment`, () => {
            let seed = 1;
            for (const n of LENGTHS) {
              const inputs = ref.inputs(n, dtype, params, rng(1000 * n + 17));
              expect(
                inputs.some((v) => v.name === 'finite'),
                `${term}: a 'finite' input vector`,
              ).toBe(true);
              for (const vec of inputs) {
                const lengths = [vec.a.length, vec.b.length, ...(ref.operands === 3 ? [vec.c?.length] : [])];
                expect(lengths, `${term} ${vec.name} at n = ${n}`).toEqual(new Array(ref.operands).fill(n));
                const c = buildCase(ref, params, dtype, vec, n, weighted, seed++);
                // Alignment does not depend on the length: the longest (memory growth, many iterations) runs
                // in the hardest one only.
                const aligns = n > 1000 ? ['misaligned by odd bytes'] : Object.keys(ALIGNMENTS);
                for (const build of builds.values()) {
                  for (const align of aligns) runCase(build, c, align, ref);
                }
              }
            }
          });
        }
      }
    }

    if (ref.operands === 2) {
      it('ignores a third operand: a non-null c gives the bits of c = 0 (sum, map, grad, sumgrad)', () => {
        for (const dtype of ['f32', 'f64'] as const) {
          const ctor = CTOR[dtype];
          const params = ref.params[0];
          for (const n of [1, 5, 17, 1000]) {
            const vec = ref.inputs(n, dtype, params, rng(n + 5))[0];
            const junk = ctor.from({ length: n }, (_, i) => [NaN, -1e30, 7, Infinity][i % 4]);
            for (const build of builds.values()) {
              const run = (withC: boolean): number[] => {
                build.reset();
                const pa = build.put(ctor.from(vec.a)),
                  pb = build.put(ctor.from(vec.b));
                const pc = withC ? build.put(junk) : 0;
                const pw = build.put(ctor.from({ length: n }, (_, i) => 1 + (i % 3)));
                const out = build.reserve(ctor, n),
                  ga = build.reserve(ctor, n),
                  gb = build.reserve(ctor, n);
                for (const ptr of [out, ga, gb]) build.poison(ptr, n * ctor.BYTES_PER_ELEMENT);
                const s = build.k[`${term}_sum_${dtype}`](pa, pb, pc, pw, n, params.p, params.q);
                build.k[`${term}_map_${dtype}`](pa, pb, pc, pw, out, n, params.p, params.q);
                build.k[`${term}_grad_${dtype}`](
                  pa,
                  pb,
                  pc,
                  pw,
                  0,
                  GS,
                  ga,
                  ref.gradB64 ? gb : 0,
                  0,
                  n,
                  params.p,
                  params.q,
                );
                const t = build.k[`${term}_sumgrad_${dtype}`](pa, pb, pc, pw, GS, 0, 0, 0, n, params.p, params.q);
                return [s, t, ...build.read(ctor, out, n), ...build.read(ctor, ga, n), ...build.read(ctor, gb, n)];
              };
              const [without, withC] = [run(false), run(true)];
              const i = firstBitDifference(Float64Array.from(withC), Float64Array.from(without));
              expect(i, `${term}_${dtype} n = ${n} (${build.name}): value ${i} differs`).toBe(-1);
            }
          }
        }
      });
    }

    it('outputs may alias inputs element for element (map over a, each gradient into its operand)', () => {
      for (const dtype of ['f32', 'f64'] as const) {
        const params = ref.params[0];
        for (const n of [5, 17, 1000]) {
          const vec = ref.inputs(n, dtype, params, rng(n))[0];
          const c = buildCase(ref, params, dtype, vec, n, true, 99);
          const ctor = CTOR[dtype];
          for (const build of builds.values()) {
            const cc = { ...c, what: `${c.what} aliased (${build.name})` };
            build.reset();
            const operands = [c.a, c.b, c.c];
            const ops = operands.map((v) => (v ? build.put(v) : 0));
            const pw = build.put(c.w!);
            const restore = () =>
              operands.forEach((v, j) => {
                v && build.write(ops[j], v);
              });
            build.k[`${term}_map_${dtype}`](ops[0], ops[1], ops[2], pw, ops[0], n, c.p, c.q);
            checkBits(build.read(ctor, ops[0], n), c.map, cc, 'map into a');
            restore();
            const into = c.gS.map((x, j) => (x ? ops[j] : 0));
            for (const kernel of ['grad', 'sumgrad']) {
              const upstreamArgs = kernel === 'grad' ? [0, GS] : [GS];
              build.k[`${term}_${kernel}_${dtype}`](ops[0], ops[1], ops[2], pw, ...upstreamArgs, ...into, n, c.p, c.q);
              c.gS.forEach((x, j) => {
                if (x) checkBits(build.read(ctor, ops[j], n), x, cc, `${kernel} into ${OPERAND[j]}`);
              });
              restore();
            }
          }
        }
      }
    });
  });
}

describe('coverage', () => {
  // Last in the file (vitest runs a file's tests in order): every elementwise export was called above.
  it('called every elementwise export of the test builds', () => {
    expect(uncalled('elementwise')).toEqual([]);
  });
});
