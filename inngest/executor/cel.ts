import { parse } from "@marcbachmann/cel-js";

type Compiled = ReturnType<typeof parse>;
const cache = new Map<string, Compiled>();

function compile(expression: string): Compiled {
  let fn = cache.get(expression);
  if (!fn) {
    fn = parse(expression);
    if (cache.size > 1000) cache.clear();
    cache.set(expression, fn);
  }
  return fn;
}

/** Evaluates a CEL expression over `event` / `async`; a missing key or type error is "no match". */
export function celMatches(expression: string, vars: Record<string, unknown>): boolean {
  try {
    return compile(expression)(vars) === true;
  } catch {
    return false;
  }
}

/** Evaluates a CEL key expression (concurrency, idempotency) to a string, or undefined on error. */
export function celKey(expression: string, vars: Record<string, unknown>): string | undefined {
  try {
    const value: unknown = compile(expression)(vars);
    if (value === undefined || value === null) return undefined;
    return typeof value === "string" ? value : JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  } catch {
    return undefined;
  }
}

/** Throws a readable error for an expression that does not parse (used at sync time). */
export function assertValidCel(expression: string): void {
  compile(expression);
}
