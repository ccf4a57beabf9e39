import { execFileSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { e2eProcessEnv, login, rootPassword, withDb } from "./helpers";

test.use({ colorScheme: "light" });

test("root signs in, sees the nodes and signs out", async ({ page }) => {
  // A node of this test only: what the list shows for it does not depend on what other specs ran.
  const name = `standby-${Math.random().toString(36).slice(2, 8)}`;
  execFileSync(process.execPath, ["bin/jobwarden.mjs", "node", "create", "--name", name, "--port", "1790"], { env: e2eProcessEnv });
  const node1 = await withDb((db) => db.node.findUniqueOrThrow({ where: { name: "node1" } }));
  await login(page, "root", rootPassword());

  // Keyboard users skip the navigation with the first Tab.
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("main")).toBeFocused();

  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Nodes" }).click();
  await expect(page).toHaveURL(/\/nodes$/);
  await expect(page.getByRole("heading", { level: 1, name: "Nodes" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Nodes" })).toHaveAttribute("aria-current", "page");

  await expect(page.getByRole("row").filter({ hasText: "node1" })).toContainText(`${node1.host}:${node1.port}`);
  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("127.0.0.1:1790");
  await expect(row.getByRole("cell").nth(1)).toHaveText("never started");

  await page.screenshot({ path: "test-results/screenshots/nodes.png", fullPage: true });

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Sign in to Jobwarden" })).toBeVisible();

  // The session is really gone: the console sends us back to the login page.
  await page.goto("/nodes");
  await expect(page).toHaveURL(/\/login/);
});

test("a wrong password is refused", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Login").fill("root");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page.getByRole("alert").filter({ hasText: "Invalid login or password" })).toBeVisible();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("navigation", { name: "Main" })).toHaveCount(0);
});

test("the console redirects to the login page when signed out", async ({ page }) => {
  await page.goto("/nodes");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Sign in to Jobwarden" })).toBeVisible();
  await expect(page.getByLabel("Login")).toBeVisible();
});

test("pages carry a per-request nonce policy, and the console runs under it without a violation", async ({ page, request }) => {
  const first = await request.get("/login");
  const second = await request.get("/login");
  const policy = first.headers()["content-security-policy"] ?? "";
  const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
  expect(policy).toContain("script-src 'self' 'nonce-");
  expect(policy).toContain("object-src 'none'");
  expect(nonce).toBeTruthy();
  expect(await first.text()).toContain(`nonce="${nonce}"`);
  expect(second.headers()["content-security-policy"]).not.toContain(nonce);

  const violations: string[] = [];
  page.on("console", (m) => {
    if (m.text().includes("Content Security Policy")) violations.push(m.text());
  });
  await login(page, "root", rootPassword());
  for (const link of ["Runs", "Nodes", "Security", "Audit"]) {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link }).click();
    await expect(page.getByRole("heading", { level: 1, name: link })).toBeVisible();
  }
  expect(violations).toEqual([]);

  // Markup that slipped into the page cannot run code: inline handlers are refused.
  const ran = await page.evaluate(async () => {
    const div = document.createElement("div");
    div.innerHTML = '<img src="data:," onload="window.__injected = true" onerror="window.__injected = true">';
    document.body.append(div);
    await new Promise((r) => setTimeout(r, 200));
    return (window as unknown as { __injected?: boolean }).__injected === true;
  });
  expect(ran).toBe(false);
});
