/**
 * Dotted manifest paths ("sparsity.distribution.kind") on plain JSON objects, used by suite axes
 * and `set` (harness/manifest/types.ts, AxisValue). Writes copy along the path, never mutate.
 */

export type JsonObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function splitPath(path: string): string[] {
  return path.split('.');
}

/** The value at `path`, or undefined when any part of it is absent. */
export function getAtPath(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const key of splitPath(path)) {
    if (!isPlainObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/**
 * A copy of `root` with `path` set to `value` (replacing whatever was there, objects included),
 * creating missing parents as objects; `null` deletes the key. Returns null when a parent on the
 * path exists but is not an object (the caller reports it).
 */
export function setAtPath(root: JsonObject, path: string, value: unknown): JsonObject | null {
  const keys = splitPath(path);
  const write = (node: JsonObject, depth: number): JsonObject | null => {
    const key = keys[depth]!;
    const copy: JsonObject = { ...node };
    if (depth === keys.length - 1) {
      if (value === null) delete copy[key];
      else Object.defineProperty(copy, key, { value: structuredClone(value), enumerable: true, writable: true, configurable: true });
      return copy;
    }
    const child = Object.hasOwn(node, key) ? node[key] : undefined;
    if (child === undefined && value === null) return copy; // deleting below an absent parent: nothing to do
    if (child !== undefined && !isPlainObject(child)) return null;
    const written = write(child ?? {}, depth + 1);
    if (written === null) return null;
    copy[key] = written;
    return copy;
  };
  return write(root, 0);
}

/** "a.b.c" → "/a/b/c" (path keys are identifiers, so no pointer escaping is needed). */
export function pathToPointer(path: string): string {
  return splitPath(path)
    .map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`)
    .join('');
}
