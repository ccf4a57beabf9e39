import { describe, expect, it } from "vitest";
import { deliverableContentType, safeFileName } from "./run-paths";

describe("what a download of job output is served as", () => {
  it("types a deliverable by its name, but never as something a browser would run or render", () => {
    expect(deliverableContentType("report.csv")).toBe("text/csv; charset=utf-8");
    expect(deliverableContentType("data.json")).toBe("application/json; charset=utf-8");
    expect(deliverableContentType("archive.tar.gz")).toBe("application/gzip");
    for (const name of ["page.html", "page.HTM", "logo.svg", "feed.xml", "script.js", "doc.pdf", "x.xhtml"]) {
      expect(deliverableContentType(name), name).toBe("application/octet-stream");
    }
    expect(deliverableContentType("no-extension")).toBe("application/octet-stream");
  });

  it("keeps a job's file name printable and never a path", () => {
    expect(safeFileName("../../etc/passwd", "f")).toBe("_.._etc_passwd");
    expect(safeFileName("a\u0000b\nc.txt", "f")).toBe("a_b_c.txt");
    expect(safeFileName("...", "fallback")).toBe("fallback");
  });
});
