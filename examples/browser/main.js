// Browser example: scores the batch in the textarea. `await init()` compiles the inlined binary asynchronously,
// which every browser accepts (some refuse a synchronous compile of a large module on the main thread); to fetch the
// binary instead, serve simdloss/simdloss.wasm as application/wasm and pass its URL: `await init('/simdloss.wasm')`.
import { F, init, tensor } from 'simdloss';

const batchInput = document.querySelector('#batch');
const result = document.querySelector('#result');

function score() {
  try {
    const { predictions, targets } = JSON.parse(batchInput.value);
    const input = tensor(predictions, { dtype: 'float64' });
    const target = tensor(targets, { dtype: 'float64' });
    result.textContent = JSON.stringify({
      n: input.shape[0] ?? 1,
      mse: F.mseLoss(input, target),
      l1: F.l1Loss(input, target),
      smoothL1: F.smoothL1Loss(input, target, { beta: 0.5 }),
    });
  } catch (err) {
    result.textContent = JSON.stringify({ error: String(err.message) });
  }
}

await init();
document.querySelector('#score').addEventListener('click', score);
score();
