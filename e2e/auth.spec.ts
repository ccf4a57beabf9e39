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

test("after sign-in, a callbackUrl that points elsewhere lands on the console", async ({ page, context, baseURL }) => {
  // Seven sign-ins (a password hash each): about 50 s on a loaded 2-core machine, past the 30 s default.
  test.slow();
  const consoleOrigin = new URL(baseURL!).origin;
  for (const payload of ["/%09/evil.example/", "/%0a/evil.example/", "/%0d/evil.example/", "//evil.example/", "/%5Cevil.example/", "http://evil.example/"]) {
    await context.clearCookies();
    await page.goto(`/login?callbackUrl=${payload}`);
    await page.getByLabel("Login").fill("root");
    await page.getByLabel("Password").fill(rootPassword());
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    expect(new URL(page.url()).origin, payload).toBe(consoleOrigin);
  }
  // A path of the console itself is kept.
  await context.clearCookies();
  await page.goto(`/login?callbackUrl=${encodeURIComponent("/audit")}`);
  await page.getByLabel("Login").fill("root");
  await page.getByLabel("Password").fill(rootPassword());
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/audit$/);
});

test("a session cookie copied before sign-out no longer works after it", async ({ page, context, browser }) => {
  await login(page, "root", rootPassword());
  const copied = await context.cookies();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);

  const thief = await browser.newContext();
  await thief.addCookies(copied);
  expect(await (await thief.request.get("/api/auth/session")).json()).toEqual({});
  const stolen = await thief.newPage();
  await stolen.goto("/nodes");
  await expect(stolen).toHaveURL(/\/login/);
  await thief.close();
});

test("the console answers 413 to oversized bodies, before reading them", async ({ request }) => {
  const login = await request.post("/api/auth/callback/credentials", {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    data: `login=root&password=${"x".repeat(100_000)}`,
  });
  expect(login.status()).toBe(413);
  expect(await login.json()).toMatchObject({ message: expect.stringContaining("larger than") });
  const trpc = await request.post("/api/trpc/user.create?batch=1", { headers: { "content-type": "application/json" }, data: { 0: { json: { login: "x".repeat(400_000) } } } });
  expect(trpc.status()).toBe(413);
});

test("a forged X-Forwarded-For does not change the address in the audit trail", async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": "203.0.113.5", "x-real-ip": "203.0.113.6" } });
  const page = await context.newPage();
  const before = new Date();
  await login(page, "root", rootPassword());
  await context.close();
  const row = await withDb((db) => db.auditEvent.findFirst({ where: { action: "login.success", login: "root", at: { gte: before } }, orderBy: { id: "desc" } }));
  expect(row?.fromAddress).toBe("127.0.0.1");
});
