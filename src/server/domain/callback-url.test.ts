import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "./callback-url";

const CONSOLE = "http://127.0.0.1:3000";

/** Where a browser on the console's login page goes when told to navigate to `path`. */
const landing = (path: string) => new URL(path, `${CONSOLE}/login`);

describe("safeCallbackPath", () => {
  it.each([
    ["/%09/evil.example/", "/\t/evil.example/"],
    ["tab", "/\t/evil.example/"],
    ["line feed", "/\n/evil.example/"],
    ["carriage return", "/\r/evil.example/"],
    ["protocol-relative", "//evil.example/"],
    ["backslash", "/\\evil.example/"],
    ["tab then backslash", "/\t\\evil.example/"],
    ["absolute http", "http://evil.example/"],
    ["absolute https", "https://evil.example/runs"],
    ["javascript scheme", "javascript:alert(1)"],
    ["leading space", " //evil.example/"],
    ["dot segments", "/.//evil.example/"],
    ["encoded dot segments", "/%2e//evil.example/"],
  ])("never leaves the console for %s", (_name, payload) => {
    const path = safeCallbackPath(payload);
    expect(landing(path).origin).toBe(CONSOLE);
    expect(path.startsWith("/")).toBe(true);
    expect(path.startsWith("//")).toBe(false);
  });

  it("refuses another origin even when given the console's origin to compare with", () => {
    expect(safeCallbackPath("http://evil.example/runs", CONSOLE)).toBe("/");
    expect(safeCallbackPath("http://127.0.0.1:3001/runs", CONSOLE)).toBe("/");
  });

  it("keeps the console's own paths, queries and fragments", () => {
    expect(safeCallbackPath("/runs?state=ENDED#top")).toBe("/runs?state=ENDED#top");
    expect(safeCallbackPath("/nodes/3")).toBe("/nodes/3");
    expect(safeCallbackPath(`${CONSOLE}/audit?page=2`, CONSOLE)).toBe("/audit?page=2");
  });

  it("falls back to the home page for anything that is not a string", () => {
    expect(safeCallbackPath(undefined)).toBe("/");
    expect(safeCallbackPath(["/runs", "/nodes"])).toBe("/");
  });
});
