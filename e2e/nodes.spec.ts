import { execFileSync } from "node:child_process";
import { type Page, expect, test } from "@playwright/test";
import { E2E_NODE_PORT } from "../playwright.config";
import { e2eProcessEnv, fullScreenshot, login, rootPassword, startNode1 } from "./helpers";

/**
 * The nodes pages: a real node1 on 127.0.0.1 applies parameter changes live; binding changes are made
 * on a node that is never started, so nothing ever listens beyond loopback.
 */
test.use({ colorScheme: "light" });
test.describe.configure({ mode: "serial" });

let node: Awaited<ReturnType<typeof startNode1>> | undefined;
/** A node of this run only, never started: its bindings can change without exposing anything. */
const edge = `edge-${Math.random().toString(36).slice(2, 8)}`;

test.beforeAll(async () => {
  test.setTimeout(90_000);
  node = await startNode1();
  cli("node", "create", "--name", edge);
});

test.afterAll(async () => {
  await node?.stop();
});

function cli(...args: string[]) {
  return execFileSync(process.execPath, ["bin/jobwarden.mjs", ...args], { env: e2eProcessEnv }).toString();
}

async function openNode(page: Page, name: string) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Nodes" }).click();
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
}

const form = (page: Page, name: string) => page.getByRole("form", { name: `Parameters of ${name}` });

test("an admin watches node1, turns its REST API on live, and pauses and resumes it", async ({ page }) => {
  test.setTimeout(90_000);
  await login(page, "root", rootPassword());
  await openNode(page, "node1");
  await expect(page.getByText("alive", { exact: true }), node?.output()).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole("row").filter({ hasText: "DEFAULT" }).getByRole("cell", { name: "polling", exact: true })).toBeVisible();
  await expect(page.getByLabel("Engine log")).toContainText("node node1 started", { timeout: 15_000 });

  const params = form(page, "node1");
  await params.getByRole("switch", { name: "Client REST API" }).click();
  await params.getByRole("button", { name: "Save parameters" }).click();
  await expect(page.locator("[data-sonner-toast]").filter({ hasText: "applies the changes within one heartbeat" })).toBeVisible();
  // The node reopens its listener: the measured listeners now include the client API.
  await expect(page.getByRole("listitem").filter({ hasText: /^client/ })).toContainText(`127.0.0.1:${E2E_NODE_PORT}`, { timeout: 20_000 });

  await page.getByRole("button", { name: "Pause", exact: true }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Pause", exact: true }).click();
  await expect(page.getByText("paused", { exact: true }).first()).toBeVisible();
  await page.getByRole("button", { name: "Resume", exact: true }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Resume", exact: true }).click();
  await expect(page.getByRole("button", { name: "Pause", exact: true })).toBeVisible();

  // And off again: the listener goes away live too.
  await form(page, "node1").getByRole("switch", { name: "Client REST API" }).click();
  await form(page, "node1").getByRole("button", { name: "Save parameters" }).click();
  await expect(page.getByRole("listitem").filter({ hasText: /^client/ })).toHaveCount(0, { timeout: 20_000 });

  await fullScreenshot(page, "test-results/screenshots/node-detail.png");
});

test("changing a node's binding beyond loopback asks for confirmation and is audited", async ({ page }) => {
  await login(page, "root", rootPassword());
  await openNode(page, edge);
  await expect(page.getByText("never started", { exact: true })).toBeVisible();

  const params = form(page, edge);
  await params.getByRole("combobox", { name: "Interface" }).click();
  await page.getByRole("option", { name: "All IPv4 interfaces" }).click();
  await params.getByRole("switch", { name: "Client REST API" }).click();
  await params.getByRole("button", { name: "Save parameters" }).click();

  const confirm = page.getByRole("alertdialog", { name: "Expose this node beyond this host?" });
  await expect(confirm).toContainText("the simple API becomes reachable from the network");
  await expect(confirm).toContainText("the client REST API becomes reachable from the network");
  await confirm.getByRole("button", { name: "Expose and save" }).click();
  await expect(page.locator("[data-sonner-toast]").filter({ hasText: "Saved" })).toBeVisible();

  await page.reload();
  await expect(form(page, edge).getByRole("combobox", { name: "Interface" })).toContainText("0.0.0.0");
  await expect(form(page, edge).getByRole("switch", { name: "Client REST API" })).toBeChecked();

  await page.goto("/audit?action=node.update");
  const row = page.getByRole("row").filter({ hasText: "node.update" }).filter({ hasText: "0.0.0.0" }).first();
  await expect(row).toBeVisible();
  await expect(row).toContainText("root");
});

test("bad parameters are refused with a message and nothing is saved", async ({ page }) => {
  await login(page, "root", rootPassword());
  await openNode(page, edge);
  const params = form(page, edge);
  await params.getByLabel("Port", { exact: true }).fill("99999");
  await params.getByRole("button", { name: "Save parameters" }).click();
  await expect(params.getByRole("alert")).toContainText("A port is 0 to 65535");
  await params.getByLabel("Port", { exact: true }).fill("1789");
  await params.getByRole("combobox", { name: "Interface" }).click();
  await page.getByRole("option", { name: "Another address…" }).click();
  await params.getByLabel("Interface address").fill("10.254.254.254");
  await params.getByRole("button", { name: "Save parameters" }).click();
  await expect(page.locator("[data-sonner-toast]").filter({ hasText: `nor an address node ${edge} reported` })).toBeVisible();
});

test("further host names, the payload account and the dead threshold are validated in the form, saved and shown again", async ({ page }) => {
  await login(page, "root", rootPassword());
  await openNode(page, edge);
  const params = form(page, edge);
  await params.getByLabel("Payload account").fill("Root");
  await params.getByLabel("Further host names").fill("jobs.example.com:8443");
  await params.getByLabel("Dead after (seconds)").fill("0");
  await params.getByRole("button", { name: "Save parameters" }).click();
  await expect(params.getByRole("alert").filter({ hasText: "payloadUser: a POSIX user name" })).toBeVisible();
  await expect(params.getByRole("alert").filter({ hasText: "allowedHosts:" })).toBeVisible();
  await expect(params.getByRole("alert").filter({ hasText: "deadAfterSeconds: 1 to 86,400 seconds" })).toBeVisible();

  await params.getByLabel("Payload account").fill("jw-payload");
  await params.getByLabel("Further host names").fill("Jobs.Example.com, 10.0.0.5");
  await params.getByLabel("Dead after (seconds)").fill("300");
  await params.getByRole("button", { name: "Save parameters" }).click();
  await expect(page.locator("[data-sonner-toast]").filter({ hasText: "Saved" })).toBeVisible();
  await page.reload();
  await expect(form(page, edge).getByLabel("Payload account")).toHaveValue("jw-payload");
  await expect(form(page, edge).getByLabel("Further host names")).toHaveValue("jobs.example.com, 10.0.0.5");
  await expect(form(page, edge).getByLabel("Dead after (seconds)")).toHaveValue("300");
  await expect(form(page, edge).getByText("Now: 300 s.")).toBeVisible();
});

test("a config viewer sees the parameters but cannot change them", async ({ page }) => {
  const login_ = `viewer-${Math.random().toString(36).slice(2, 8)}`;
  const out = cli("user", "add", login_, "--role", "config viewer");
  const password = /Password \(shown once\): (\S+)/.exec(out)?.[1] ?? "";
  await login(page, login_, password);
  await openNode(page, "node1");
  await expect(form(page, "node1").getByLabel("Log level")).toBeDisabled();
  await expect(page.getByRole("button", { name: "Save parameters" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Stop", exact: true })).toHaveCount(0);
});
