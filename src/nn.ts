/**
 * `nn`: the loss modules, named as `torch.nn`'s classes, with `forward(...)` in place of `__call__` and `backward()`
 * for the gradients of the last forward.
 * @module
 */
export { MSELoss } from './losses/mse.js';
export { L1Loss } from './losses/l1.js';
export { SmoothL1Loss } from './losses/smooth-l1.js';
export { BCELoss } from './losses/bce.js';
export { CrossEntropyLoss } from './losses/cross-entropy.js';
export { HuberLoss } from './losses/huber.js';
export { BCEWithLogitsLoss } from './losses/bce-with-logits.js';
export { KLDivLoss } from './losses/kl-div.js';
export { PoissonNLLLoss } from './losses/poisson-nll.js';
export { GaussianNLLLoss } from './losses/gaussian-nll.js';
export { SoftMarginLoss } from './losses/soft-margin.js';
export { NLLLoss } from './losses/nll.js';
export { MultiMarginLoss } from './losses/multi-margin.js';
export { MultiLabelMarginLoss } from './losses/multilabel-margin.js';
export { MultiLabelSoftMarginLoss } from './losses/multilabel-soft-margin.js';
export { MarginRankingLoss } from './losses/margin-ranking.js';
export { HingeEmbeddingLoss } from './losses/hinge-embedding.js';
export { PairwiseDistance } from './losses/pairwise-distance.js';
export { TripletMarginLoss } from './losses/triplet-margin.js';
export { TripletMarginWithDistanceLoss } from './losses/triplet-margin-with-distance.js';
export { CosineEmbeddingLoss } from './losses/cosine-embedding.js';
export { CTCLoss } from './losses/ctc.js';
export { SigmoidFocalLoss } from './losses/sigmoid-focal.js';
export { GeneralizedBoxIoULoss, DistanceBoxIoULoss, CompleteBoxIoULoss } from './losses/box-iou.js';
