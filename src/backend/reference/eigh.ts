/**
 * Symmetric eigendecomposition by cyclic Jacobi rotations in float64.
 *
 * Jacobi is slower than tridiagonal QR (several O(n³) sweeps) but short,
 * unconditionally convergent, and accurate: every rotation is orthogonal to
 * working precision, so eigenvalues come out with absolute errors of about
 * eps·‖A‖ and eigenvectors orthonormal to eps. That suits a reference kernel
 * for small and medium n.
 */
import type { Kernel } from "../backend.js";
import { sizeOf } from "../../core/shape.js";
import { forEachStrided, hostData } from "./storage.js";
import type { MakeStorage } from "./elementwise.js";

const MAX_SWEEPS = 60;
const EPS = 2 ** -52;

/**
 * Diagonalise the symmetric n×n matrix `a` (row-major, overwritten) and
 * accumulate the rotations into `v` (starts as the identity).
 */
function jacobi(a: Float64Array, v: Float64Array, n: number): void {
  let fro = 0;
  for (let i = 0; i < n * n; i++) fro += a[i] * a[i];
  // Off-diagonal entries below this cannot move an eigenvalue by more than ~2^-60·‖A‖: leave them.
  const floor = Math.sqrt(fro) * 2 ** -60;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        // negligible relative to both diagonal entries (relative accuracy) and to the norm
        if (!(Math.abs(apq) > EPS * Math.sqrt(Math.abs(app * aqq)) && Math.abs(apq) > floor)) continue;
        rotated = true;
        // t = tan(phi) of the rotation that zeroes a[p][q]: the smaller root of t² + 2θt - 1 = 0
        const theta = (aqq - app) / (2 * apq);
        const t = Math.abs(theta) > 1e150 ? 1 / (2 * theta) : (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        a[p * n + p] = app - t * apq;
        a[q * n + q] = aqq + t * apq;
        a[p * n + q] = 0;
        a[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          if (k !== p && k !== q) {
            const akp = a[k * n + p];
            const akq = a[k * n + q];
            const np = c * akp - s * akq;
            const nq = s * akp + c * akq;
            a[k * n + p] = np;
            a[p * n + k] = np;
            a[k * n + q] = nq;
            a[q * n + k] = nq;
          }
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
    if (!rotated) return;
  }
}

/**
 * One matrix: eigenvalues ascending into out[base .. base+n), eigenvectors as
 * columns into the n×n block after them. Sign convention: each eigenvector's
 * largest-magnitude component is positive (the first one among near-ties), so
 * the result is deterministic; the derivative rules do not depend on it.
 */
function decompose(a: Float64Array, n: number, out: Float64Array | Float32Array, base: number): void {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  jacobi(a, v, n);
  const order = Array.from({ length: n }, (_, i) => i);
  // NaN eigenvalues (NaN input) sort last; ties keep index order
  order.sort((i, j) => {
    const wi = a[i * n + i];
    const wj = a[j * n + j];
    return wi < wj ? -1 : wi > wj ? 1 : Number.isNaN(wi) === Number.isNaN(wj) ? i - j : Number.isNaN(wi) ? 1 : -1;
  });
  order.forEach((src, j) => {
    out[base + j] = a[src * n + src];
    let big = 0;
    for (let k = 0; k < n; k++) big = Math.max(big, Math.abs(v[k * n + src]));
    let sign = 1;
    for (let k = 0; k < n; k++) {
      const x = v[k * n + src];
      if (Math.abs(x) >= big * (1 - 1e-9)) {
        sign = x < 0 ? -1 : 1;
        break;
      }
    }
    for (let k = 0; k < n; k++) out[base + n + k * n + j] = sign * v[k * n + src];
  });
}

export function eighKernel(make: MakeStorage): Kernel<"eigh"> {
  return (inputs, _p, out) => {
    const [x] = inputs;
    const nd = x.shape.length;
    const n = x.shape[nd - 1];
    const batch = x.shape.slice(0, nd - 2);
    const [rs, cs] = x.strides.slice(-2);
    const src = hostData(x);
    const res = new out.dtype.storage(sizeOf(out.shape)) as Float64Array | Float32Array;
    const a = new Float64Array(n * n);
    forEachStrided(batch, [x.strides.slice(0, nd - 2)], [x.offset], (bi, o) => {
      // the symmetric part: what an (almost) symmetric input means, and what the vjp assumes
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) a[i * n + j] = 0.5 * (src[o[0] + i * rs + j * cs] + src[o[0] + j * rs + i * cs]);
      }
      decompose(a, n, res, bi * (n + 1) * n);
    });
    return make(out, res);
  };
}
