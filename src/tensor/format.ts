// Tensor printing, a port of torch/_tensor_str.py (PyTorch 1.13) with its default print options:
// precision 4, threshold 1000 elements, 3 edge items, line width 80.
import type { DType } from './dtype.js';
import { isFloat } from './dtype.js';
import { numelOf } from './shape.js';

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGEITEMS = 3;
const LINEWIDTH = 80;

/**
 * `x` rounded to `digits` decimals (`fixed`) or significant decimals after the first (`exp`), as Python's
 * `format` does: round-half-even on the exact binary value. JavaScript's toFixed/toExponential round exact ties
 * away from zero, so ties are detected on the exact expansion and corrected.
 */
function pyFloat(x: number, digits: number, style: 'f' | 'e'): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  let s = style === 'f' ? x.toFixed(digits) : x.toExponential(digits);
  if (isExactTie(x, digits, style)) {
    // JS rounded the tie away from zero; Python rounds it to even. Redo with the truncated digits when the
    // kept last digit came out odd.
    s = roundTieToEven(x, digits, style, s);
  }
  if (style === 'e') s = s.replace(/e([+-])(\d)$/, 'e$10$2');
  // Python keeps the sign of -0.0 in both styles ('-0.0000', '-0.0000e+00'); JS drops it.
  if (Object.is(x, -0) && !s.startsWith('-')) s = `-${s}`;
  return s;
}

/** Exact digits of |x| far enough past `digits` to see whether x sits exactly halfway. */
function isExactTie(x: number, digits: number, style: 'f' | 'e'): boolean {
  const a = Math.abs(x);
  if (style === 'f') {
    if (a >= 1e21 || digits + 30 > 100) return false;
    const exact = a.toFixed(Math.min(100, digits + 60));
    const frac = exact.slice(exact.indexOf('.') + 1 + digits);
    return /^50*$/.test(frac);
  }
  const exact = a.toExponential(Math.min(100, digits + 60));
  const mant = exact.slice(0, exact.indexOf('e')).replace('.', '');
  return /^50*$/.test(mant.slice(1 + digits));
}

function roundTieToEven(x: number, digits: number, style: 'f' | 'e', jsRounded: string): string {
  const mant = style === 'f' ? jsRounded : jsRounded.slice(0, jsRounded.indexOf('e'));
  const last = mant.charCodeAt(mant.length - 1) - 48;
  if (last % 2 === 0) return jsRounded; // rounding away from zero happened to land on even
  // Truncate instead: step the value one unit in the last kept place toward zero and format that.
  const a = Math.abs(x);
  if (style === 'f') {
    const truncated = a.toFixed(Math.min(100, digits + 60)).slice(0, -(Math.min(100, digits + 60) - digits));
    const t = truncated.endsWith('.') ? truncated.slice(0, -1) : truncated;
    return (x < 0 ? '-' : '') + t;
  }
  const exact = a.toExponential(Math.min(100, digits + 60));
  const e = exact.indexOf('e');
  const head = exact.slice(0, digits === 0 ? 1 : 2 + digits);
  return (x < 0 ? '-' : '') + head + exact.slice(e);
}

/** Python's `'{}'.format(v)` for an integer tensor element. */
function pyInt(v: number | bigint): string {
  return String(v);
}

/** torch._tensor_str._Formatter: decides int/sci/fixed mode and the column width from all printed values. */
class Formatter {
  private readonly floating: boolean;
  private intMode = true;
  private sciMode = false;
  maxWidth = 1;

  constructor(values: ArrayLike<number | bigint>, dtype: DType) {
    this.floating = isFloat(dtype);
    if (!this.floating) {
      for (let i = 0; i < values.length; i++) this.maxWidth = Math.max(this.maxWidth, pyInt(values[i]).length);
      return;
    }
    const finite: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = Number(values[i]);
      if (Number.isFinite(v) && v !== 0) finite.push(v);
    }
    if (finite.length === 0) return;
    let min = Infinity;
    let max = 0;
    for (const v of finite) {
      min = Math.min(min, Math.abs(v));
      max = Math.max(max, Math.abs(v));
    }
    this.intMode = finite.every((v) => v === Math.ceil(v));
    if (this.intMode) {
      if (max / min > 1000 || max > 1e8) {
        this.sciMode = true;
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, pyFloat(v, PRECISION, 'e').length);
      } else {
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, pyFloat(v, 0, 'f').length + 1);
      }
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      this.sciMode = true;
      for (const v of finite) this.maxWidth = Math.max(this.maxWidth, pyFloat(v, PRECISION, 'e').length);
    } else {
      for (const v of finite) this.maxWidth = Math.max(this.maxWidth, pyFloat(v, PRECISION, 'f').length);
    }
  }

  format(value: number | bigint): string {
    let s: string;
    if (!this.floating) s = pyInt(value);
    else {
      const v = Number(value);
      if (this.sciMode) s = pyFloat(v, PRECISION, 'e');
      else if (this.intMode) s = pyFloat(v, 0, 'f') + (Number.isFinite(v) ? '.' : '');
      else s = pyFloat(v, PRECISION, 'f');
    }
    return s.padStart(this.maxWidth, ' ');
  }
}

/** Row-major nested reader over flat data. */
interface View {
  data: ArrayLike<number | bigint>;
  shape: readonly number[];
  offset: number;
}

function sub(v: View, i: number): View {
  const inner = numelOf(v.shape.slice(1));
  return { data: v.data, shape: v.shape.slice(1), offset: v.offset + i * inner };
}

/** The values torch prints when summarising: the first and last EDGEITEMS along every dimension. */
function summarizedValues(v: View): Array<number | bigint> {
  if (v.shape.length === 0) return [v.data[v.offset]];
  const n = v.shape[0];
  const idx =
    n > 2 * EDGEITEMS
      ? [...Array(EDGEITEMS).keys(), ...Array.from({ length: EDGEITEMS }, (_, k) => n - EDGEITEMS + k)]
      : [...Array(n).keys()];
  return idx.flatMap((i) => summarizedValues(sub(v, i)));
}

function vectorStr(v: View, indent: number, summarize: boolean, fmt: Formatter): string {
  const elementLength = fmt.maxWidth + 2;
  const perLine = Math.max(1, Math.floor((LINEWIDTH - indent) / elementLength));
  const n = v.shape[0];
  const at = (i: number): string => fmt.format(v.data[v.offset + i]);
  let items: string[];
  if (summarize && n > 2 * EDGEITEMS) {
    items = [];
    for (let i = 0; i < EDGEITEMS; i++) items.push(at(i));
    items.push(' ...');
    for (let i = n - EDGEITEMS; i < n; i++) items.push(at(i));
  } else {
    items = Array.from({ length: n }, (_, i) => at(i));
  }
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
  return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
}

function tensorStr(v: View, indent: number, summarize: boolean, fmt: Formatter): string {
  const dim = v.shape.length;
  if (dim === 0) return fmt.format(v.data[v.offset]);
  if (dim === 1) return vectorStr(v, indent, summarize, fmt);
  const n = v.shape[0];
  const slices: string[] = [];
  const part = (i: number): string => tensorStr(sub(v, i), indent + 1, summarize, fmt);
  if (summarize && n > 2 * EDGEITEMS) {
    for (let i = 0; i < EDGEITEMS; i++) slices.push(part(i));
    slices.push('...');
    for (let i = n - EDGEITEMS; i < n; i++) slices.push(part(i));
  } else {
    for (let i = 0; i < n; i++) slices.push(part(i));
  }
  return `[${slices.join(`,${'\n'.repeat(dim - 1)}${' '.repeat(indent + 1)}`)}]`;
}

const TORCH_DTYPE: Readonly<Record<DType, string>> = {
  float32: 'torch.float32',
  float64: 'torch.float64',
  int32: 'torch.int32',
  int64: 'torch.int64',
};

/** `str(tensor)` exactly as PyTorch 1.13 prints it with default options (float32 default dtype). */
export function formatTensor(data: ArrayLike<number | bigint>, shape: readonly number[], dtype: DType): string {
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  const numel = numelOf(shape);
  let body: string;
  if (numel === 0) {
    if (shape.length !== 1) suffixes.push(`size=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`);
    if (dtype !== 'float32') suffixes.push(`dtype=${TORCH_DTYPE[dtype]}`);
    body = '[]';
  } else {
    if (dtype === 'int32') suffixes.push(`dtype=${TORCH_DTYPE[dtype]}`);
    if (dtype === 'float64') suffixes.push(`dtype=${TORCH_DTYPE[dtype]}`);
    const view: View = { data, shape, offset: 0 };
    const summarize = numel > THRESHOLD;
    const fmt = new Formatter(summarize ? summarizedValues(view) : data, dtype);
    body = tensorStr(view, indent, summarize, fmt);
  }
  let out = prefix + body;
  let lastLineLen = out.length - out.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (lastLineLen + s.length + 2 > LINEWIDTH) {
      out += `,\n${' '.repeat(indent)}${s}`;
      lastLineLen = indent + s.length;
    } else {
      out += `, ${s}`;
      lastLineLen += s.length + 2;
    }
  }
  return `${out})`;
}
