/**
 * `F`: the functional losses, named as `torch.nn.functional`'s in camelCase (`F.cross_entropy` → `F.crossEntropy`),
 * with the tensors positional in PyTorch's order and the options last.
 * @module
 */
export { mseLoss } from './losses/mse.js';
export { l1Loss } from './losses/l1.js';
export { smoothL1Loss } from './losses/smooth-l1.js';
export { binaryCrossEntropy } from './losses/bce.js';
export { crossEntropy } from './losses/cross-entropy.js';
export { huberLoss } from './losses/huber.js';
export { binaryCrossEntropyWithLogits } from './losses/bce-with-logits.js';
export { klDiv } from './losses/kl-div.js';
export { poissonNllLoss } from './losses/poisson-nll.js';
export { gaussianNllLoss } from './losses/gaussian-nll.js';
export { softMarginLoss } from './losses/soft-margin.js';
export { nllLoss } from './losses/nll.js';
export { multiMarginLoss } from './losses/multi-margin.js';
export { multilabelMarginLoss } from './losses/multilabel-margin.js';
export { multilabelSoftMarginLoss } from './losses/multilabel-soft-margin.js';
export { marginRankingLoss } from './losses/margin-ranking.js';
export { hingeEmbeddingLoss } from './losses/hinge-embedding.js';
export { pairwiseDistance } from './losses/pairwise-distance.js';
export { tripletMarginLoss } from './losses/triplet-margin.js';
export { tripletMarginWithDistanceLoss } from './losses/triplet-margin-with-distance.js';
export { cosineEmbeddingLoss } from './losses/cosine-embedding.js';
export { ctcLoss } from './losses/ctc.js';
export { sigmoidFocalLoss } from './losses/sigmoid-focal.js';
export { generalizedBoxIouLoss, distanceBoxIouLoss, completeBoxIouLoss } from './losses/box-iou.js';
