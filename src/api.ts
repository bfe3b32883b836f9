// The public API shared by every entry point (src/index.ts, src/index.workerd.ts).
export * as F from './functional.js';
export * as nn from './nn.js';
export { Tensor, tensor } from './tensor/tensor.js';
export type { TensorOptions, TensorLike, NestedArray, NestedNumbers } from './tensor/tensor.js';
export type { DType, TensorData, TypedArrayFor } from './tensor/dtype.js';
export type { TensorInput, TensorRecord } from './tensor/coerce.js';
export { valueAndGrad } from './core/loss.js';
export type {
  Gradient,
  LossFunction,
  LossResult,
  ValueAndGrad,
  ValueAndGradConfig,
  ValueAndGradFunction,
} from './core/loss.js';
export type { Reduction } from './core/options.js';
export type { MSELossOptions } from './losses/mse.js';
export type { L1LossOptions } from './losses/l1.js';
export type { SmoothL1LossOptions } from './losses/smooth-l1.js';
export type { BCELossOptions } from './losses/bce.js';
export type { CrossEntropyLossOptions } from './losses/cross-entropy.js';
export type { HuberLossOptions } from './losses/huber.js';
export type { BCEWithLogitsLossOptions } from './losses/bce-with-logits.js';
export type { KLDivLossOptions, KLDivReduction } from './losses/kl-div.js';
export type { PoissonNLLLossOptions } from './losses/poisson-nll.js';
export type { GaussianNLLLossOptions } from './losses/gaussian-nll.js';
export type { SoftMarginLossOptions } from './losses/soft-margin.js';
export type { NLLLossOptions } from './losses/nll.js';
export type { MultiMarginLossOptions } from './losses/multi-margin.js';
export type { MultiLabelMarginLossOptions } from './losses/multilabel-margin.js';
export type { MultiLabelSoftMarginLossOptions } from './losses/multilabel-soft-margin.js';
export type { MarginRankingLossOptions } from './losses/margin-ranking.js';
export type { HingeEmbeddingLossOptions } from './losses/hinge-embedding.js';
export type { CosineEmbeddingLossOptions } from './losses/cosine-embedding.js';
export type { PairwiseDistanceFunction, PairwiseDistanceOptions, TensorResult } from './losses/pairwise-distance.js';
export type { TripletMarginLossOptions } from './losses/triplet-margin.js';
export type {
  DistanceFunction,
  DistanceModule,
  TripletMarginWithDistanceLossOptions,
} from './losses/triplet-margin-with-distance.js';
export type { CTCLossOptions } from './losses/ctc.js';
export type { SigmoidFocalLossOptions } from './losses/sigmoid-focal.js';
export type { BoxIoULossOptions } from './losses/box-iou.js';
export { alloc } from './wasm/resident.js';
export { init } from './wasm/instance.js';
export type { WasmSource } from './wasm/instance.js';
