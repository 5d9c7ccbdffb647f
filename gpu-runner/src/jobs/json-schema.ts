/**
 * node-llama-cpp turns JSON schema keywords it does not know into permissive (or odd) grammars
 * instead of failing: `{ "type": "strnig" }` silently becomes a grammar for `null`. Catch the
 * common mistake, an unknown `type`, so the job fails with a message instead of returning junk.
 */
const TYPES = new Set(["string", "number", "integer", "boolean", "null", "object", "array"]);
/** Keywords whose values map arbitrary names to schemas (a property may be called "type"). */
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "$defs", "definitions"]);
/** Keywords holding data, not schemas. */
const DATA = new Set(["enum", "const", "default", "examples"]);

/** A description of the first unsupported `type` in the schema, or null when all are fine. */
export function findUnsupportedType(schema: unknown, path = "#"): string | null {
  if (Array.isArray(schema)) {
    for (const [i, item] of schema.entries()) {
      const found = findUnsupportedType(item, `${path}/${i}`);
      if (found) return found;
    }
    return null;
  }
  if (!schema || typeof schema !== "object") return null;
  for (const [key, value] of Object.entries(schema)) {
    if (key === "type" && [value].flat().some((t) => typeof t !== "string" || !TYPES.has(t))) {
      return `type ${JSON.stringify(value)} at ${path} is not a JSON schema type`;
    }
    if (DATA.has(key)) continue;
    const found =
      SCHEMA_MAPS.has(key) && value && typeof value === "object"
        ? findInMap(value, `${path}/${key}`)
        : findUnsupportedType(value, `${path}/${key}`);
    if (found) return found;
  }
  return null;
}

function findInMap(map: object, path: string): string | null {
  for (const [name, sub] of Object.entries(map)) {
    const found = findUnsupportedType(sub, `${path}/${name}`);
    if (found) return found;
  }
  return null;
}
