# Remez fit of the polynomial P in e^r ≈ 1 + r + r²·P(r) on |r| ≤ ln2/2, used by expLse2x in assembly/exp.ts.
# Provenance only (not run by the build or the tests); needs python3-mpmath. Prints the coefficients and the
# minimax relative error.
import mpmath as mp
mp.mp.dps = 50
a = mp.mpf('0.34658')
deg = 8; n = deg + 1
def P(r): return (mp.exp(r) - 1 - r) / r**2 if r != 0 else mp.mpf(1)/2
def relerr(c, r, rounded):
    cc = [mp.mpf(float(x)) for x in c] if rounded else c
    p = 1 + r + r*r*sum(cc[j]*r**j for j in range(n))
    return p/mp.exp(r) - 1
# Remez on relative error of e^r: unknowns c_0..c_8 and E; n+1 = 10 reference points
ref = [a * mp.cos(mp.pi * (n - k) / n) for k in range(n + 1)]
for it in range(8):
    # equations: 1 + r + r^2 sum c_j r^j - e^r = (-1)^k E e^r
    A = mp.matrix(n + 1, n + 1); b = mp.matrix(n + 1, 1)
    for k, r in enumerate(ref):
        for j in range(n): A[k, j] = r**(j + 2)
        A[k, n] = -((-1)**k) * mp.exp(r)
        b[k] = mp.exp(r) - 1 - r
    sol = mp.lu_solve(A, b)
    c = [sol[j] for j in range(n)]; E = sol[n]
    # find extrema of error on a grid
    grid = [-a + 2*a*i/4000 for i in range(4001)]
    errs = [relerr(c, r, False) for r in grid]
    # locate alternating extrema
    ext = []
    for i in range(len(grid)):
        if i in (0, len(grid)-1) or (abs(errs[i]) >= abs(errs[i-1]) and abs(errs[i]) >= abs(errs[i+1])):
            ext.append((grid[i], errs[i]))
    # merge to alternating sign keeping largest
    alt = []
    for r, e in ext:
        if alt and mp.sign(alt[-1][1]) == mp.sign(e):
            if abs(e) > abs(alt[-1][1]): alt[-1] = (r, e)
        else: alt.append((r, e))
    if len(alt) >= n + 1:
        # choose n+1 consecutive with largest min
        best = max(range(len(alt) - n), key=lambda s: min(abs(x[1]) for x in alt[s:s+n+1]))
        ref = [x[0] for x in alt[best:best+n+1]]
    mx = max(abs(e) for e in errs)
print('E', mp.nstr(E, 3), 'max exact', mp.nstr(mx, 3))
mxr = max(abs(relerr(c, -a + 2*a*i/4000, True)) for i in range(4001))
print('max with double coefs', mp.nstr(mxr, 3))
print([repr(float(x)) for x in c])
