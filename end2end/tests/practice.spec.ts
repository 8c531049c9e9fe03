import { expect, hydrated, signIn, test } from "./helpers";

test("a doctor edits their fee, weekly hours and a day off, and patients see it", async ({ page }) => {
  await signIn(page, "neuro@caduceus.test");
  await page.getByRole("link", { name: "Practice" }).click();
  await hydrated(page);

  const profile = page.getByRole("region", { name: "Profile and fee" });
  await profile.getByLabel("Consultation fee").fill("155.50");
  await profile.getByLabel("Languages").fill("English, Arabic");
  await profile.getByRole("button", { name: "Save profile" }).click();
  await expect(profile.getByRole("status")).toHaveText("Saved.");

  // Bad hours are explained, and nothing changes.
  const hours = page.getByRole("region", { name: "Weekly hours" });
  await hours.getByLabel("Saturday").fill("9 to 5");
  await hours.getByRole("button", { name: "Save hours" }).click();
  await expect(hours.getByRole("alert")).toContainText("Saturday: write hours like 10:00-13:00");
  await hours.getByLabel("Saturday").fill("09:00-12:00");
  await hours.getByRole("button", { name: "Save hours" }).click();
  await expect(hours.getByRole("status")).toHaveText("Saved.");
  await expect(hours.getByLabel("Saturday")).toHaveValue("09:00-12:00");

  const daysOff = page.getByRole("region", { name: "Days off" });
  const day = new Date(Date.now() + 40 * 86400000).toISOString().slice(0, 10);
  await daysOff.getByLabel("Date").fill(day);
  await daysOff.getByLabel("Reason (optional)").fill("Conference");
  await daysOff.getByRole("button", { name: "Add day off" }).click();
  const label = new Date(day + "T12:00:00Z").toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).replace(",", "");
  await expect(daysOff.getByRole("listitem").filter({ hasText: label })).toBeVisible();

  // The directory shows the new fee; that day has no free slots.
  await page.goto("/doctors?q=Haddad");
  await expect(page.getByRole("list", { name: "Doctors" })).toContainText("155.50 USD");
  const response = await page.request.get("/api/doctors?q=Haddad");
  const [doctor] = await response.json();
  const slots = await (await page.request.get(`/api/doctors/${doctor.id}/available_slots?date=${day}`)).json();
  expect(slots.slots).toEqual([]);
});
