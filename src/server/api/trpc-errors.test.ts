import { TRPCError, getErrorShape } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { formErrorsOf, serverIssues } from "~/components/form-errors";
import { createTRPCRouter } from "~/server/api/trpc";
import { ZUpdateNodeSchema } from "~/server/domain/node-parameters";
import { ZParameterKeySchema } from "~/server/domain/parameter-schemas";

/** The error a console form receives when the router refuses its input, as the console's tRPC endpoint formats it. */
function refusedInput(schema: z.ZodType, input: unknown) {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error("the input was accepted");
  const error = new TRPCError({ code: "BAD_REQUEST", cause: parsed.error });
  const shape = getErrorShape({ config: createTRPCRouter({})._def._config, error, type: "mutation", path: "x.update", input, ctx: undefined });
  return Object.assign(new Error(shape.message), { data: shape.data });
}

describe("the error shape of refused input, as the console's forms read it", () => {
  it("reads the server's zod errors of a nested input under the form's own fields", () => {
    const error = refusedInput(z.object({ id: z.number(), changes: ZUpdateNodeSchema }), { id: 1, changes: { port: 99_999, payloadUser: "Root" } });
    expect(serverIssues(error)).toEqual(
      expect.arrayContaining([
        { path: ["changes", "port"], message: "A port is 0 to 65535" },
        { path: ["changes", "payloadUser"], message: expect.stringContaining("payloadUser: a POSIX user name") },
      ]),
    );
    const errors = formErrorsOf(error, ["port", "payloadUser", "name"], ["changes"]);
    expect(errors.fields.port).toBe("A port is 0 to 65535");
    expect(errors.fields.payloadUser).toContain("payloadUser: a POSIX user name");
    expect(errors.form).toBeNull();
  });

  it("reads top-level fields as they are, and anything else as the form's message", () => {
    const error = refusedInput(z.object({ key: ZParameterKeySchema, value: z.string() }), { key: "bad key", value: 1 });
    const errors = formErrorsOf(error, ["key"]);
    expect(errors.fields).toEqual({ key: "Key: 1 to 50 letters, digits, dots, dashes or underscores" });
    expect(errors.form).toMatch(/^value: /);
  });
});
