import { chownSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveInside, takeDeliverable, takeDeliveryDir } from "./deliverables";

/** An account that is not the node's: the payload account of these tests (root can give it files). */
const PAYLOAD_UID = 65534;
const isRoot = process.getuid?.() === 0;
let dir: string;
let deliverablesDir: string;
let run = 100;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "jobwarden-deliverables-"));
  deliverablesDir = join(dir, "deliverables");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A run's work dir with its delivery dir, and a file of the node's outside it. */
function workDir() {
  const work = join(dir, `work-${++run}`);
  mkdirSync(join(work, "delivery"), { recursive: true });
  const nodeFile = join(dir, `node-secret-${run}`);
  writeFileSync(nodeFile, "the node's own");
  return { work, delivery: join(work, "delivery"), nodeFile, runId: run };
}
const storedFiles = (runId: number) => (existsSync(join(deliverablesDir, String(runId))) ? readdirSync(join(deliverablesDir, String(runId))) : []);
const payloadFile = (file: string, content = "the payload's") => {
  writeFileSync(file, content);
  if (isRoot) chownSync(file, PAYLOAD_UID, PAYLOAD_UID);
};

describe.runIf(isRoot)("an isolated payload's deliverables are taken without following its paths (issue 11, finding 1)", () => {
  it("refuses a name that is a path, a link, a file of another account, or a hard link", async () => {
    const { delivery, nodeFile, runId } = workDir();
    const take = (name: unknown) => takeDeliverable({ runId, nodeName: "n", deliverablesDir, deliveryDir: delivery, name, owner: PAYLOAD_UID });
    for (const name of ["../x", "a/b", "..", ".", "", nodeFile, 42]) {
      await expect(take(name)).rejects.toThrow("an isolated payload names a file of its delivery directory, never a path: refused");
    }
    symlinkSync(nodeFile, join(delivery, "link"));
    await expect(take("link")).rejects.toThrow("link is a link, not a file: refused");
    writeFileSync(join(delivery, "root-owned"), "x");
    await expect(take("root-owned")).rejects.toThrow("root-owned does not belong to the payload account: refused");
    // What fs.protected_hardlinks = 0 would let the account make: a second name for someone's file.
    payloadFile(join(delivery, "linked-twice"));
    linkSync(join(delivery, "linked-twice"), join(dir, `elsewhere-${runId}`));
    await expect(take("linked-twice")).rejects.toThrow("linked-twice has other hard links: refused");
    expect(readFileSync(nodeFile, "utf8")).toBe("the node's own");
    expect(storedFiles(runId)).toEqual([]);
  });

  it("takes the payload's own file by name: a copy of the node's, the name kept as data", async () => {
    const { delivery, runId } = workDir();
    payloadFile(join(delivery, ".deliverable-1"), "report");
    const d = await takeDeliverable({ runId, nodeName: "n", deliverablesDir, deliveryDir: delivery, name: ".deliverable-1", owner: PAYLOAD_UID, fileFamily: "f", originalName: "sub/report.CSV" });
    expect(d).toMatchObject({ originalName: "report.CSV", fileFamily: "f", size: 6 });
    expect(d.storedPath).toMatch(new RegExp(`^${runId}/[0-9a-f]{32}\\.csv$`));
    expect(readFileSync(join(deliverablesDir, d.storedPath), "utf8")).toBe("report");
    expect(existsSync(join(delivery, ".deliverable-1"))).toBe(false);
  });

  it("refuses a delivery dir replaced by a link, and takes nothing through it", async () => {
    const { delivery, nodeFile, runId } = workDir();
    rmSync(delivery, { recursive: true });
    symlinkSync(dir, delivery);
    const reason = "the delivery directory was replaced by a link or a file: refused";
    await expect(takeDeliveryDir({ runId, nodeName: "n", deliverablesDir, deliveryDir: delivery, owner: PAYLOAD_UID })).rejects.toThrow(reason);
    await expect(takeDeliveryDir({ runId, nodeName: "n", deliverablesDir, deliveryDir: delivery, owner: null })).rejects.toThrow(reason);
    expect(readFileSync(nodeFile, "utf8")).toBe("the node's own");
  });

  it("at the end of a run, a file of another account in the delivery dir fails the collection and nothing stays stored", async () => {
    const { delivery, runId } = workDir();
    payloadFile(join(delivery, "a.txt"));
    writeFileSync(join(delivery, "b-root.txt"), "not the payload's");
    symlinkSync("/etc/passwd", join(delivery, "c-link"));
    await expect(takeDeliveryDir({ runId, nodeName: "n", deliverablesDir, deliveryDir: delivery, owner: PAYLOAD_UID })).rejects.toThrow(
      "b-root.txt does not belong to the payload account: refused",
    );
    expect(storedFiles(runId)).toEqual([]);
  });
});

describe("a payload of the node's own account", () => {
  it("hands over files of its work dir, not through a link out of it", async () => {
    const { work, nodeFile, runId } = workDir();
    symlinkSync(dir, join(work, "out"));
    await expect(resolveInside(work, `out/node-secret-${runId}`)).rejects.toThrow("the file must be inside the run's work directory");
    await expect(resolveInside(work, "../x")).rejects.toThrow("the file must be inside the run's work directory");
    writeFileSync(join(work, "ok.txt"), "ok");
    expect(await resolveInside(work, "ok.txt")).toMatch(/ok\.txt$/);
    expect(readFileSync(nodeFile, "utf8")).toBe("the node's own");
  });

  it("collects its delivery dir's regular files, leaving links aside", async () => {
    const { delivery, runId } = workDir();
    writeFileSync(join(delivery, "r.json"), "{}");
    symlinkSync("/etc/passwd", join(delivery, "passwd"));
    const taken = await takeDeliveryDir({ runId, nodeName: "n", deliverablesDir, deliveryDir: delivery, owner: null });
    expect(taken.map((d) => d.originalName)).toEqual(["r.json"]);
    expect(readFileSync(join(deliverablesDir, taken[0]!.storedPath), "utf8")).toBe("{}");
  });
});
