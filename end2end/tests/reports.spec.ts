import { readFileSync } from "node:fs";
import { expect, hydrated, signIn, test } from "./helpers";

function usd(cents: number) {
  return `${(cents / 100).toFixed(2)} USD`;
}

test("a manager opens the revenue dashboard, narrows the range and downloads the CSV", async ({ page }) => {
  await signIn(page, "manager@caduceus.test");
  // The dashboard's panel shows the last 30 days; the reports are a click away.
  await expect(page.getByRole("heading", { name: "Last 30 days" })).toBeVisible();
  await page.getByRole("navigation").getByRole("link", { name: "Reports" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Reports");
  await hydrated(page);

  // The last twelve months by default, the figures as the API has them.
  await expect(page.getByRole("link", { name: "Last 12 months" })).toHaveAttribute("aria-current", "true");
  const summary = await (await page.request.get("/api/reports/revenue-summary")).json();
  expect(summary.totals.billed_cents, "the demo's visits are billed").toBeGreaterThan(0);
  const billed = page.locator(".kpi").filter({ hasText: "Billed" });
  await expect(billed.locator("dd")).toHaveText(usd(summary.totals.billed_cents));
  await expect(page.getByRole("img", { name: /Billed and collected by month/ })).toBeVisible();
  const byMonth = page.getByRole("table", { name: "By month" });
  await expect(byMonth.locator("tbody tr")).toHaveCount(12);
  await expect(page.getByRole("table", { name: "By doctor" })).toContainText("Dr. Derek Grey");

  // Narrowed to a month before the clinic opened: nothing billed, one month in the table.
  await page.getByLabel("From", { exact: true }).fill("2020-01-01");
  await page.getByLabel("To", { exact: true }).fill("2020-01-31");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/from=2020-01-01&to=2020-01-31/);
  await expect(billed.locator("dd")).toHaveText("0.00 USD");
  await expect(byMonth.locator("tbody tr")).toHaveCount(1);
  await expect(byMonth.locator("tbody tr")).toContainText("2020-01");

  // The by-month table as CSV, for that range.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("region", { name: "By month" }).getByRole("link", { name: "Download CSV" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("revenue-by-month-usd-2020-01-01-to-2020-01-31.csv");
  const csv = readFileSync((await download.path())!, "utf8");
  expect(csv).toBe("Month,Invoices,Billed,Collected,Outstanding\r\n2020-01,0,0.00,0.00,0.00\r\n");

  // A preset brings the months back; the patient summary is the other tab.
  await page.getByRole("link", { name: "Last 2 years" }).click();
  await expect(byMonth.locator("tbody tr")).toHaveCount(24);
  await page.getByRole("link", { name: "Patients", exact: true }).click();
  await expect(page.getByRole("table", { name: "Patients by number of visits" })).toBeVisible();
  await expect(page.locator(".kpi").filter({ hasText: "No-show rate" }).locator("dd")).toHaveText(/%$/);
});

test("the reports are not for the front desk", async ({ page }) => {
  await signIn(page, "staff@caduceus.test");
  await expect(page.getByRole("navigation").getByRole("link", { name: "Reports" })).toHaveCount(0);
  await page.goto("/reports");
  await expect(page.getByRole("table", { name: "By month" })).toHaveCount(0);
  expect((await page.request.get("/api/reports/revenue-summary")).status()).toBe(403);
});
