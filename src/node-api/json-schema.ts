import { z } from "zod";

type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema (draft-07) of a zod schema: Fastify validates requests and serializes answers
 * with it, and @fastify/swagger documents it. `custom` gives the JSON Schema of the zod types JSON
 * Schema cannot express (z.custom), which are otherwise left open.
 */
export function jsonSchemaOf(schema: z.ZodType, { io = "input", custom }: { io?: "input" | "output"; custom?: Map<unknown, JsonSchema> } = {}): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io,
    target: "draft-07",
    unrepresentable: "any",
    override: (ctx) => {
      const own = custom?.get(ctx.zodSchema);
      if (own) Object.assign(ctx.jsonSchema, own);
    },
  }) as JsonSchema;
  delete json.$schema;
  return json;
}

const isObject = (v: unknown): v is JsonSchema => typeof v === "object" && v !== null && !Array.isArray(v);
const isNull = (v: unknown) => isObject(v) && v.type === "null" && Object.keys(v).length === 1;

/**
 * jsonSchemaOf as one would write it by hand, for answers and path and query parameters: a nullable
 * value as a type list (`["string", "null"]`, which fast-json-stringify serializes without trying
 * each branch of an anyOf), without the safe-integer bounds zod gives every integer, without
 * `propertyNames: { type: "string" }` and `additionalProperties: false` (Fastify removes unknown
 * properties from parameters and answers anyway).
 */
export function plainJsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  return tidy(jsonSchemaOf(schema, { io })) as JsonSchema;
}

function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (!isObject(node)) return node;
  const n = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, tidy(v)]));
  if (n.minimum === Number.MIN_SAFE_INTEGER) delete n.minimum;
  if (n.maximum === Number.MAX_SAFE_INTEGER) delete n.maximum;
  if (n.additionalProperties === false) delete n.additionalProperties;
  if (isObject(n.propertyNames) && n.propertyNames.type === "string" && Object.keys(n.propertyNames).length === 1) delete n.propertyNames;
  const { anyOf, ...rest } = n;
  if (Array.isArray(anyOf) && anyOf.length === 2 && anyOf.some(isNull)) {
    const value = anyOf.find((b) => !isNull(b));
    if (isObject(value) && typeof value.type === "string" && !("anyOf" in value)) return { ...value, ...rest, type: [value.type, "null"] };
  }
  return n;
}
