import { expect, hydrated, signIn, signOut, test, uniqueEmail } from "./helpers";

test("an admin creates a nurse account and the nurse signs in", async ({ page }, info) => {
  const email = uniqueEmail("nina", info.project.name);
  const password = "quiet-meadow-lantern";

  await signIn(page, "admin@caduceus.test");
  await page.getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();

  const form = page.getByRole("form", { name: "Create an account" });
  await form.getByLabel("Full name").fill("Nina Nightingale");
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Initial password").fill(password);
  await form.getByLabel("Role").selectOption("nurse");
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("status")).toContainText(`Created nurse account for Nina Nightingale (${email})`);
  await expect(page.locator(`tr[data-email="${email}"]`)).toContainText("Nurse");

  // The list narrows by role and by part of a name, as the admin types.
  await page.getByLabel("Filter by role").selectOption("doctor");
  await expect(page.locator(`tr[data-email="${email}"]`)).toHaveCount(0);
  await expect(page.locator("tbody tr").first()).toContainText("Doctor");
  await page.getByLabel("Filter by role").selectOption("");
  await page.getByLabel("Search users").fill(email);
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await expect(page.locator("tbody tr")).toContainText("Nina Nightingale");

  await signOut(page);
  await signIn(page, email, password);
  await expect(page.getByText("Nurse dashboard")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Emergency board" })).toBeVisible();
});

test("an admin finds a patient's refused access in the audit log", async ({ page, browser }) => {
  const patientContext = await browser.newContext();
  const patient = await patientContext.newPage();
  await signIn(patient, "patient2@caduceus.test");
  await patient.goto("/admin/audit");
  await expect(patient.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await patientContext.close();

  await signIn(page, "admin@caduceus.test");
  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  await page.getByLabel("Outcome").selectOption("denied");
  const row = page.locator("tbody tr", { hasText: "GET /admin/audit" }).first();
  await expect(row).toContainText("access.denied");
  await expect(row).toContainText("(patient)");
  await expect(page.locator("tbody tr", { hasText: "auth.login" })).toHaveCount(0);
});

test("an admin sees the audit chain intact and verifies it again", async ({ page }) => {
  await signIn(page, "admin@caduceus.test");
  await page.goto("/admin/audit");
  await hydrated(page);
  const chain = page.getByRole("region", { name: "Hash chain" });
  // The server verifies the chain when it starts and every 15 minutes after.
  await expect(chain.getByRole("status")).toContainText("intact");
  await chain.getByRole("button", { name: "Verify now" }).click();
  await expect(chain.getByRole("status")).toContainText("(admin)");
});
