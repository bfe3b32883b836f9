// fast-check runs from a fixed seed, so that `npm test` (and CI) gives the same verdict on the same code: a
// property failure then means the code changed, not the dice. `FC_SEED=<n>` picks another seed and `FC_SEED=random`
// lets fast-check draw one per run (it prints the seed and path of any failure, to replay it with FC_SEED).
import fc from 'fast-check';

const setting = process.env.FC_SEED;
if (setting !== 'random') fc.configureGlobal({ seed: setting === undefined ? 20261201 : Number(setting) });
