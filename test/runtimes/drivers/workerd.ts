// Driver for workerd. Bundled with the `workerd` export condition, so `simdloss` resolves to
// dist/index.workerd.js, whose `import … from '../build/simdloss.wasm'` becomes the config's wasm module.
// - `workerd test`: the test handler runs the sample without init() and throws unless it matches Node bit for bit.
// - `workerd serve`: GET / answers the outcomes as JSON, for the vitest side to compare itself.
import * as simdloss from 'simdloss';
import type { LibraryUnderTest } from '../conformance.js';
import { diffOutcomes, runConformance } from '../conformance.js';

const lib = simdloss as unknown as LibraryUnderTest;

export default {
  async fetch(): Promise<Response> {
    const outcomes = runConformance(lib, __CASES__);
    await simdloss.init();
    return Response.json({ outcomes });
  },
  async test(): Promise<void> {
    const problems = diffOutcomes(runConformance(lib, __CASES__), __EXPECTED__);
    if (problems.length > 0) throw new Error(`workerd differs from Node:\n${problems.join('\n')}`);
    await simdloss.init();
    await simdloss.init();
    console.log(`conformance: ${__CASES__.length} cases match Node bit for bit`);
  },
};
