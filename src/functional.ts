// `F`: the functional losses, named as torch.nn.functional's in camelCase.
export { mseLoss } from './losses/mse.js';
export { l1Loss } from './losses/l1.js';
export { smoothL1Loss } from './losses/smooth-l1.js';
export { binaryCrossEntropy } from './losses/bce.js';
export { crossEntropy } from './losses/cross-entropy.js';
