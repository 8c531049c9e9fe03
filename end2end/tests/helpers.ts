import { expect, Page, test as base } from "@playwright/test";

/**
 * The test function every spec uses: it fails a test whose page logged an error (a WASM
 * panic during hydration shows up only there, while links and forms keep working).
 */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("console", (message) => {
        // The browser logs every 4xx answer; tests that exercise refusals expect those.
        const expectedRefusal = /status of 4\d\d/.test(message.text());
        if (message.type() === "error" && !expectedRefusal) errors.push(message.text());
      });
      await use(errors);
      expect(errors, "errors in the browser console").toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

export const DEMO_PASSWORD = "caduceus-demo";

/** Waits until the WASM has hydrated the page, so clicks are not lost. */
export async function hydrated(page: Page) {
  await page.waitForSelector("body[data-hydrated]", { timeout: 20_000 });
}

export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome");
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).first().click();
  await expect(page).toHaveURL(/\/login\?signed_out=1/);
  await expect(page.getByRole("status")).toContainText("signed out");
}

/** A unique address per run, so reruns against the same server don't collide. */
export function uniqueEmail(prefix: string, project: string) {
  return `${prefix}.${project}.${Date.now()}@example.org`;
}
