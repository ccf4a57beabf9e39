import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { type BrowserContext, type Page, expect, test } from "@playwright/test";
import { E2E_HOME } from "../playwright.config";
import { e2eProcessEnv, fullScreenshot, login, rootPassword, startNode1 } from "./helpers";

/**
 * The runs pages against a real node1 (bound to 127.0.0.1 as initialised), sharing the database and
 * the file system with the console, as in the embedded default.
 */
test.use({ colorScheme: "light" });
test.describe.configure({ mode: "serial" });

let node: Awaited<ReturnType<typeof startNode1>> | undefined;
const ids: { echo?: number; report?: number; sleep?: number } = {};

test.beforeAll(async () => {
  test.setTimeout(90_000);
  node = await startNode1();
});

test.afterAll(async () => {
  await node?.stop();
});

/** Launches a run through the "New launch" dialog and returns its id. */
async function launch(page: Page, application: string, parameters: Record<string, string> = {}): Promise<number> {
  await page.getByRole("button", { name: "New launch" }).click();
  const dialog = page.getByRole("dialog", { name: "New launch" });
  await dialog.getByRole("combobox", { name: "Application" }).click();
  await page.getByRole("option", { name: application, exact: true }).click();
  for (const [i, [key, value]] of Object.entries(parameters).entries()) {
    await dialog.getByRole("button", { name: "Add parameter" }).click();
    await dialog.getByLabel(`Parameter ${i + 1} name`).fill(key);
    await dialog.getByLabel(`Parameter ${i + 1} value`).fill(value);
  }
  await dialog.getByRole("button", { name: "Launch" }).click();
  await expect(dialog).toBeHidden();
  const toast = page.locator("[data-sonner-toast]").filter({ hasText: new RegExp(`Run \\d+ of ${application} enqueued`) }).last();
  const text = (await toast.textContent()) ?? "";
  return Number(/Run (\d+) of/.exec(text)?.[1]);
}

/** Opens a run's page and waits until it reached `state` (the page refreshes live runs by itself). */
async function openRun(page: Page, id: number, state: string) {
  await page.goto(`/runs/${id}`);
  await expect(page.getByRole("heading", { level: 1, name: `Run ${id}` })).toBeVisible();
  await expect(page.getByTestId("run-state").first(), `run ${id} did not reach ${state}; node1 output:\n${node?.output()}`).toHaveText(state, {
    timeout: 45_000,
  });
}

test("an operator launches runs, filters the history, reads the output and kills a run", async ({ page }) => {
  test.setTimeout(240_000);
  await login(page, "root", rootPassword());
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Runs" })).toBeVisible();

  ids.echo = await launch(page, "DemoEcho", { greeting: "hi" });
  ids.report = await launch(page, "DemoReport");
  expect(ids.report).toBeGreaterThan(ids.echo);

  // History, filtered by application: the filter lives in the URL.
  await page.getByRole("tab", { name: "History" }).click();
  await expect(page).toHaveURL(/tab=history/);
  await page.getByLabel("Application").fill("DemoReport");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/app=DemoReport/);
  const reportLink = page.getByRole("link", { name: `Run ${ids.report}`, exact: true });
  await expect(async () => {
    await page.reload();
    await expect(reportLink).toBeVisible({ timeout: 15_000 });
  }, `run ${ids.report} never ended; node1 output:\n${node?.output()}`).toPass({ timeout: 120_000 });
  await expect(page.getByRole("link", { name: `Run ${ids.echo}`, exact: true })).toHaveCount(0);
  await expect(page.getByTestId("data-table-row").filter({ hasText: "DemoEcho" })).toHaveCount(0);
  await fullScreenshot(page, "test-results/screenshots/runs.png");

  // The sort order lives in the URL as well.
  await page.getByLabel("Application").fill("");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).not.toHaveURL(/app=/);
  await page.getByRole("combobox", { name: "Sort runs" }).click();
  await page.getByRole("option", { name: "Oldest first" }).click();
  await expect(page).toHaveURL(/tab=history&sort=oldest$/);
  await expect(async () => {
    const shown = (await page.getByRole("link", { name: /^Run \d+$/ }).allTextContents()).map(Number);
    expect(shown.length).toBeGreaterThan(1);
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
  }).toPass({ timeout: 30_000 });

  await reportLink.click();
  await expect(page).toHaveURL(new RegExp(`/runs/${ids.report}$`));
  await expect(page.getByTestId("run-state").first()).toHaveText("ENDED");
  await expect(page.getByTestId("run-deliverables")).toContainText("report.csv");
  await expect(page.getByRole("link", { name: "Download report.csv" })).toBeVisible();

  await openRun(page, ids.echo, "ENDED");
  await expect(page.getByTestId("log-stdout")).toContainText(`Hello from run ${ids.echo} of DemoEcho on node1`);
  await expect(page.getByRole("cell", { name: "greeting" })).toBeVisible();
  await fullScreenshot(page, "test-results/screenshots/run-detail.png");

  // A row's own actions: relaunch the ended echo run from its row in History.
  await page.goto(`/runs?tab=history&app=DemoEcho`);
  await page.getByRole("button", { name: `Actions for run ${ids.echo}` }).click();
  await page.getByRole("menuitem", { name: "Relaunch" }).click();
  await page.getByRole("alertdialog", { name: `Relaunch run ${ids.echo}?` }).getByRole("button", { name: "Relaunch" }).click();
  await expect(page.locator("[data-sonner-toast]").filter({ hasText: /1 run relaunched: new run \d+/ })).toBeVisible();

  // A long run, killed from its page.
  await page.goto("/runs");
  ids.sleep = await launch(page, "DemoSleep");
  await openRun(page, ids.sleep, "RUNNING");
  await page.getByRole("toolbar", { name: "Run actions" }).getByRole("button", { name: "Kill" }).click();
  const confirm = page.getByRole("alertdialog", { name: `Kill run ${ids.sleep}?` });
  await expect(confirm).toContainText("This applies to 1 run");
  await confirm.getByRole("button", { name: "Kill" }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByTestId("run-state").first()).toHaveText("CRASHED", { timeout: 30_000 });
  await expect(page.getByTestId("run-messages")).toContainText("killed by root");
});

test("a support user opens runs and downloads their files and logs, but cannot act on them", async ({ page, request }) => {
  test.setTimeout(90_000);
  expect(ids.report, "the first test launched the runs").toBeDefined();
  const support = `support-${Math.random().toString(36).slice(2, 8)}`;
  const out = execFileSync(process.execPath, ["bin/jobwarden.mjs", "user", "add", support, "--role", "client read only"], { env: e2eProcessEnv }).toString();
  const password = /Password \(shown once\): (\S+)/.exec(out)?.[1] ?? "";
  expect(password).not.toBe("");

  // Signed out, nothing is served.
  const anonymous = await request.get(`/api/runs/${ids.echo}/logs/stdout`);
  expect(anonymous.status()).toBe(401);

  await login(page, support, password);
  await page.goto(`/runs?tab=history&app=DemoReport`);
  await expect(page.getByRole("link", { name: `Run ${ids.report}`, exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "New launch" })).toHaveCount(0);
  await expect(page.getByRole("checkbox")).toHaveCount(0);

  await page.getByRole("link", { name: `Run ${ids.report}`, exact: true }).click();
  await expect(page.getByTestId("run-state").first()).toHaveText("ENDED");
  await expect(page.getByRole("toolbar", { name: "Run actions" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Relaunch" })).toHaveCount(0);
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download report.csv" }).click()]);
  expect(file.suggestedFilename()).toBe("report.csv");
  expect(readFileSync(await file.path(), "utf8")).toBe(`run,node\n${ids.report},node1\n`);

  await page.goto(`/runs/${ids.sleep}`);
  await expect(page.getByTestId("run-state").first()).toHaveText("CRASHED");
  await expect(page.getByRole("button", { name: "Kill" })).toHaveCount(0);

  await page.goto(`/runs/${ids.echo}`);
  await expect(page.getByTestId("log-stdout")).toContainText(`Hello from run ${ids.echo}`);
  const [log] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download full log" }).click()]);
  expect(log.suggestedFilename()).toBe(`${ids.echo}.stdout.txt`);
  expect(readFileSync(await log.path(), "utf8")).toContain(`Hello from run ${ids.echo} of DemoEcho on node1`);

  // The API refuses what the page does not offer, and malformed handles.
  const kill = await page.request.post("/api/trpc/run.kill", {
    data: { json: { ids: [ids.echo] } },
    headers: { origin: new URL(page.url()).origin },
  });
  expect(kill.status()).toBe(403);
  expect((await page.request.get("/api/files/not-a-download-id")).status()).toBe(400);
  expect((await page.request.get(`/api/runs/${ids.echo}/logs/stdin`)).status()).toBe(400);
});

/**
 * GET with the path sent byte for byte (URL parsers resolve `..` before sending), as the signed-in page,
 * following the server's redirects on the same origin as a browser would.
 */
async function rawGet(context: BrowserContext, baseURL: string, path: string, hops = 5): Promise<{ status: number; body: string; via: string[] }> {
  const url = new URL(baseURL);
  const cookie = (await context.cookies(baseURL)).map((c) => `${c.name}=${c.value}`).join("; ");
  const answer = await new Promise<{ status: number; body: string; location?: string }>((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers: { cookie } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
    });
    req.on("error", reject);
    req.end();
  });
  if (answer.status >= 300 && answer.status < 400 && answer.location && hops > 0) {
    const next = new URL(answer.location, baseURL);
    expect(next.origin, `${path} redirects off the console`).toBe(url.origin);
    const followed = await rawGet(context, baseURL, next.pathname + next.search, hops - 1);
    return { ...followed, via: [path, ...followed.via] };
  }
  return { status: answer.status, body: answer.body, via: [path] };
}

test("a log path that climbs out of the log directory is refused, however it is written", async ({ page, baseURL }) => {
  expect(ids.echo, "the first test launched the runs").toBeDefined();
  await login(page, "root", rootPassword());
  const base = baseURL!;
  const secret = readFileSync(join(E2E_HOME, "root-password.txt"), "utf8").trim();

  // The same client reads the log itself, so the refusals below are about the path, not the session.
  const own = await rawGet(page.context(), base, `/api/runs/${ids.echo}/logs/stdout`);
  expect(own.status).toBe(200);
  expect(own.body).toContain(`Hello from run ${ids.echo}`);

  // The log directory is E2E_HOME/nodes/node1/logs: three levels up is root's password file.
  const up = "../".repeat(3);
  const deep = "../".repeat(12);
  const paths = [
    `/api/runs/${ids.echo}/logs/${up}root-password.txt`,
    `/api/runs/${ids.echo}/logs/${deep}etc/passwd`,
    `/api/runs/${ids.echo}/logs/..`,
    `/api/runs/${ids.echo}/logs/${up.replaceAll("../", "%2e%2e%2f")}root-password.txt`,
    `/api/runs/${ids.echo}/logs/${deep.replaceAll("../", "..%2f")}etc%2fpasswd`,
    `/api/runs/${ids.echo}/logs/%2e%2e`,
    `/api/runs/${ids.echo}/logs/..%5c..%5c..%5croot-password.txt`,
    `/api/runs/${ids.echo}%2f..%2f..%2f..%2f/logs/stdout`,
  ];
  for (const path of paths) {
    const answer = await rawGet(page.context(), base, path);
    const what = `${answer.via.join(" → ")} answered ${answer.status}: ${answer.body.slice(0, 200)}`;
    expect(answer.status, what).toBeGreaterThanOrEqual(400);
    expect(answer.status, what).toBeLessThan(500);
    expect(answer.status, what).not.toBe(401);
    expect(answer.body, what).not.toContain(secret);
    expect(answer.body, what).not.toContain("root:x:0:0");
  }
});
