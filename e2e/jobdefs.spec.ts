import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { fullScreenshot, login, rootPassword } from "./helpers";

const importedXml = (name: string, queue: string) => `<?xml version="1.0" encoding="UTF-8"?>
<jqm>
  <jar>
    <path>/bin/echo</path>
    <pathType>DIRECTEXECUTABLE</pathType>
    <jobdefinitions>
      <jobDefinition>
        <name>${name}</name>
        <queue>${queue}</queue>
        <description>From a JQM descriptor</description>
        <canBeRestarted>true</canBeRestarted>
        <javaClassName></javaClassName>
        <module>imports</module>
        <highlander>false</highlander>
      </jobDefinition>
    </jobdefinitions>
  </jar>
</jqm>
`;

test("an administrator creates, schedules, edits, imports and exports job definitions", async ({ page }, testInfo) => {
  // Many dialogs: 22 to 32 s on a loaded machine, over the default 30 s.
  test.setTimeout(120_000);
  const suffix = Math.random().toString(36).slice(2, 8);
  const name = `Nightly-${suffix}`;
  const imported = `Imported-${suffix}`;
  const importedQueue = `e2e-imported-${suffix}`;

  await login(page, "root", rootPassword());
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Job definitions" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Job definitions" })).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "DemoEcho" })).toContainText("Shell command");

  // Create a shell definition with a parameter and a tag.
  await page.getByRole("button", { name: "New job definition" }).click();
  const create = page.getByRole("dialog", { name: "New job definition" });
  await create.getByLabel("Name", { exact: true }).fill(name);
  await create.getByLabel("Description").fill("Nightly export");
  await create.getByLabel("Command").fill('echo "exporting $1"');
  await create.getByRole("button", { name: "Add parameter" }).click();
  await create.getByLabel("Parameter 1 key").fill("target");
  await create.getByLabel("Parameter 1 value").fill("warehouse");
  await create.getByLabel("Keyword 1").fill("e2e");
  await create.getByRole("button", { name: "Create" }).click();

  // The dialog becomes the new definition's editor: add a schedule, watching the next occurrences.
  const edit = page.getByRole("dialog", { name: `Edit ${name}` });
  await expect(edit).toBeVisible();
  await edit.getByRole("button", { name: "New schedule" }).click();
  const cron = edit.getByLabel("Cron expression");
  await cron.fill("61 * * * *");
  await expect(edit.getByRole("status", { name: "Cron check" })).toContainText("Invalid value for minute: 61");
  // Sent anyway, the server refuses it and its message shows under the field.
  await edit.getByRole("button", { name: "Add schedule", exact: true }).click();
  await expect(edit.getByRole("form", { name: "New schedule" }).getByRole("alert")).toContainText("Invalid cron expression");
  await expect(cron).toHaveAttribute("aria-invalid", "true");
  await expect(edit.getByRole("list", { name: "Schedules" })).not.toContainText("61 * * * *");
  await cron.fill("*/15 * * * *");
  const occurrences = edit.getByRole("list", { name: "Next occurrences" }).getByRole("listitem");
  await expect(occurrences).toHaveCount(5);
  await expect(occurrences.first()).toContainText(/:(00|15|30|45):00/);
  await edit.getByRole("list", { name: "Next occurrences" }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath("jobdef-schedule.png") });
  await edit.getByRole("button", { name: "Add schedule", exact: true }).click();
  await expect(edit.getByRole("list", { name: "Schedules" })).toContainText("*/15 * * * *");
  await edit.getByRole("button", { name: "Cancel" }).click();
  await expect(edit).toBeHidden();

  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("Nightly export");
  await expect(row).toContainText("DEFAULT");
  await expect(row).toContainText("e2e");
  await expect(row.getByRole("cell").nth(5)).toHaveText("1");

  // Edit it.
  await page.getByRole("button", { name: `Edit ${name}` }).click();
  const again = page.getByRole("dialog", { name: `Edit ${name}` });
  await expect(again.getByLabel("Parameter 1 value")).toHaveValue("warehouse");
  await again.getByLabel("Description").fill("Nightly export to the warehouse");
  await again.getByLabel("Highlander").click();
  await again.getByRole("button", { name: "Save" }).click();
  await expect(again).toBeHidden();
  await expect(row).toContainText("Nightly export to the warehouse");
  await expect(row).toContainText("Highlander");

  // Import a JQM deployment descriptor: its queue is created.
  await page.getByRole("button", { name: "Import XML" }).click();
  const importDialog = page.getByRole("dialog", { name: "Import job definitions" });
  await importDialog.getByLabel("XML file").setInputFiles({ name: "jqm.xml", mimeType: "application/xml", buffer: Buffer.from(importedXml(imported, importedQueue)) });
  await expect(importDialog.getByLabel("Or paste the XML")).toHaveValue(/<name>Imported-/);
  await importDialog.getByRole("button", { name: "Import", exact: true }).click();
  const result = importDialog.getByRole("status", { name: "Import result" });
  await expect(result).toContainText("1 created, 0 updated, 0 unchanged");
  await expect(result).toContainText(`Queues created: ${importedQueue}`);
  await importDialog.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("row").filter({ hasText: imported })).toContainText(importedQueue);

  // A Java payload is refused with the definition's name, nothing written.
  await page.getByRole("button", { name: "Import XML" }).click();
  await importDialog.getByLabel("Or paste the XML").fill(importedXml("JavaThing", importedQueue).replace("DIRECTEXECUTABLE", "MAVEN"));
  await importDialog.getByRole("button", { name: "Import", exact: true }).click();
  await expect(importDialog.getByRole("alert")).toContainText("Job definition JavaThing: pathType MAVEN");
  await importDialog.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("row").filter({ hasText: "JavaThing" })).toHaveCount(0);

  // Export everything.
  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export XML" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("jobwarden-jobdefs.xml");
  const xml = readFileSync((await download.path())!, "utf8");
  expect(xml).toContain(`<name>${name}</name>`);
  expect(xml).toContain("<cron>*/15 * * * *</cron>");
  expect(xml).toContain(`<name>${imported}</name>`);

  await fullScreenshot(page, testInfo.outputPath("jobdefs.png"));

  // Delete the imported one, after confirming.
  await page.getByRole("button", { name: `Delete ${imported}` }).click();
  await page.getByRole("alertdialog", { name: `Delete ${imported}?` }).getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("row").filter({ hasText: imported })).toHaveCount(0);
});
