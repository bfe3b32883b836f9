// Driver for the runtimes that run a script and print (Bun, Deno): imports the package by name, so the runtime
// itself resolves `simdloss` through package.json `exports`, runs the conformance sample without calling init()
// first (the inlined binary must start synchronously), then checks that init() is idempotent afterwards.
import * as simdloss from 'simdloss';
import type { LibraryUnderTest } from '../conformance.js';
import { runConformance } from '../conformance.js';

const outcomes = runConformance(simdloss as unknown as LibraryUnderTest, __CASES__);
await simdloss.init();
await simdloss.init();
const afterInit = simdloss.F.mseLoss(simdloss.tensor([1, 2, 3]), simdloss.tensor([2, 2, 4]));
console.log(JSON.stringify({ outcomes, afterInit }));
