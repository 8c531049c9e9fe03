import { expect, hydrated, signIn, test } from "./helpers";

/** The WASM files the page fetched, with the bytes that crossed the network for each. */
async function wasmTransfers(page: import("@playwright/test").Page) {
  return page.evaluate(() =>
    (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
      .filter((entry) => new URL(entry.name).pathname.endsWith(".wasm"))
      .map((entry) => ({ url: entry.name, transferred: entry.transferSize, size: entry.decodedBodySize })),
  );
}

test("a second visit downloads no WASM: the hashed files come from the browser's cache", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  // A chunk wanted just after hydration must be in, not cut off by the next visit.
  await page.waitForLoadState("networkidle");
  const first = await wasmTransfers(page);
  // The main module and the sign-in page's chunk came over the network, compressed.
  expect(first.length).toBeGreaterThan(1);
  const main = first.find((entry) => /\/pkg\/caduceus\.[\w-]+\.wasm$/.test(entry.url));
  expect(main, "the main module").toBeDefined();
  expect(main!.transferred).toBeGreaterThan(0);
  expect(main!.transferred).toBeLessThan(main!.size);

  // Coming back: the page is asked for again, its code is not.
  await page.goto("/login");
  await hydrated(page);
  const second = await wasmTransfers(page);
  // The modules fetched the first time did not cross the network again. (A chunk wanted
  // only after hydration may join the second list a moment later: it was never cached.)
  expect(second.map((entry) => entry.url)).toContain(main!.url);
  const downloadedBefore = new Set(first.map((entry) => entry.url));
  for (const entry of second.filter((entry) => downloadedBefore.has(entry.url))) {
    expect(entry.transferred, `${entry.url} came from the cache`).toBe(0);
  }
  await page.getByLabel("Email").fill("patient@caduceus.test");
  await expect(page.getByLabel("Email")).toHaveValue("patient@caduceus.test");
});

test("a page whose code can't be downloaded says so, and Retry loads it once the network is back", async ({ page, consoleErrors }) => {
  await signIn(page, "patient@caduceus.test");
  // The connection drops: nothing more of the portal's code can be fetched.
  await page.route("**/pkg/*.wasm", (route) => route.abort("internetdisconnected"));
  await page.getByRole("link", { name: "Find a doctor" }).first().click();
  const failure = page.getByRole("alert");
  await expect(failure).toContainText("Couldn't load this page");
  await expect(failure).toContainText("Check your connection");

  // Back online: Retry brings the page.
  await page.unroute("**/pkg/*.wasm");
  await page.getByRole("button", { name: "Retry" }).click();
  await hydrated(page);
  await expect(page).toHaveURL(/\/doctors$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(/doctor/i);
  await expect(page.getByRole("alert")).toHaveCount(0);

  // The failed downloads were logged; nothing else was.
  const unexpected = consoleErrors.filter((message) => !/ERR_INTERNET_DISCONNECTED|failed to load|Failed to fetch|wasm/i.test(message));
  expect(unexpected).toEqual([]);
  consoleErrors.length = 0;
});
