// Dotted paths into the settings form ("halo.url", "escalation.policies.high.steps.0.delay"):
// how inputs bind to the JSON and how the Rust side names a field in errors.

export type Path = string;

/** "a.b[2].c" and "a.b.2.c" name the same field. */
export function normalisePath(path: string): Path {
  return path.replace(/\[(\d+)\]/g, ".$1").replace(/^\./, "");
}

// Own properties only, written with defineProperty: a key such as
// "__proto__" or "constructor" (a policy may be called anything) then stays
// an ordinary key, and Tauri's frozen Object.prototype is never written to.
const own = (obj: object, key: string) => Object.prototype.hasOwnProperty.call(obj, key);
function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

export function getPath(obj: unknown, path: Path): unknown {
  let cur: unknown = obj;
  for (const key of normalisePath(path).split(".")) {
    if (cur === null || typeof cur !== "object" || !own(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Sets a value in place, creating objects (or arrays, for numeric keys) on the way. */
export function setPath(obj: Record<string, unknown>, path: Path, value: unknown): void {
  const keys = normalisePath(path).split(".");
  let cur: Record<string, unknown> = obj;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) {
      put(cur, key, value);
      return;
    }
    const next = own(cur, key) ? cur[key] : undefined;
    if (next === null || typeof next !== "object") {
      put(cur, key, /^\d+$/.test(keys[i + 1] ?? "") ? [] : {});
    }
    cur = cur[key] as Record<string, unknown>;
  });
}

/** The path itself, then each shorter prefix: where to show an error for it. */
export function pathAndParents(path: Path): Path[] {
  const keys = normalisePath(path).split(".");
  return keys.map((_, i) => keys.slice(0, keys.length - i).join("."));
}
