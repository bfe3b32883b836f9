// Units in the last place, for accuracy tests of the exp/log polynomials and the kernels built on them.

/** The spacing of floats with `mantissaBits` explicit bits at |v|, in the binade of v (subnormal spacing near 0). */
function ulp(v: number, mantissaBits: number, minExponent: number): number {
  const a = Math.abs(v);
  if (a < 2 ** minExponent) return 2 ** (minExponent - mantissaBits);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1; // Math.log2 can round up just below a power of two
  if (2 ** (e + 1) <= a) e += 1;
  return 2 ** (e - mantissaBits);
}

/** The spacing of float32 values at |v| (2^-149 in the subnormal range). */
export function ulp32(v: number): number {
  return ulp(v, 23, -126);
}

/** The spacing of float64 values at |v| (2^-1074 in the subnormal range). */
export function ulp64(v: number): number {
  return ulp(v, 52, -1022);
}
