import { expect, test } from "@playwright/test";
import { login, rootPassword, withDb } from "./helpers";

test.use({ colorScheme: "light" });

// The parameters this spec reads start unset, whatever ran before.
test.beforeAll(async () => {
  await withDb((db) => db.globalParameter.deleteMany({ where: { key: { in: ["historyRetentionDays", "consoleMinRefreshMs"] } } }));
});

test("an administrator creates a queue, maps it to node1 with 3 threads, pauses it and sets the retention", async ({ page }, testInfo) => {
  const queue = `reports-${Math.random().toString(36).slice(2, 7)}`;
  await login(page, "root", rootPassword());
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Queues" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Queues" })).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "DEFAULT" })).toContainText("default");

  // Create the queue.
  await page.getByRole("button", { name: "New queue" }).click();
  const create = page.getByRole("dialog", { name: "New queue" });
  await create.getByLabel("Name").fill(queue);
  await create.getByLabel("Description").fill("Monthly <b>reports</b>");
  await create.getByRole("button", { name: "Create" }).click();
  await expect(create).toBeHidden();
  const row = page.getByRole("row").filter({ hasText: queue });
  await expect(row).toContainText("Monthly <b>reports</b>");
  await expect(row).toContainText("paused");
  await expect(row).toContainText("0 threads");

  // Map it to node1 with 3 threads.
  await row.getByRole("button", { name: `Show the mappings of ${queue}` }).click();
  const mappings = page.getByRole("region", { name: `Mappings of ${queue}` });
  await expect(mappings).toContainText(`No node polls ${queue}`);
  await mappings.getByRole("button", { name: "Add mapping" }).click();
  const add = page.getByRole("dialog", { name: `Map queue ${queue} to a node` });
  await add.getByRole("combobox", { name: "Node" }).click();
  await page.getByRole("option", { name: "node1", exact: true }).click();
  await add.getByLabel("Threads").fill("3");
  await add.getByLabel("Polling interval (ms)").fill("500");
  await expect(add.getByText("Below 1000 ms")).toBeVisible();
  await add.getByLabel("Polling interval (ms)").fill("2000");
  await expect(add.getByText("Below 1000 ms")).toBeHidden();
  await add.getByRole("button", { name: "Add mapping" }).click();
  await expect(add).toBeHidden();
  const mapping = mappings.getByRole("row").filter({ hasText: "node1" });
  await expect(mapping).toContainText("2 s");
  await expect(mapping).toContainText("0 of 3");
  await expect(mapping.getByRole("link", { name: "node1" })).toHaveAttribute("href", /^\/nodes\/\d+$/);
  await expect(mapping.getByRole("switch", { name: `node1 polls ${queue}` })).toBeChecked();
  await expect(row).toContainText("running");
  await expect(row).toContainText("3 threads");

  // Pause it: the mapping is disabled, capacity drops to 0.
  await row.getByRole("button", { name: `Actions for ${queue}` }).click();
  await page.getByRole("menuitem", { name: "Pause" }).click();
  const confirm = page.getByRole("alertdialog", { name: `Pause queue ${queue}?` });
  await expect(confirm).toContainText("next heartbeat");
  await confirm.getByRole("button", { name: "Pause" }).click();
  await expect(confirm).toBeHidden();
  await expect(row).toContainText("paused");
  await expect(row).toContainText("0 threads");
  await expect(mapping.getByRole("switch", { name: `node1 polls ${queue}` })).not.toBeChecked();
  await page.screenshot({ path: testInfo.outputPath("queues.png"), fullPage: true });

  // Set the retention global parameter, refused first with an invalid value.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Parameters" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Parameters" })).toBeVisible();
  const retention = page.getByRole("row").filter({ hasText: "historyRetentionDays" });
  await expect(retention).toContainText("unset (off)");
  await retention.getByRole("button", { name: "Set historyRetentionDays" }).click();
  const dialog = page.getByRole("dialog", { name: "Set historyRetentionDays" });
  await dialog.getByLabel("Value").fill("0");
  await dialog.getByRole("button", { name: "Set" }).click();
  await expect(dialog.getByRole("alert")).toContainText("historyRetentionDays must be between 1 and 36,500 days");
  await dialog.getByLabel("Value").fill("30");
  await dialog.getByRole("button", { name: "Set" }).click();
  await expect(dialog).toBeHidden();
  await expect(retention).toContainText("30");
  await expect(retention).not.toContainText("unset");
  await expect(page.getByRole("row").filter({ hasText: "consoleMinRefreshMs" })).toContainText("unset (default 2000)");
  await page.screenshot({ path: testInfo.outputPath("parameters.png"), fullPage: true });

  // Both changes are in the audit log.
  await page.goto("/audit");
  await expect(page.getByRole("row").filter({ hasText: "prm.create" }).first()).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "queue.pause" }).first()).toBeVisible();
});
