// Times the plain TypeScript loop for one case in a fresh process, so no other case's JIT history colours it.
// Usage (from bench/run.ts): node .cache/plain-worker.mjs '<case json>' <data dir> '<schedule json>' '<expectation>'
// Prints one JSON line: { value, mismatch } and, when the value checked out, the timing.
import type { Case } from './lib/cases.js';
import type { Expectation } from './lib/check.js';
import { mismatch } from './lib/check.js';
import { readCase } from './lib/data.js';
import { plainCall } from './lib/plain-impl.js';
import type { Schedule } from './lib/timing.js';
import { timeCalls } from './lib/timing.js';

const [caseJson, dir, scheduleJson, expectJson] = process.argv.slice(2);
const c = JSON.parse(caseJson) as Case;
const schedule = JSON.parse(scheduleJson) as Schedule;
const expectation = JSON.parse(expectJson) as Expectation;
const call = plainCall(c, readCase(dir, c));
const value = call(0);
const bad = mismatch(value, expectation);
const timing = bad ? {} : timeCalls(c, schedule, call);
process.stdout.write(`${JSON.stringify({ value, mismatch: bad, ...timing })}\n`);
