// Validation of loss options shared by every loss.
import { describe, rangeError, typeError } from '../errors.js';

/** The options object, or `{}` when omitted. @throws {TypeError} when it is not an object. */
export function optionsObject<T extends object>(fn: string, options: T | undefined): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw typeError(fn, 'options must be an object', describe(options));
  }
  return options;
}

/** A finite-or-not number option; `undefined` gives `fallback`. @throws {TypeError} for non-numbers. */
export function numberOption(fn: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw typeError(fn, `${name} must be a number`, describe(value));
  return value;
}

/** An integer option (e.g. ignoreIndex). @throws {TypeError} for non-integers. */
export function integerOption(fn: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const v = typeof value === 'bigint' ? Number(value) : value;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(fn, `${name} must be an integer`, describe(value));
  if (v < -2147483648 || v > 2147483647) throw rangeError(fn, `${name} must fit in int32`, describe(value));
  return v;
}
