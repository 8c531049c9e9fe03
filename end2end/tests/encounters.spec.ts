import { expect, hydrated, signIn, signOut, test } from "./helpers";

test("a doctor completes a visit and writes the note with a coded diagnosis and a prescription; the patient reads it and sees who wrote it", async ({ page }, info) => {
  // One of patient2's confirmed visits with the dermatologist whose time has passed (demo history).
  await signIn(page, "derma@caduceus.test");
  const visits = await (await page.request.get("/api/appointments?status=accepted&limit=100")).json();
  const past = visits.filter((a: { starts_at: string; patient_name: string }) =>
    a.patient_name === "Paula Second" && new Date(a.starts_at) < new Date());
  expect(past.length, "a past confirmed visit to complete").toBeGreaterThan(0);
  const visit = past[past.length - 1];
  const treatment = `Emollients; avoid hot showers (${info.project.name} ${Date.now()})`;

  // The visit is completed on its page, then the note is written from there.
  await page.goto(`/appointments/${visit.id}`);
  await hydrated(page);
  await page.getByLabel("Visit notes").fill("Itchy rash on both elbows.");
  await page.getByRole("button", { name: "Complete" }).click();
  await page.getByRole("link", { name: "Write the visit note" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Visit note");
  await hydrated(page);

  // The diagnosis comes from the ICD-10 type-ahead.
  await page.getByLabel("Find a diagnosis").fill("atopic dermatitis");
  const suggestions = page.getByRole("list", { name: "Suggested diagnoses" });
  await expect(suggestions).toContainText("L20.9 — Atopic dermatitis, unspecified");
  await suggestions.getByRole("button", { name: "L20.9 — Atopic dermatitis, unspecified" }).click();
  await expect(page.getByRole("list", { name: "Chosen diagnoses" })).toContainText("L20.9 — Atopic dermatitis, unspecified");
  await page.getByLabel("Treatment").fill(treatment);
  await page.getByRole("button", { name: "Add a medicine" }).click();
  const medicine = page.getByRole("group", { name: "Medicine" });
  await medicine.getByLabel("Drug").fill("Hydrocortisone 1% cream");
  await medicine.getByLabel("Dose").fill("thin layer");
  await medicine.getByLabel("Route").fill("topical");
  await medicine.getByLabel("Frequency").fill("twice a day");
  await medicine.getByLabel("Days").fill("fourteen");
  await page.getByRole("button", { name: "Save the note" }).click();
  // A number that isn't one is caught before anything is sent.
  await expect(page.getByRole("alert")).toContainText("duration of Hydrocortisone 1% cream must be a whole number");
  await medicine.getByLabel("Days").fill("14");
  await page.getByRole("button", { name: "Save the note" }).click();

  // The encounter's page.
  await expect(page).toHaveURL(/\/medical-records\/\d+$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Encounter of");
  await expect(page.getByRole("list", { name: "Diagnoses" })).toContainText("L20.9 — Atopic dermatitis, unspecified");
  await expect(page.getByRole("list", { name: "Prescriptions" })).toContainText("Hydrocortisone 1% cream thin layer topical, twice a day, 14 days");
  const notePage = page.url();
  // The visit has its note now: "Write the visit note" leads to it, not to a second one.
  await page.goto(`/appointments/${visit.id}`);
  await hydrated(page);
  await page.getByRole("link", { name: "Write the visit note" }).click();
  await expect(page.getByText("This visit already has a note.")).toBeVisible();
  await page.getByRole("link", { name: "Open it" }).click();
  await expect(page).toHaveURL(notePage);
  await signOut(page);

  // The patient finds it in their record, and the doctor in "Who viewed my record".
  await signIn(page, "patient2@caduceus.test");
  await page.getByRole("link", { name: "Health record" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("My health record");
  const timeline = page.getByRole("list", { name: "Encounters" });
  await expect(timeline).toContainText(treatment);
  await expect(timeline).toContainText("L20.9 — Atopic dermatitis, unspecified");
  await expect(page.getByRole("list", { name: "Medications" })).toContainText("Hydrocortisone 1% cream");
  await page.goto("/privacy");
  await hydrated(page);
  const log = page.getByRole("list", { name: "Accesses to your record" });
  await expect(log).toContainText("Dr. Lena Fischer");
  await expect(log).toContainText("wrote a visit note");
});
