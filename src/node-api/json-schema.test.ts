import { describe, expect, it } from "vitest";
import { z } from "zod";
import { jsonSchemaOf, plainJsonSchemaOf } from "./json-schema";

describe("JSON Schemas of zod schemas", () => {
  const ZRowSchema = z
    .object({
      id: z.number().int(),
      name: z.string().nullable(),
      count: z.number().int().nullable(),
      at: z.string().meta({ format: "date-time" }).nullable(),
      tags: z.record(z.string(), z.string()),
      note: z.string().optional(),
    })
    .meta({ description: "A row" });

  it("writes answers as one would by hand: type lists for nullables, no safe-integer bounds, no closed objects", () => {
    expect(plainJsonSchemaOf(ZRowSchema, "output")).toEqual({
      type: "object",
      description: "A row",
      properties: {
        id: { type: "integer" },
        name: { type: ["string", "null"] },
        count: { type: ["integer", "null"] },
        at: { type: ["string", "null"], format: "date-time" },
        tags: { type: "object", additionalProperties: { type: "string" } },
        note: { type: "string" },
      },
      required: ["id", "name", "count", "at", "tags"],
    });
  });

  it("documents a parameter's input side (a pattern, a default) and leaves real bounds alone", () => {
    const ZParamsSchema = z.object({
      id: z.string().regex(/^[0-9]{1,10}$/).meta({ description: "Run id" }).transform(Number),
      size: z.number().int().min(1).max(500).default(500),
    });
    expect(plainJsonSchemaOf(ZParamsSchema, "input")).toEqual({
      type: "object",
      properties: { id: { type: "string", pattern: "^[0-9]{1,10}$", description: "Run id" }, size: { type: "integer", minimum: 1, maximum: 500, default: 500 } },
      required: ["id"],
    });
  });

  it("gives custom types the JSON Schema they are given, and drops $schema", () => {
    const ZCustomSchema = z.custom<Record<string, string>>();
    const json = jsonSchemaOf(z.object({ p: ZCustomSchema }), { custom: new Map([[ZCustomSchema, { type: "object", maxProperties: 7 }]]) });
    expect(json).toEqual({ type: "object", properties: { p: { type: "object", maxProperties: 7 } }, required: ["p"] });
  });
});
