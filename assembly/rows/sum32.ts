// Float32 row sums in float32 blocks, flushed to float64 (stats.ts's rowSumExp, ce_fused.ts's expStore): each of
// four f32x4 accumulators adds BLOCK32/16 terms of a block, the four are added, and the block's f32x4 goes into a
// float64 pair (flush32); a row's last 1–3 classes come from its last full v128 with the lanes already counted
// masked off (KEEP32). Not exported from the module (index.ts re-exports kernels only).
import { hi64, lo64 } from '../lanes';

/** Lane masks for float32 lanes: KEEP32 + 16·k keeps lanes k … 3 (the first k are already counted). */
export const KEEP32: usize = memory.data<u32>([
  0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF,
  0, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF,
  0, 0, 0xFFFFFFFF, 0xFFFFFFFF,
  0, 0, 0, 0xFFFFFFFF,
], 16);

/** Float32 classes summed per lane in float32 before the partial sums are flushed to float64 (see the header). */
export const BLOCK32: i32 = 64;

/** a (f32x4) added into the float64 pair acc (f64x2): [acc0 + a0 + a2, acc1 + a1 + a3]. */
// @ts-ignore: decorator
@inline export function flush32(acc: v128, a: v128): v128 {
  return f64x2.add(acc, f64x2.add(lo64(a), hi64(a)));
}

