import { expect, test } from "@playwright/test";
import { login, rootPassword, withDb } from "./helpers";

test.use({ colorScheme: "light" });

/** What the overview must show, read from the database (other specs' runs may be there; no node runs meanwhile). */
async function expectedOverview() {
  const now = Date.now();
  const since = (ms: number) => ({ endedAt: { gt: new Date(now - ms) } });
  return withDb(async (db) => ({
    waiting: await db.jobInstance.count({ where: { state: "SUBMITTED" } }),
    defaultWaiting: await db.jobInstance.count({ where: { state: "SUBMITTED", queue: { isDefault: true } } }),
    endedLastHour: await db.history.count({ where: since(3_600_000) }),
    crashed: (await db.history.findMany({ where: { state: "CRASHED", ...since(86_400_000) }, distinct: ["applicationName"], select: { applicationName: true } })).map(
      (h) => h.applicationName,
    ),
  }));
}

test("root sees the overview, then finds its own creation in the audit trail", async ({ page }) => {
  const expected = await expectedOverview();
  const rootId = await withDb(async (db) => (await db.user.findUniqueOrThrow({ where: { login: "root" } })).id);
  await login(page, "root", rootPassword());
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await expect(page.getByText("Hello, root")).toBeVisible();

  for (const tile of ["waiting", "running", "held", "scheduled", "ended", "crashed", "nodes"]) {
    await expect(page.getByTestId(`overview-tile-${tile}`)).toBeVisible();
  }
  await expect(page.getByTestId("overview-tile-waiting")).toContainText(new RegExp(`Waiting\\s*${expected.waiting}$`));
  const chart = page.getByTestId("runs-chart");
  await expect(chart).toBeVisible();
  await expect(page.getByText("Runs ended per minute (last hour)")).toBeVisible();
  if (expected.endedLastHour === 0) await expect(chart).toContainText("No run ended in the last hour yet.");
  else await expect(chart.locator(".recharts-bar-rectangle").first()).toBeVisible();
  await page.getByRole("button", { name: "Per hour" }).click();
  await expect(page.getByText("Runs ended per hour (last 24 h)")).toBeVisible();
  await expect(chart).toHaveAttribute("data-range", "hour");
  await page.getByRole("button", { name: "Per minute" }).click();
  await expect(chart).toHaveAttribute("data-range", "minute");
  const failing = page.getByTestId("failing-jobdefs");
  if (expected.crashed.length === 0) await expect(failing).toContainText("No crashed runs in the last 24 hours.");
  else for (const application of expected.crashed.slice(0, 5)) await expect(failing).toContainText(application);
  await expect(page.getByTestId("overview-queue-DEFAULT")).toContainText(new RegExp(`waiting\\s*${expected.defaultWaiting}(?!\\d)`));
  // A viewport as tall as the page, so that the sticky sidebar and header are where they belong.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1280, height });
  await page.screenshot({ path: "test-results/screenshots/home.png" });
  await page.setViewportSize({ width: 1280, height: 720 });

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByRole("heading", { level: 1, name: "Audit" })).toBeVisible();
  await page.getByLabel("Action").fill("user.create");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/\/audit\?action=user\.create$/);

  // The previous (unfiltered) page stays on screen, dimmed and busy, until the filtered one arrives.
  await expect(page.getByTestId("audit-events")).toHaveAttribute("aria-busy", "false");
  const rows = page.getByTestId("data-table-row");
  await expect(rows.first()).toBeVisible();
  await expect(rows.locator("td:nth-child(4)").filter({ hasNotText: /^user\.create$/ })).toHaveCount(0);
  // Other specs create users too: root's creation is the one whose object is root.
  const rootCreation = rows.filter({ has: page.getByRole("cell", { name: `user #${rootId}`, exact: true }) });
  await expect(rootCreation).toHaveCount(1);
  await expect(rootCreation).toContainText("system");
  await expect(rootCreation).toContainText("local");
  await rootCreation.getByText("Before / after").click();
  const after = rootCreation.getByTestId("audit-after");
  await expect(after).toBeVisible();
  await expect(after).toContainText('"login": "root"');

  // The filter is in the URL: a reload keeps it.
  await page.reload();
  await expect(page.getByLabel("Action")).toHaveValue("user.create");
  await expect(rootCreation).toHaveCount(1);
  await rootCreation.getByText("Before / after").click();
  await page.screenshot({ path: "test-results/screenshots/audit.png", fullPage: true });
});
