import { expect, test } from "@playwright/test";
import { login, rootPassword } from "./helpers";

test.use({ colorScheme: "light" });

test("root signs in, sees the nodes and signs out", async ({ page }) => {
  await login(page, "root", rootPassword());

  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Nodes" }).click();
  await expect(page).toHaveURL(/\/nodes$/);
  await expect(page.getByRole("heading", { level: 1, name: "Nodes" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Nodes" })).toHaveAttribute("aria-current", "page");

  const row = page.getByRole("row").filter({ hasText: "node1" });
  await expect(row).toContainText("127.0.0.1:1789");
  await expect(row.getByRole("cell").nth(1)).toHaveText(/alive|late|dead|never started/);

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
