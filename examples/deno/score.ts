// Deno example: scores a batch read from a JSON file and prints the losses as JSON.
//   deno run --allow-read=examples/deno/batch.json examples/deno/score.ts examples/deno/batch.json
// Reading the batch is the only permission it needs: the package's default entry inlines its WebAssembly, and the
// first loss call starts it synchronously (no init(), no fetch). In a Deno project: `deno add npm:simdloss`.
import { F, tensor } from 'simdloss';

declare const Deno: { args: string[]; readTextFile(path: string): Promise<string> };

const path = Deno.args[0] ?? 'batch.json';
const { predictions, targets } = JSON.parse(await Deno.readTextFile(path)) as {
  predictions: number[][];
  targets: number[][];
};
const input = tensor(predictions, { dtype: 'float64' });
const target = tensor(targets, { dtype: 'float64' });
console.log(
  JSON.stringify({
    n: input.shape[0] ?? 1,
    mse: F.mseLoss(input, target),
    l1: F.l1Loss(input, target),
    smoothL1: F.smoothL1Loss(input, target, { beta: 0.5 }),
  }),
);
