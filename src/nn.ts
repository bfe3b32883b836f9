// `nn`: the loss modules, named as torch.nn's classes.
export { MSELoss } from './losses/mse.js';
export { L1Loss } from './losses/l1.js';
export { SmoothL1Loss } from './losses/smooth-l1.js';
export { BCELoss } from './losses/bce.js';
export { CrossEntropyLoss } from './losses/cross-entropy.js';
