import { expect, test } from "@playwright/test";
import { login, rootPassword } from "./helpers";

test.use({ colorScheme: "light" });

test("root sees the overview, then finds its own creation in the audit trail", async ({ page }) => {
  await login(page, "root", rootPassword());
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await expect(page.getByText("Hello, root")).toBeVisible();

  for (const tile of ["waiting", "running", "held", "scheduled", "ended", "crashed", "nodes"]) {
    await expect(page.getByTestId(`overview-tile-${tile}`)).toBeVisible();
  }
  await expect(page.getByTestId("overview-tile-waiting")).toContainText(/Waiting\s*0/);
  const chart = page.getByTestId("runs-chart");
  await expect(chart).toBeVisible();
  await expect(page.getByText("Runs ended per minute (last hour)")).toBeVisible();
  await expect(chart).toContainText("No run ended in the last hour yet.");
  await page.getByRole("button", { name: "Per hour" }).click();
  await expect(page.getByText("Runs ended per hour (last 24 h)")).toBeVisible();
  await expect(chart).toHaveAttribute("data-range", "hour");
  await page.getByRole("button", { name: "Per minute" }).click();
  await expect(chart).toHaveAttribute("data-range", "minute");
  await expect(page.getByTestId("failing-jobdefs")).toContainText("No crashed runs in the last 24 hours.");
  await expect(page.getByTestId("overview-queue-DEFAULT")).toContainText(/waiting\s*0/);
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
  const rootCreation = rows.filter({ hasText: "system" }).filter({ has: page.getByText("user.create", { exact: true }) }).first();
  await expect(rootCreation).toBeVisible();
  await expect(rootCreation).toContainText("local");
  await rootCreation.getByText("Before / after").click();
  const after = rootCreation.getByTestId("audit-after");
  await expect(after).toBeVisible();
  await expect(after).toContainText('"login": "root"');

  // The filter is in the URL: a reload keeps it.
  await page.reload();
  await expect(page.getByLabel("Action")).toHaveValue("user.create");
  await expect(rows.filter({ hasText: "system" }).first()).toBeVisible();
  await rows.filter({ hasText: "system" }).first().getByText("Before / after").click();
  await page.screenshot({ path: "test-results/screenshots/audit.png", fullPage: true });
});
