// Error helpers: every message reads `<fn>: <what> (got <actual>)`.

/** A short description of a value for error messages: numbers and strings as written, else their kind. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return v.length <= 8 ? `[${v.map(describe).join(', ')}]` : `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

/** A RangeError `<fn>: <what> (got <actual>)`. */
export function rangeError(fn: string, what: string, got: string): RangeError {
  return new RangeError(`${fn}: ${what} (got ${got})`);
}

/** A TypeError `<fn>: <what> (got <actual>)`. */
export function typeError(fn: string, what: string, got: string): TypeError {
  return new TypeError(`${fn}: ${what} (got ${got})`);
}
