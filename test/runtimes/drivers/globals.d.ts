// Compiled into each driver bundle by esbuild `define` (test/runtimes/harness.ts `bundle`).
import type { CaseOutcome, FixtureCase } from '../conformance.js';

declare global {
  /** The sampled PyTorch fixture cases. */
  const __CASES__: FixtureCase[];
  /** Node's outcomes for them, which every runtime must reproduce bit for bit. */
  const __EXPECTED__: CaseOutcome[];
}
