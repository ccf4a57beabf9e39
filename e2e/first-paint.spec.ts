import { expect, test } from "@playwright/test";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { login, rootPassword, withDb } from "./helpers";

// UTC+14: a date the server writes (in UTC) never reads like the reader's own.
test.use({ timezoneId: "Pacific/Kiritimati" });

test("console pages arrive with their rows in the server's HTML, and hydrate in the reader's time zone without errors", async ({ page }) => {
  const { runId, nodeId } = await withDb(async (db) => ({
    runId: (await enqueueRun(db, { applicationName: "DemoEcho" })).id,
    nodeId: (await db.node.findUniqueOrThrow({ where: { name: "node1" } })).id,
  }));
  await login(page, "root", rootPassword());

  // What only a client component renders once its query has data (a loading page has skeletons): found
  // in the HTML the server sent, before any script ran.
  const rows = /data-testid="data-table-row"/;
  const pages: [string, RegExp][] = [
    ["/", /data-testid="overview-tile-waiting"/],
    ["/runs", new RegExp(`href="/runs/${runId}"`)],
    [`/runs/${runId}`, />DemoEcho<\/span>/],
    ["/nodes", rows],
    [`/nodes/${nodeId}`, /<h1[^>]*>node1<\/h1>/],
    ["/queues", rows],
    ["/jobdefs", rows],
    ["/parameters", rows],
    ["/users", rows],
    ["/roles", rows],
    ["/security", /data-testid="security-node-node1"/],
  ];
  for (const [path, rendered] of pages) {
    const response = await page.request.get(path);
    expect(response.status(), path).toBe(200);
    expect(await response.text(), `${path}: rows in the server's HTML`).toMatch(rendered);
  }

  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(`${page.url()}: ${err.message}`));
  page.on("console", (msg) => {
    // A failed request is not a rendering error (a node's engine log answers 502 while the node is down).
    if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) errors.push(`${page.url()}: ${msg.text()}`);
  });
  for (const [path] of pages) {
    await page.goto(path);
    await expect(page.locator("main h1").first()).toBeVisible();
  }
  await page.goto(`/runs/${runId}`);
  // Hydrated, the times are written the reader's way, no longer in the server's UTC.
  await expect(page.locator("main time").first()).not.toContainText("UTC");
  expect(errors).toEqual([]);
});
