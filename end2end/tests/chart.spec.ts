import { APIRequestContext } from "@playwright/test";
import { DEMO_PASSWORD, expect, hydrated, signIn, signOut, test } from "./helpers";

/** Pat Patient's demo visit with Dr. Grey (doctor@), completed three weeks ago, as the patient finds it. */
async function patsCompletedVisit(request: APIRequestContext): Promise<{ id: number; patient_id: number }> {
  const login = await request.post("/api/auth/login", { data: { email: "patient@caduceus.test", password: DEMO_PASSWORD } });
  const token = (await login.json()).token;
  const headers = { Authorization: `Bearer ${token}` };
  const visits = await (await request.get("/api/appointments?status=completed", { headers })).json();
  await request.post("/api/auth/logout", { headers });
  return visits[0];
}

test("a doctor records an allergy and history, a nurse records vitals, and the patient sees both and who looked", async ({ page }, info) => {
  const visit = await patsCompletedVisit(page.request);
  // One substance per run and screen size: the journey runs twice against one server.
  const substance = `Amoxicillin ${info.project.name} ${Date.now()}`;

  // The doctor opens the chart from the visit.
  await signIn(page, "doctor@caduceus.test");
  await page.goto(`/appointments/${visit.id}`);
  await hydrated(page);
  await page.getByRole("link", { name: "Open chart" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pat Patient");
  const allergyForm = page.getByRole("form", { name: "Add an allergy" });
  await allergyForm.getByLabel("Substance").fill(substance);
  await allergyForm.getByLabel("Severity").selectOption("severe");
  await allergyForm.getByLabel("Reaction").fill("Hives and swelling");
  await allergyForm.getByRole("button", { name: "Add allergy" }).click();
  await expect(page.locator(".allergy-banner")).toContainText(`${substance} (severe)`);
  // The same substance again is refused with the reason.
  await allergyForm.getByLabel("Substance").fill(`  ${substance.toUpperCase()} `);
  await allergyForm.getByRole("button", { name: "Add allergy" }).click();
  await expect(page.getByRole("alert")).toContainText("already has an active allergy");

  const historyForm = page.getByRole("form", { name: "Add to the history" });
  await historyForm.getByLabel("Kind").selectOption("surgery");
  await historyForm.getByLabel("What").fill(`Appendectomy ${info.project.name}`);
  await historyForm.getByLabel("When (optional)").fill("2001-06-30");
  await historyForm.getByRole("button", { name: "Add to history" }).click();
  await expect(page.getByRole("list", { name: "Surgeries" })).toContainText(`Appendectomy ${info.project.name}`);
  await signOut(page);

  // The nurse records vitals from the same visit; an impossible value is refused first.
  await signIn(page, "nurse@caduceus.test");
  await page.goto(`/appointments/${visit.id}`);
  await hydrated(page);
  await page.getByRole("link", { name: "Open chart" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pat Patient");
  const vitalsForm = page.getByRole("form", { name: "Record vitals" });
  await vitalsForm.getByLabel("Pulse (/min)").fill("400");
  await vitalsForm.getByRole("button", { name: "Record vitals" }).click();
  await expect(page.getByRole("alert")).toContainText("Pulse (beats per minute) must be between 20 and 300");
  await vitalsForm.getByLabel("Systolic (mmHg)").fill("124");
  await vitalsForm.getByLabel("Diastolic (mmHg)").fill("79");
  await vitalsForm.getByLabel("Pulse (/min)").fill("68");
  await vitalsForm.getByLabel("Weight (kg)").fill("80");
  await vitalsForm.getByLabel("Height (cm)").fill("180");
  await vitalsForm.getByRole("button", { name: "Record vitals" }).click();
  await expect(page.getByText("Vitals recorded.")).toBeVisible();
  const newest = page.locator(".vitals-table tbody tr").first();
  await expect(newest).toContainText("124/79");
  await expect(newest).toContainText("24.7"); // BMI from 80 kg and 180 cm
  await signOut(page);

  // The patient reads their record (no forms), then sees who opened it.
  await signIn(page, "patient@caduceus.test");
  await page.getByRole("link", { name: "Health record" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("My health record");
  await expect(page.locator(".allergy-banner")).toContainText(substance);
  await expect(page.getByRole("list", { name: "Surgeries" })).toContainText(`Appendectomy ${info.project.name}`);
  await expect(page.locator(".vitals-table")).toContainText("124/79");
  await expect(page.getByRole("form", { name: "Record vitals" })).toHaveCount(0);
  await page.goto("/privacy");
  await hydrated(page);
  const log = page.getByRole("list", { name: "Accesses to your record" });
  await expect(log).toContainText("Nora Nurse");
  await expect(log).toContainText("recorded your vitals");
  await expect(log).toContainText("recorded an allergy");
});

test("a doctor who never treated the patient doesn't get the chart", async ({ page }) => {
  const visit = await patsCompletedVisit(page.request);
  await signIn(page, "ent@caduceus.test");
  await page.goto(`/patients/${visit.patient_id}/chart`);
  await hydrated(page);
  await expect(page.getByText("Patient not found.")).toBeVisible();
  await expect(page.getByRole("form", { name: "Add an allergy" })).toHaveCount(0);
});

test("a doctor without a visit opens the chart through break-glass, and the patient sees why", async ({ page }, info) => {
  const visit = await patsCompletedVisit(page.request);
  // A doctor who has never seen Pat, one per screen size (a grant lasts hours).
  const doctor = info.project.name === "desktop" ? "gp@caduceus.test" : "gp2@caduceus.test";
  const reason = `Found collapsed in the lobby, Dr. Grey unreachable (${info.project.name})`;
  await signIn(page, doctor);
  await page.goto(`/patients/${visit.patient_id}/chart`);
  await hydrated(page);
  await expect(page.getByText("Patient not found.")).toBeVisible();
  const emergency = page.getByRole("form", { name: "Emergency access" });
  await emergency.getByLabel("Reason").fill(reason);
  await emergency.getByRole("button", { name: "Open the chart (break-glass)" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pat Patient");
  await expect(page.locator(".allergy-banner")).toBeVisible();
  await signOut(page);

  // The patient sees the emergency access and its reason.
  await signIn(page, "patient@caduceus.test");
  await page.goto("/privacy");
  await hydrated(page);
  const log = page.getByRole("list", { name: "Accesses to your record" });
  await expect(log).toContainText("opened your chart in an emergency");
  await expect(log).toContainText(`Reason given: ${reason}`);
  await signOut(page);

  // The admins find it in their list.
  await signIn(page, "admin@caduceus.test");
  await page.getByRole("link", { name: "Emergency access" }).first().click();
  await expect(page.getByRole("list", { name: "Emergency accesses" })).toContainText(reason);
});

test("a doctor finds their patients in 'My patients', a nurse searches everyone", async ({ page }) => {
  await signIn(page, "doctor@caduceus.test");
  await page.getByRole("link", { name: "My patients" }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("My patients");
  const mine = page.getByRole("list", { name: "Patients found" });
  await expect(mine).toContainText("Pat Patient");
  await expect(mine).toContainText(/MRN\d{8}/);
  // Paula has never seen Dr. Grey: not his patient.
  await page.getByLabel("Find a patient").fill("Paula");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("No patient found.")).toBeVisible();
  await page.getByLabel("Find a patient").fill("Pat Pat");
  await page.getByRole("button", { name: "Search" }).click();
  await mine.getByRole("link", { name: "Pat Patient" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pat Patient");
  await expect(page.getByText(/MRN\d{8}/)).toBeVisible();
  await signOut(page);

  await signIn(page, "nurse@caduceus.test");
  await page.goto("/patients?q=Paula");
  await hydrated(page);
  await expect(page.getByRole("list", { name: "Patients found" })).toContainText("Paula Second");
  // Too little to search for says so.
  await page.getByLabel("Find a patient").fill("Pa");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("Type at least 3 letters of the name.")).toBeVisible();
});

/** A one-page PDF, written out by hand with its cross-reference table. */
function onePagePdf(): Buffer {
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
  ];
  let pdf = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, "latin1");
}

test("a nurse files a lab result on the chart, and the patient opens it from their record", async ({ page }, info) => {
  const visit = await patsCompletedVisit(page.request);
  const title = `Full blood count ${info.project.name} ${Date.now()}`;
  await signIn(page, "nurse@caduceus.test");
  await page.goto(`/patients/${visit.patient_id}/chart`);
  await hydrated(page);
  const form = page.getByRole("form", { name: "Add a document" });
  // A web page named like a picture is refused, and the form says why.
  await form.getByLabel("Title").fill("Not really a scan");
  await form.getByLabel("File (PDF, PNG or JPEG)").setInputFiles({
    name: "scan.png",
    mimeType: "image/png",
    buffer: Buffer.from("<!doctype html><script>alert(1)</script>"),
  });
  await form.getByRole("button", { name: "Add document" }).click();
  await expect(page.getByRole("region", { name: "Documents" }).getByRole("alert")).toContainText("Upload a PDF, PNG or JPEG");

  await form.getByLabel("Title").fill(title);
  await form.getByLabel("Kind").selectOption("lab");
  await form.getByLabel("File (PDF, PNG or JPEG)").setInputFiles({ name: "fbc.pdf", mimeType: "application/pdf", buffer: onePagePdf() });
  await form.getByRole("button", { name: "Add document" }).click();
  await expect(page.getByText(`Added: ${title}.`)).toBeVisible();
  await expect(page.getByRole("list", { name: "Documents" })).toContainText(title);
  await signOut(page);

  // The patient finds it in their record and opens it; the nurse's filing is in their log.
  await signIn(page, "patient@caduceus.test");
  await page.goto("/records");
  await hydrated(page);
  await expect(page.getByRole("list", { name: "Documents" })).toContainText(title);
  const open = page.getByRole("link", { name: `Open ${title}` });
  const file = await page.request.get((await open.getAttribute("href"))!);
  expect(file.status()).toBe(200);
  expect(file.headers()["content-type"]).toBe("application/pdf");
  expect(file.headers()["x-content-type-options"]).toBe("nosniff");
  expect((await file.body()).subarray(0, 5).toString()).toBe("%PDF-");
  await page.goto("/privacy");
  await hydrated(page);
  await expect(page.getByRole("list", { name: "Accesses to your record" })).toContainText("added a document to your chart");
});
