import { describe, expect, it } from "vitest";
import { formErrorsOf, parseWhole, spreadIssues } from "./form-errors";

describe("form errors", () => {
  it("puts each field's first message under it, and the rest, with its path, on the form", () => {
    const issues = [
      { path: ["port"], message: "A port is 0 to 65535" },
      { path: ["port"], message: "second message" },
      { path: ["other"], message: "not a field of this form" },
      { path: [], message: "the whole input" },
    ];
    expect(spreadIssues(issues, ["port", "name"])).toEqual({
      fields: { port: "A port is 0 to 65535" },
      form: "other: not a field of this form\nthe whole input",
    });
  });

  it("shows a failure that is not about the input as the form's message", () => {
    expect(formErrorsOf(new Error("historyRetentionDays must be between 1 and 36,500 days"), ["value"])).toEqual({
      fields: {},
      form: "historyRetentionDays must be between 1 and 36,500 days",
    });
  });

  it("parses whole numbers typed in a text field: empty is null, anything else not a number", () => {
    expect(parseWhole(" 42 ")).toBe(42);
    expect(parseWhole("-7")).toBe(-7);
    expect(parseWhole("")).toBeNull();
    expect(parseWhole("1e3")).toBeNaN();
    expect(parseWhole("0x10")).toBeNaN();
    expect(parseWhole("1.5")).toBeNaN();
  });
});
