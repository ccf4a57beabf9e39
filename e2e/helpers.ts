import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Page, expect } from "@playwright/test";
import { E2E_HOME } from "../playwright.config";

export function rootPassword(): string {
  return readFileSync(join(E2E_HOME, "root-password.txt"), "utf8").trim();
}

export async function login(page: Page, user: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Login").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}
