import { expect, hydrated, signIn, signOut, test, uniqueEmail, DEMO_PASSWORD } from "./helpers";

test("a patient registers, confirms the email, signs in, edits the profile and signs out", async ({ page, browser }, info) => {
  const email = uniqueEmail("ann", info.project.name);
  const password = "lilac-harbour-tuesday";

  // Register.
  await page.goto("/register");
  await hydrated(page);
  await page.getByLabel("Full name").fill("Ann Tester");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/login\?registered=patient/);
  await expect(page.getByRole("status").first()).toContainText("We sent a confirmation link");

  // The confirmation email waits in the outbox (no SMTP here); an admin can read it.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, "admin@caduceus.test");
  await admin.getByRole("link", { name: "Outbox" }).click();
  const mail = admin.locator("article.mail", { hasText: email }).first();
  await expect(mail).toContainText("Confirm your email address");
  const link = await mail.getByRole("link").first().getAttribute("href");
  expect(link).toContain("/verify-email?token=");
  await adminContext.close();

  // Follow the link and confirm.
  await page.goto(new URL(link!).pathname + new URL(link!).search);
  await hydrated(page);
  await page.getByRole("button", { name: "Confirm my email" }).click();
  await expect(page).toHaveURL(/\/login\?verified=1/);
  await expect(page.getByRole("status").first()).toContainText("email address is confirmed");

  // Sign in: the dashboard no longer asks to confirm the email.
  await signIn(page, email, password);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Welcome, Ann");
  await expect(page.getByText("Please confirm your email address")).toHaveCount(0);

  // Edit the profile.
  await page.getByRole("link", { name: "Profile" }).click();
  await expect(page.getByRole("heading", { name: "Your profile" })).toBeVisible();
  await expect(page.getByText("confirmed", { exact: true })).toBeVisible();
  await page.getByLabel("Phone", { exact: true }).fill("+1 555 010 2030");
  await page.getByLabel("Blood group").selectOption("O-");
  await page.getByLabel("Date of birth").fill("1985-04-12");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByText("Profile saved.")).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Phone", { exact: true })).toHaveValue("+1 555 010 2030");
  await expect(page.getByLabel("Blood group")).toHaveValue("O-");

  // A bad value is explained, not saved.
  await page.getByLabel("Phone", { exact: true }).fill("call me maybe");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByRole("alert")).toContainText("not a phone number");

  // Sign out: the profile is no longer reachable.
  await signOut(page);
  await page.goto("/profile");
  await expect(page).toHaveURL(/\/login\?next=\/profile/);
});

test("a wrong password is refused with a clear message", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill("patient@caduceus.test");
  await page.getByLabel("Password").fill("not-my-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Invalid email or password.");
});

test("a patient can not open staff pages", async ({ page }) => {
  await signIn(page, "patient@caduceus.test");
  await expect(page.getByRole("link", { name: "Users" })).toHaveCount(0);
  await page.goto("/users");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("sign-in works as a plain form, and explains a failure", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill("patient@caduceus.test");
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toHaveText("Invalid email or password.");

    await page.getByLabel("Email").fill("patient@caduceus.test");
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Welcome, Pat");

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login\?signed_out=1/);
  });
});

test("an error page names its reference, the id of the request in the server's log", async ({ page }) => {
  await signIn(page, "patient@caduceus.test");
  await page.goto("/appointments/987654321");
  await hydrated(page);
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("Appointment not found.");
  await expect(alert.locator("code")).toHaveText(/^[0-9a-f]{32}$/);
});
