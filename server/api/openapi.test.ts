import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "./openapi";

const root = join(import.meta.dirname, "../..");
const v1 = join(root, "app/api/v1");
const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Every route.ts under app/api/v1, as the OpenAPI path it serves (`[id]` -> `{id}`). */
function routeFiles(): { file: string; path: string }[] {
  return readdirSync(v1, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(`${sep}route.ts`) || f === "route.ts")
    .map((f) => {
      const dir = relative(v1, join(v1, f, ".."))
        .split(sep)
        .filter(Boolean);
      return { file: join(v1, f), path: ["/api/v1", ...dir.map((s) => s.replace(/^\[(\w+)\]$/, "{$1}"))].join("/") };
    });
}

type Operation = { operationId?: string; responses?: Record<string, unknown>; security?: unknown[] };
type Doc = ReturnType<typeof openApiDocument>;

function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, found));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") found.push(v);
      else refs(v, found);
    }
  }
  return found;
}

function resolve(doc: Doc, ref: string): unknown {
  return ref
    .replace(/^#\//, "")
    .split("/")
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
}

describe("OpenAPI document", () => {
  const doc = openApiDocument("https://jace.example");

  it("documents every method of every route under app/api/v1, and nothing else", async () => {
    const files = routeFiles();
    expect(files.map((f) => f.path)).toContain("/api/v1/tasks/{id}/approve");
    const served: string[] = [];
    for (const { file, path } of files) {
      const mod = (await import(file)) as Record<string, unknown>;
      for (const m of methods) if (typeof mod[m] === "function") served.push(`${m.toLowerCase()} ${path}`);
    }
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual(served.sort());
  });

  it("gives every operation a unique id, a success response and its errors, with 401 wherever a key is needed", () => {
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops as Record<string, Operation>)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(op.operationId, where).toBeTruthy();
        expect(ids.has(op.operationId!), `${where} reuses ${op.operationId}`).toBe(false);
        ids.add(op.operationId!);
        const statuses = Object.keys(op.responses ?? {});
        expect(
          statuses.some((s) => /^2\d\d$/.test(s)),
          `${where} has no 2xx response`,
        ).toBe(true);
        expect(statuses, where).toContain("500");
        const isPublic = Array.isArray(op.security) && op.security.length === 0;
        if (!isPublic) expect(statuses, where).toContain("401");
        if (path.includes("{id}")) expect(statuses, where).toContain("404");
      }
    }
    expect(doc.paths["/api/v1/openapi.json"]?.get).toMatchObject({ security: [] });
  });

  it("is OpenAPI 3.1 with bearer auth, the error schema, the Idempotency-Key header, and no dangling $ref", () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.security).toEqual([{ apiKey: [] }]);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.parameters.IdempotencyKey).toMatchObject({ in: "header", name: "Idempotency-Key" });
    expect(doc.components.schemas.Error).toMatchObject({ required: ["error"] });
    for (const ref of new Set(refs(doc))) expect(resolve(doc, ref), ref).toBeTruthy();
    // Dates are documented as the strings Response.json writes.
    expect(JSON.stringify(doc.components.schemas.Task)).toContain('"createdAt":{"type":"string","format":"date-time"}');
    expect(() => JSON.parse(JSON.stringify(doc))).not.toThrow();
  });
});
