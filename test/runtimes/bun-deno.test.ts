// Bun and Deno, from their npm packages: each runs the conformance sample through `import 'simdloss'` (resolved
// by the runtime through package.json `exports` to the default entry with the inlined binary) and must match Node
// bit for bit. Deno runs with no permissions at all: the default entry needs none.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CaseOutcome, FixtureCase } from './conformance.js';
import { diffOutcomes } from './conformance.js';
import { bundle, lastJsonLine, reference, run, runtimeBinary, workDir } from './harness.js';

interface Report {
  outcomes: CaseOutcome[];
  afterInit: number;
}

let data: { cases: FixtureCase[]; node: CaseOutcome[] };
let script: string;

beforeAll(async () => {
  data = reference();
  script = `${workDir('print')}/conformance.mjs`;
  // `simdloss` stays external so that the runtime, not esbuild, resolves the package.
  await bundle('test/runtimes/drivers/print.ts', script, data, { platform: 'neutral', external: ['simdloss'] });
});

const RUNTIMES = {
  bun: (file: string) => [file],
  deno: (file: string) => ['run', '--no-prompt', '--no-lock', file],
} as const;

describe.each(Object.keys(RUNTIMES) as Array<keyof typeof RUNTIMES>)('%s', (name) => {
  it('reproduces Node bit for bit on the fixture sample, starting without init()', async () => {
    const bin = runtimeBinary(name);
    const result = await run(bin, RUNTIMES[name](script), {
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    });
    expect(result.code, result.stderr).toBe(0);
    const report = lastJsonLine<Report>(result);
    expect(diffOutcomes(report.outcomes, data.node)).toEqual([]);
    expect(report.afterInit).toBe(Math.fround(2 / 3));
    console.log(`${name}: ${data.cases.length} cases in ${result.ms.toFixed(0)} ms`);
  });
});
