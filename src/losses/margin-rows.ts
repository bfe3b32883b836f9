// What the row losses over contiguous class scores share (MultiMargin, MultiLabelMargin, MultiLabelSoftMargin):
// the (N, C) / (C) / 0-d geometry PyTorch's margin kernels accept, and turning the row kernels' float64 sums into
// PyTorch's results (one rounding; a zero is +0, as PyTorch's sums start from +0 and only add).
import { rangeError, typeError } from '../errors.js';
import type { Reduction } from '../core/options.js';
import { isFloat } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { RowLosses } from '../wasm/class-rows.js';
import type { FloatDType } from '../wasm/plan.js';

/** Scores as rows: N rows of C classes for (N, C), one row for (C), one row of one class for a 0-d input. */
export interface MarginRows {
  readonly rows: number;
  readonly C: number;
  readonly dtype: FloatDType;
}

/**
 * The rows of a margin loss's input, as PyTorch's multi_margin_loss / multilabel_margin_loss shape check
 * ("Expected non-empty vector or matrix with optional 0-dim batch size"): 0-d, a non-empty (C), or (N, C) with
 * C > 0 (N may be 0).
 */
export function marginRows(fn: string, x: Tensor): MarginRows {
  if (!isFloat(x.dtype)) throw typeError(fn, 'input must be a float32 or float64 tensor', x.dtype);
  const s = x.shape;
  if (!((s.length === 2 && s[1] !== 0) || (s.length === 1 && s[0] !== 0) || s.length === 0)) {
    throw rangeError(
      fn,
      'input must be 0-d, a non-empty vector (C) or a matrix (N, C) with C > 0',
      `shape ${shapeStr(s)}`,
    );
  }
  return { rows: s.length === 2 ? s[0] : 1, C: s.length === 0 ? 1 : s[s.length - 1], dtype: x.dtype };
}

/** A float64 value as PyTorch returns it in `dtype`: rounded once, and +0 for any zero. */
export function rounded(v: number, dtype: FloatDType): number {
  const r = dtype === 'float32' ? Math.fround(v) : v;
  return r === 0 ? 0 : r;
}

/** 'mean' (Σ_r loss_r / rows: NaN for no rows) or 'sum' of the per-row losses' float64 sum. */
export function reducedRowLoss(total: number, rows: number, reduction: Reduction, dtype: FloatDType): number {
  return rounded(reduction === 'mean' ? total / rows : total, dtype);
}

/** A row loss's forward value: the per-row losses for 'none' (see rowLossTensor), else their rounded mean or sum. */
export function rowLossValue(
  r: RowLosses,
  shape: readonly number[],
  rows: number,
  reduction: Reduction,
  dtype: FloatDType,
): number | Tensor {
  return reduction === 'none' ? rowLossTensor(r, shape, dtype) : reducedRowLoss(r.total, rows, reduction, dtype);
}

/** Reduction 'none': the per-row losses in `shape`, or for a 0-d `shape` the one row's loss (its sum). */
export function rowLossTensor(r: RowLosses, shape: readonly number[], dtype: FloatDType): Tensor {
  if (shape.length === 0) {
    const v = rounded(r.total, dtype);
    return new Tensor(dtype === 'float32' ? Float32Array.of(v) : Float64Array.of(v), [], dtype);
  }
  return new Tensor(r.out!, shape, dtype);
}
