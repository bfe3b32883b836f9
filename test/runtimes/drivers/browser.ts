// Driver for Chromium: the page's module script, bundled by esbuild for the browser (--target=es2022) like a
// user's app. `?mode=url` awaits init() from the served simdloss.wasm (streaming compile, application/wasm);
// `?mode=inline` tries the inlined binary with no init() first (a synchronous start, which a browser may refuse
// for large modules: then the error must say to await init()), then runs after `await init()`.
import * as simdloss from 'simdloss';
import type { CaseOutcome, LibraryUnderTest } from '../conformance.js';
import { runConformance } from '../conformance.js';

interface BrowserReport {
  mode: string | null;
  syncStart: string;
  outcomes: CaseOutcome[];
}

async function main(): Promise<BrowserReport> {
  const mode = new URLSearchParams(location.search).get('mode');
  let syncStart = 'not tried';
  if (mode === 'url') {
    await simdloss.init(new URL('/simdloss.wasm', location.href));
  } else {
    try {
      simdloss.F.mseLoss(simdloss.tensor([1, 2, 3]), simdloss.tensor([2, 2, 4]));
      syncStart = 'ok';
    } catch (err) {
      syncStart = `refused: ${(err as Error).message}`;
      await simdloss.init();
    }
  }
  await simdloss.init(); // idempotent
  return { mode, syncStart, outcomes: runConformance(simdloss as unknown as LibraryUnderTest, __CASES__) };
}

(globalThis as { __report?: Promise<unknown> }).__report = main().catch((err: unknown) => ({
  error: String((err as Error)?.stack ?? err),
}));
