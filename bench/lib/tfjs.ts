// @tensorflow/tfjs-core 4.22 on its `cpu` and `wasm` backends, called the way a tfjs user computes these losses
// from typed arrays: tensors made from the arrays, `tf.losses.*`, the scalar read back with dataSync.
//
// Semantic differences from PyTorch (noted in RESULTS.md):
// - tfjs computes in float32 only: no float64 cases.
// - SmoothL1 is `tf.losses.huberLoss` with δ = 1, identical to SmoothL1 with β = 1 (the suite's setting).
// - BCE is `tf.losses.logLoss`, −y·log(p + ε) − (1 − y)·log(1 − p + ε) with ε = 1e-7, where PyTorch clamps each
//   log at −100 instead; equal within ~1e-6 relative on the suite's probabilities in [0.001, 0.999).
// - CrossEntropy is `tf.losses.softmaxCrossEntropy`, which takes one-hot float labels, not class indices: the
//   one-hot matrix (as large as the logits) is built once per case, outside the timing.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { Case } from './cases.js';
import type { CaseData } from './data.js';
import type { Impl, Prepared } from './impl.js';

/** Switches tfjs to a backend; false when it cannot start here. */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** tfjs on whichever backend is active when `prepare` runs (run.ts switches backends between impls). */
export function tfjsImpl(backend: 'cpu' | 'wasm'): Impl {
  return {
    name: `tfjs-${backend}`,
    prepare(c: Case, d: CaseData): Prepared | string {
      if (c.dtype !== 'float32') return 'tfjs has no float64';
      if (c.loss === 'more' || c.loss === 'ceBackward') return 'not compared with tfjs';
      if (tf.getBackend() !== backend) return `tfjs backend ${backend} is not active`;
      if (c.loss === 'ce') {
        const rows = c.rows!;
        const classes = c.classes!;
        const onehots = d.ys.map((y) =>
          tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(y as Int32Array, 'int32'), classes), 'float32')),
        );
        return {
          call: (s) =>
            scalar(() =>
              tf.losses.softmaxCrossEntropy(onehots[s], tf.tensor2d(d.xs[s] as Float32Array, [rows, classes])),
            ),
          dispose: () =>
            onehots.forEach((t) => {
              t.dispose();
            }),
        };
      }
      const op = {
        mse: (y: tf.Tensor, x: tf.Tensor) => tf.losses.meanSquaredError(y, x),
        l1: (y: tf.Tensor, x: tf.Tensor) => tf.losses.absoluteDifference(y, x),
        smoothL1: (y: tf.Tensor, x: tf.Tensor) => tf.losses.huberLoss(y, x, undefined, 1),
        bce: (y: tf.Tensor, x: tf.Tensor) => tf.losses.logLoss(y, x),
      }[c.loss];
      return {
        call: (s) => scalar(() => op(tf.tensor1d(d.ys[s] as Float32Array), tf.tensor1d(d.xs[s] as Float32Array))),
      };
    },
  };
}

/** Runs `f` in a tidy scope and reads its scalar back, freeing every intermediate tensor. */
function scalar(f: () => tf.Tensor): number {
  const t = tf.tidy(f);
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}
