import { expect, hydrated, signIn, signOut, test, uniqueEmail } from "./helpers";

test("the desk registers a walk-in, a second registration is caught, and the patient sets a password from the invitation", async ({ page, browser }, info) => {
  const email = uniqueEmail("walk.in", info.project.name);
  // A name of its own per run and screen size, so reruns don't meet the duplicate check.
  const name = `Wendy Walkin ${info.project.name} ${Date.now()}`;
  const password = "amber-kettle-sunrise";

  await signIn(page, "staff@caduceus.test");
  await page.getByRole("link", { name: "Patients", exact: true }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Patients");
  await page.getByRole("link", { name: "Register a patient" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Register a patient");
  await hydrated(page);
  const form = page.getByRole("form", { name: "Register a patient" });
  await form.getByLabel("Full name").fill(name);
  await form.getByLabel("Date of birth").fill("1961-09-30");
  await form.getByLabel("Gender").selectOption("female");
  await form.getByLabel("Email (optional)").fill(email);
  await form.getByLabel("Phone", { exact: true }).fill("+1 555 303 4477");
  await form.getByRole("button", { name: "Register" }).click();
  const done = page.getByRole("status").filter({ hasText: "is registered as" });
  await expect(done).toContainText(new RegExp(`${name} is registered as MRN\\d{8}`));
  await expect(done).toContainText(`An invitation to set a password was sent to ${email}`);
  const mrn = (await done.textContent())!.match(/MRN\d{8}/)![0];

  // The same person again: refused with the existing MRN, and the form offers the way out.
  await form.getByRole("button", { name: "Register" }).click();
  await expect(page.getByRole("alert")).toContainText(`already registered as ${mrn}`);
  await expect(form.getByLabel(/this is a different person/)).toBeVisible();

  // Found in the registry by MRN.
  await page.goto(`/patients?q=${mrn}`);
  await hydrated(page);
  await expect(page.getByRole("list", { name: "Patients found" })).toContainText(name);
  await signOut(page);

  // The invitation waits in the outbox (no SMTP here); an admin can read it.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, "admin@caduceus.test");
  await admin.getByRole("link", { name: "Outbox" }).click();
  const mail = admin.locator("article.mail", { hasText: email }).first();
  await expect(mail).toContainText("Your patient portal account");
  const link = await mail.getByRole("link").first().getAttribute("href");
  expect(link).toContain("/welcome?token=");
  await adminContext.close();

  // The patient chooses a password, then signs in.
  await page.goto(new URL(link!).pathname + new URL(link!).search);
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Welcome to your patient portal");
  await page.getByLabel("New password").fill(password);
  await page.getByRole("button", { name: "Set my password" }).click();
  await expect(page).toHaveURL(/\/login\?welcome=1/);
  await expect(page.getByRole("status").first()).toContainText("Your password is set");
  await signIn(page, email, password);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/Welcome, Wendy/);
});
