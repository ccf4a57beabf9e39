import { type Page, expect, test } from "@playwright/test";
import { login, rootPassword } from "./helpers";

async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
}

test("an administrator creates a support user, whose access is limited, then locks them", async ({ page }) => {
  // Four sign-ins and a password hash: more than the default 30 s on a busy machine.
  test.setTimeout(120_000);
  const support = `support1-${Math.random().toString(36).slice(2, 8)}`;

  // root creates the user with the "client read only" role.
  await login(page, "root", rootPassword());
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
  await page.getByRole("button", { name: "New user" }).click();

  const create = page.getByRole("dialog", { name: "New user" });
  await create.getByLabel("Login").fill(support);
  await create.getByRole("checkbox", { name: "client read only", exact: true }).check();
  await create.getByRole("button", { name: "Create" }).click();

  const reveal = page.getByRole("dialog", { name: `Password for ${support}` });
  await expect(reveal).toBeVisible();
  await expect(reveal).toContainText("It will not be shown again.");
  const password = await reveal.getByRole("textbox").inputValue();
  expect(password.length).toBeGreaterThanOrEqual(12);
  await reveal.getByRole("button", { name: "Done" }).click();
  await expect(reveal).toBeHidden();

  const row = page.getByRole("row").filter({ hasText: support });
  await expect(row).toContainText("client read only");
  await expect(row).toContainText("Active");
  await signOut(page);

  // support1 has neither user:read nor node:read.
  await login(page, support, password);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Home" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);
  await expect(nav.getByRole("link", { name: "Nodes" })).toHaveCount(0);
  await expect(page.getByText("You have no access to nodes")).toBeVisible();

  await page.goto("/users");
  await expect(page).toHaveURL(/\/\?denied=user(:|%3A)read$/);
  await expect(page.getByRole("alert").filter({ hasText: "You do not have the permission user:read" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toHaveCount(0);
  await expect(page.getByRole("table")).toHaveCount(0);
  await signOut(page);

  // root locks support1, whose next login is refused.
  await login(page, "root", rootPassword());
  await page.goto("/users");
  await page.getByRole("button", { name: `Actions for ${support}` }).click();
  await page.getByRole("menuitem", { name: "Lock", exact: true }).click();
  const confirm = page.getByRole("alertdialog", { name: `Lock ${support}?` });
  await confirm.getByRole("button", { name: "Lock" }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByRole("row").filter({ hasText: support })).toContainText("Locked");
  await signOut(page);

  await page.getByLabel("Login").fill(support);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "This account is locked" })).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
});
