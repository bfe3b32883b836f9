// The ABI across builds, and the registry's kernels: the two test builds export exactly the same names (kinds and
// parameter counts), the release binary exports exactly those minus the test-only ones, every export belongs to
// the family of one kernel test file (which calls all of its family: see KERNEL_FAMILIES in helpers/builds.ts),
// every kernel a registered loss names is exported and tested, the module imports nothing but its memory, and the
// shipped binary computes the testing build's bits (the kernel tests run the testing builds, users the release).
import { describe, expect, it } from 'vitest';
import '../src/index.js';
import { registry } from '../src/core/loss.js';
import { abiOf, BUILDS, KERNEL_FAMILIES, moduleOf, RawBuild, RELEASE, rng } from './helpers/builds.js';

const TEST_ONLY_FAMILIES = ['exp', 'log', 'softplus'];
const families = (name: string) => Object.keys(KERNEL_FAMILIES).filter((f) => KERNEL_FAMILIES[f](name));

describe('the ABI of the builds', () => {
  const [testing, scalar] = BUILDS.map(abiOf);
  const release = abiOf(RELEASE);

  it('testing and testing-scalar export exactly the same names, kinds and parameter counts', () => {
    expect([...scalar].sort()).toEqual([...testing].sort());
  });

  it("the release binary exports exactly the testing build's exports minus the test-only ones", () => {
    const releaseAbi = [...release].sort();
    const testingMinusTestOnly = [...testing]
      .filter(([name]) => !families(name).some((f) => TEST_ONLY_FAMILIES.includes(f)))
      .sort();
    expect(releaseAbi).toEqual(testingMinusTestOnly);
    expect(release.size).toBeGreaterThan(10);
  });

  it('every export belongs to exactly one kernel-test family (so one test file calls it)', () => {
    const problems = [...testing.keys()]
      .map((name) => [name, families(name)] as const)
      .filter(([, f]) => f.length !== 1);
    expect(problems.map(([name, f]) => `${name}: ${f.length === 0 ? 'no family' : f.join(' and ')}`)).toEqual([]);
  });

  it.each(['testing', 'testing-scalar', RELEASE] as const)('%s imports only env.memory, and exports it', (name) => {
    expect(WebAssembly.Module.imports(moduleOf(name))).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    const b = new RawBuild(name);
    expect(b.raw.memory).toBe(b.memory);
    expect(b.k.simd_enabled()).toBe(name === 'testing-scalar' ? 0 : 1);
    expect(b.base() % 16).toBe(0);
  });
});

describe("the registry's kernels", () => {
  const exports = WebAssembly.Module.exports(moduleOf(RELEASE)).map((e) => e.name);
  const named = registry.flatMap((d) => d.kernels.map((k) => [d.name, k] as const));

  it('every registered loss names its kernels', () => {
    for (const d of registry) expect(d.kernels.length, d.name).toBeGreaterThan(0);
  });

  it.each(named)('%s: %s is exported by the release binary and belongs to a kernel test', (_loss, prefix) => {
    const matching = exports.filter((e) => e === prefix || e.startsWith(`${prefix}_`));
    expect(matching, `exports named ${prefix}_*`).not.toEqual([]);
    for (const e of matching) expect(families(e), e).toHaveLength(1);
  });
});

describe('the release binary computes what the testing build computes', () => {
  const release = new RawBuild(RELEASE),
    testing = new RawBuild('testing');
  const terms = WebAssembly.Module.exports(moduleOf(RELEASE))
    .map((e) => /^(.+)_sum_f32$/.exec(e.name)?.[1])
    .filter(Boolean) as string[];

  /** Runs `call` in both builds over the same inputs; returns both results and outputs (as bytes). */
  function both(
    inputs: Array<Float32Array | Float64Array | Int32Array>,
    outBytes: number[],
    call: (b: RawBuild, ptrs: number[], outs: number[]) => number,
  ): Array<{ r: number; outs: Uint8Array[] }> {
    return [release, testing].map((b) => {
      b.reset();
      const ptrs = inputs.map((v, i) => b.put(v, i % 3));
      const outs = outBytes.map((n) => b.reserveBytes(n, 1));
      outs.forEach((o, i) => {
        b.poison(o, outBytes[i]);
      });
      const r = call(b, ptrs, outs);
      return { r, outs: outs.map((p, i) => b.read(Uint8Array, p, outBytes[i])) };
    });
  }

  it.each(terms)('%s: sum, map, grad and sumgrad give the same bits', (term) => {
    for (const [dtype, ctor] of [
      ['f32', Float32Array as unknown as Float64ArrayConstructor],
      ['f64', Float64Array],
    ] as const) {
      const r = rng(5);
      const n = 1003;
      const a = ctor.from({ length: n }, () => r()),
        b = ctor.from({ length: n }, () => r() * 2 - 0.5);
      const w = ctor.from({ length: n }, () => r() * 3),
        g = ctor.from({ length: n }, () => r() - 0.5);
      const bytes = n * ctor.BYTES_PER_ELEMENT;
      const runs = both(
        [a, b, w, g],
        [bytes, bytes, bytes, bytes, bytes],
        (k, [pa, pb, pw, pg], [out, ga, gb, sa, sb]) => {
          k.k[`${term}_map_${dtype}`](pa, pb, 0, pw, out, n, 0.5, 0);
          k.k[`${term}_grad_${dtype}`](pa, pb, 0, pw, pg, 0.3, ga, gb, 0, n, 0.5, 0);
          k.k[`${term}_sumgrad_${dtype}`](pa, pb, 0, 0, 0.3, sa, sb, 0, n, 0.5, 0);
          return k.k[`${term}_sum_${dtype}`](pa, pb, 0, pw, n, 0.5, 0);
        },
      );
      expect(Object.is(runs[0].r, runs[1].r), `${term}_sum_${dtype}`).toBe(true);
      runs[0].outs.forEach((o, i) => {
        expect(Buffer.from(o).equals(Buffer.from(runs[1].outs[i])), `${term} ${dtype} output ${i}`).toBe(true);
      });
      // Not two builds agreeing on garbage: every output was written, and the weighted sum is the map's sum.
      runs[0].outs.forEach((o, i) => {
        expect(
          o.every((v) => v === 0xa5),
          `${term} ${dtype} output ${i} written`,
        ).toBe(false);
      });
      const mapped = new ctor(runs[0].outs[0].slice().buffer).reduce((x, v) => x + v, 0);
      // (Inputs outside a term's domain give NaN elements, e.g. kl_div's negative targets: then both sums are NaN.)
      if (Number.isNaN(mapped)) expect(runs[0].r, `${term}_sum_${dtype} against its map (NaN)`).toBeNaN();
      else
        expect(Math.abs(runs[0].r - mapped), `${term}_sum_${dtype} against its map`).toBeLessThan(
          1e-4 * Math.abs(mapped) + 1e-9,
        );
    }
  });

  it('softmax_stats and the CrossEntropy kernels give the same bits (rows and a class slab)', () => {
    for (const [dtype, ctor] of [
      ['f32', Float32Array as unknown as Float64ArrayConstructor],
      ['f64', Float64Array],
    ] as const) {
      for (const [outer, C, inner] of [
        [33, 17, 1],
        [3, 9, 7],
      ]) {
        const r = rng(outer);
        const P = outer * inner,
          n = outer * C * inner,
          size = ctor.BYTES_PER_ELEMENT;
        const x = ctor.from({ length: n }, () => (r() - 0.5) * 8),
          y = ctor.from({ length: n }, () => r());
        const t = Int32Array.from({ length: P }, () => (r() < 0.2 ? -100 : Math.floor(r() * C)));
        const w = ctor.from({ length: C }, () => 0.5 + r()),
          g = ctor.from({ length: P }, () => r() - 0.5);
        const runs = both(
          [x, y, t, w, g],
          [16 * P, 8, P * size, 16, n * size, n * size, n * size],
          (k, [px, py, pt, pw, pg], [st, tr, out, res, gx, gx2, gy]) => {
            k.k[`softmax_stats_${dtype}`](px, outer, C, inner, inner, st);
            const bad = k.k[`ce_targets_${dtype}`](pt, pw, P, C, -100, tr);
            k.k[`ce_index_loss_${dtype}`](px, pt, pw, st, outer, C, inner, inner, -100, 0.1, 1, out, res);
            k.k[`ce_index_grad_${dtype}`](px, pt, pw, st, outer, C, inner, inner, -100, 0.1, pg, 0, gx);
            k.k[`ce_prob_loss_${dtype}`](px, py, pw, st, outer, C, inner, inner, 0.1, 1, out, res + 8);
            k.k[`ce_prob_grad_${dtype}`](px, py, pw, st, outer, C, inner, inner, 0.1, 0, 0.3, gx2, gy);
            return bad;
          },
        );
        expect(runs[0].r).toBe(-1);
        // No NaN here: bytes compare exactly; and every output was written (not two builds agreeing on nothing).
        runs[0].outs.forEach((o, i) => {
          expect(
            Buffer.from(o).equals(Buffer.from(runs[1].outs[i])),
            `${dtype} [${outer}, ${C}, ${inner}] output ${i}`,
          ).toBe(true);
          expect(
            o.every((v) => v === 0xa5),
            `${dtype} [${outer}, ${C}, ${inner}] output ${i} written`,
          ).toBe(false);
        });
      }
    }
  });
});
