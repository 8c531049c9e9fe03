import { expect, hydrated, signIn, signOut, test } from "./helpers";

test("the doctor completes a visit, the patient pays part online, the desk takes the rest in cash, and the receipt opens", async ({ page }) => {
  // One of patient2's confirmed visits with the dermatologist (90.00 USD) whose time has passed.
  await signIn(page, "derma@caduceus.test");
  const visits = await (await page.request.get("/api/appointments?status=accepted&limit=100")).json();
  const past = visits.filter((a: { starts_at: string; patient_name: string }) =>
    a.patient_name === "Paula Second" && new Date(a.starts_at) < new Date());
  expect(past.length, "a past confirmed visit to complete").toBeGreaterThan(0);
  const visit = past[0];
  await page.goto(`/appointments/${visit.id}`);
  await hydrated(page);
  await page.getByLabel("Visit notes").fill("Patch test negative.");
  await page.getByRole("button", { name: "Complete" }).click();
  await expect(page.getByText("Completed", { exact: true }).first()).toBeVisible();
  await signOut(page);

  // The patient finds the visit's bill from the dashboard and pays part of it online.
  await signIn(page, "patient2@caduceus.test");
  await expect(page.getByTestId("bills-owed")).toContainText("to pay");
  await page.getByRole("link", { name: "Bills" }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Bills and payments");
  const bills = page.getByRole("list", { name: "Bills" });
  const bill = bills.getByRole("listitem").filter({ hasText: "Consultation with Dr. Lena Fischer" }).filter({ hasText: "Due" }).first();
  await bill.getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/^Bill INV-\d+$/);
  const number = (await page.getByRole("heading", { level: 1 }).textContent())!.replace("Bill ", "");
  const invoiceUrl = page.url();
  await hydrated(page);
  await expect(page.getByTestId("invoice-status")).toHaveText("Due");
  await expect(page.getByTestId("fact-balance-due")).toHaveText("90.00 USD");
  const pay = page.getByRole("form", { name: "Pay online" });
  await pay.getByLabel("Amount (USD)").fill("40");
  await pay.getByLabel("Card number").fill("4000 0000 0000 0002");
  await pay.getByRole("button", { name: "Pay" }).click();
  await expect(pay.getByRole("alert")).toContainText("declined");
  await pay.getByLabel("Card number").fill("4242 4242 4242 4242");
  await pay.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByRole("status")).toContainText("Thank you: 40.00 USD paid.");
  await expect(page.getByTestId("invoice-status")).toHaveText("Partly paid");
  await expect(page.getByTestId("fact-balance-due")).toHaveText("50.00 USD");
  await signOut(page);

  // The desk finds it among the open invoices and takes the rest in cash.
  await signIn(page, "staff@caduceus.test");
  await page.getByRole("link", { name: "Billing" }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Billing");
  await hydrated(page);
  await page.getByLabel("Show").selectOption("outstanding");
  await page.getByRole("button", { name: "Show" }).click();
  await page.getByRole("list", { name: "Bills" }).getByRole("link", { name: new RegExp(number) }).click();
  await expect(page).toHaveURL(invoiceUrl);
  await hydrated(page);
  const desk = page.getByRole("form", { name: "Record a payment" });
  await expect(desk.getByLabel("Amount (USD)")).toHaveValue("50.00");
  await desk.getByLabel("Method").selectOption("cash");
  await desk.getByRole("button", { name: "Record payment" }).click();
  await expect(page.getByTestId("invoice-status")).toHaveText("Paid");
  await expect(page.getByTestId("fact-balance-due")).toHaveText("0.00 USD");
  const payments = page.getByRole("list", { name: "Payments and refunds" });
  await expect(payments).toContainText("40.00 USD paid by card online");
  await expect(payments).toContainText("50.00 USD paid by cash");

  // The cash payment's receipt opens, printable, with its PDF.
  await payments.getByRole("listitem").filter({ hasText: "paid by cash" }).getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/^Payment receipt R-\d+$/);
  await expect(page.locator("dl.receipt-facts")).toContainText("50.00 USD");
  await expect(page.locator("dl.receipt-facts")).toContainText(number);
  await expect(page.locator("dl.receipt-facts")).toContainText("0.00 USD");
  const pdf = await page.request.get((await page.getByRole("link", { name: "Download PDF" }).getAttribute("href"))!);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()["content-type"]).toBe("application/pdf");
  expect((await pdf.body()).subarray(0, 5).toString()).toBe("%PDF-");
});

test("the desk bills a service, lowers it with a credit note, and voids a bill made by mistake", async ({ page }, info) => {
  await signIn(page, "staff@caduceus.test");
  const found = await (await page.request.get("/api/patients?q=Pat%20Patient")).json();
  const mrn = found.find((p: { name: string }) => p.name === "Pat Patient").mrn;
  const service = `Dressing change (${info.project.name} ${Date.now()})`;
  await page.goto("/billing");
  await hydrated(page);
  await page.getByText("New invoice").click();
  const form = page.getByRole("form", { name: "New invoice" });
  await form.getByLabel("Patient (MRN)").fill(mrn);
  await form.getByLabel("Service 1").fill(service);
  await form.getByLabel("Quantity").first().fill("2");
  await form.getByLabel("Unit price").first().fill("12.50");
  await form.getByRole("button", { name: "Add a line" }).click();
  await form.getByLabel("Service 4").fill("Bandages");
  await form.getByLabel("Unit price").nth(3).fill("3");
  await form.getByRole("button", { name: "Create invoice" }).click();
  await expect(page.getByRole("status")).toContainText("created for Pat Patient");
  await page.getByRole("status").getByRole("link", { name: "Open it" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/^Bill INV-\d+$/);
  await hydrated(page);
  await expect(page.getByRole("table", { name: "Lines" })).toContainText(service);
  await expect(page.getByTestId("fact-total")).toHaveText("28.00 USD");

  // A credit note lowers it; then it is voided with a reason.
  await page.getByText("Lower the bill (credit note)").click();
  const credit = page.getByRole("form", { name: "Credit note" });
  await credit.getByLabel("Amount (USD)").fill("3");
  await credit.getByLabel("Reason").fill("Bandages not used");
  await credit.getByRole("button", { name: "Add credit note" }).click();
  await expect(page.getByTestId("fact-balance-due")).toHaveText("25.00 USD");
  await expect(page.getByRole("list", { name: "Payments and refunds" })).toContainText("Bandages not used");
  await page.getByText("Cancel this invoice (void)").click();
  const voiding = page.getByRole("form", { name: "Void" });
  await voiding.getByLabel("Reason").fill("Billed to the wrong patient");
  await voiding.getByRole("button", { name: "Void invoice" }).click();
  await expect(page.getByTestId("invoice-status")).toHaveText("Void");
  await expect(page.getByText("Cancelled: Billed to the wrong patient")).toBeVisible();
  await expect(page.getByRole("form", { name: "Record a payment" })).toHaveCount(0);
});

test("the desk claims a bill from the patient's insurer and follows the claim to paid; the patient sees it", async ({ page }, info) => {
  await signIn(page, "staff@caduceus.test");
  const found = await (await page.request.get("/api/patients?q=Paula%20Second")).json();
  const patient = found.find((p: { name: string }) => p.name === "Paula Second");
  const created = await page.request.post("/api/billing", {
    data: { patient_id: patient.patient_id, currency: "USD", lines: [{ description: `Allergy panel (${info.project.name})`, unit_price_cents: 24000 }] },
  });
  expect(created.status()).toBe(201);
  const invoice = await created.json();
  await page.goto(`/billing/${invoice.id}`);
  await hydrated(page);

  // The patient's policy, then the claim for 200.00 of the 240.00.
  await page.getByText("Add an insurance policy").click();
  const policy = page.getByRole("form", { name: "Add an insurance policy" });
  await policy.getByLabel("Insurer").fill("Acme Health");
  await policy.getByLabel("Member number").fill(`AC-${info.project.name}-${Date.now()}`);
  await policy.getByRole("button", { name: "Add policy" }).click();
  const claim = page.getByRole("form", { name: "Claim from insurance" });
  await claim.getByLabel("Amount claimed (USD)").fill("200");
  await claim.getByRole("button", { name: "Submit claim" }).click();
  await expect(page.getByTestId("claim-status")).toHaveText("Submitted");

  // The insurer reviews, approves in part, and pays.
  for (const [status, approved] of [["in_review", ""], ["partially_approved", "180"], ["paid", ""]]) {
    const answer = page.getByRole("form", { name: "Insurer's answer" });
    await answer.getByLabel("New status").selectOption(status);
    if (approved) await answer.getByLabel("Approved amount (partial approval)").fill(approved);
    await answer.getByRole("button", { name: "Record" }).click();
    await expect(page.getByTestId("claim-status")).toHaveText({ in_review: "In review", partially_approved: "Partly approved", paid: "Paid" }[status]!);
  }
  await expect(page.getByTestId("fact-balance-due")).toHaveText("60.00 USD");
  await expect(page.getByRole("list", { name: "Payments and refunds" })).toContainText("180.00 USD paid by insurance");
  await signOut(page);

  // The patient follows the claim on the bill.
  await signIn(page, "patient2@caduceus.test");
  await page.goto(`/billing/${invoice.id}`);
  await hydrated(page);
  await expect(page.getByTestId("claim-status")).toHaveText("Paid");
  await expect(page.getByRole("list", { name: "Insurance claims" })).toContainText("200.00 USD claimed from Acme Health");
  await expect(page.getByRole("list", { name: "Insurance claims" })).toContainText("180.00 USD approved");
});
