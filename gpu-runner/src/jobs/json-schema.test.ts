import { describe, expect, it } from "vitest";
import { findUnsupportedType } from "./json-schema";

describe("findUnsupportedType", () => {
  it("accepts schemas using only JSON schema types", () => {
    const schema = {
      type: "object",
      $defs: { type: { type: "string" } },
      properties: {
        type: { $ref: "#/$defs/type" },
        kind: { enum: [{ type: "custom" }] },
        tags: { type: "array", items: { type: ["string", "null"] } },
        n: { anyOf: [{ type: "integer" }, { type: "null" }] },
      },
    };
    expect(findUnsupportedType(schema)).toBeNull();
  });

  it("points at the first unknown type", () => {
    expect(findUnsupportedType({ type: "object", properties: { name: { type: "strnig" } } })).toBe(
      'type "strnig" at #/properties/name is not a JSON schema type',
    );
    expect(findUnsupportedType({ anyOf: [{ type: "boolean" }, { type: ["number", "date"] }] })).toBe(
      'type ["number","date"] at #/anyOf/1 is not a JSON schema type',
    );
  });
});
