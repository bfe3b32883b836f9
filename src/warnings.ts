// Warnings PyTorch emits through Python's `warnings` module, emitted once per process per kind.

const seen = new Set<string>();

/**
 * Emits `message` once per process for `key`: through `process.emitWarning` with `type` where it exists
 * (Node, Bun, Deno's Node compatibility), else `console.warn`.
 */
export function warnOnce(key: string, message: string, type: 'DeprecationWarning' | 'UserWarning'): void {
  if (seen.has(key)) return;
  seen.add(key);
  const proc = (globalThis as { process?: { emitWarning?: (m: string, t: string) => void } }).process;
  if (typeof proc?.emitWarning === 'function') proc.emitWarning(message, type);
  else console.warn(`${type}: ${message}`);
}
