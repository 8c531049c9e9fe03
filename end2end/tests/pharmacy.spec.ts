import { APIRequestContext } from "@playwright/test";
import { DEMO_PASSWORD, expect, hydrated, signIn, signOut, test } from "./helpers";

async function tokenOf(request: APIRequestContext, email: string): Promise<Record<string, string>> {
  const login = await request.post("/api/auth/login", { data: { email, password: DEMO_PASSWORD } });
  expect(login.ok()).toBeTruthy();
  return { Authorization: `Bearer ${(await login.json()).token}` };
}

/**
 * One medicine per run and screen size (the journey runs twice against one server): Dr. Grey
 * prescribes it to Pat with one refill, the pharmacy stocks it in two lots (EARLY expiring in
 * three months, LATE in a year) and hands out the first fill, from EARLY.
 */
async function prescribedAndStocked(request: APIRequestContext, tag: string) {
  const drug = `Cefalexin ${tag}`;
  const patient = await tokenOf(request, "patient@caduceus.test");
  const visits = await (await request.get("/api/appointments?status=completed", { headers: patient })).json();
  const doctor = await tokenOf(request, "doctor@caduceus.test");
  const note = {
    patient_id: visits[0].patient_id,
    diagnoses: [{ code: "L03.90" }],
    prescriptions: [{ drug, dose: "500 mg", frequency: "four times a day", quantity: 20, refills: 1 }],
  };
  expect((await request.post("/api/medical-records", { data: note, headers: doctor })).status()).toBe(201);
  const prescriptions = await (await request.get("/api/prescriptions", { headers: patient })).json();
  const prescription = prescriptions.find((p: { drug: string }) => p.drug === drug);

  const desk = await tokenOf(request, "staff@caduceus.test");
  const item = await (
    await request.post("/api/inventory", { data: { name: `${drug} 500 mg`, kind: "medicine", unit: "capsule", price_cents: 40 }, headers: desk })
  ).json();
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  for (const [lot, quantity, days] of [["LATE", 100, 365], ["EARLY", 45, 90]] as const) {
    const receipt = { kind: "receive", quantity, lot_number: lot, expiry_date: inDays(days) };
    expect((await request.post(`/api/inventory/${item.id}/movements`, { data: receipt, headers: desk })).status()).toBe(201);
  }
  const firstFill = { kind: "dispense", quantity: 20, prescription_id: prescription.id };
  expect((await request.post(`/api/inventory/${item.id}/movements`, { data: firstFill, headers: desk })).status()).toBe(201);
  return { drug, item: `${drug} 500 mg` };
}

test("a patient asks for a refill, the doctor approves it, the pharmacy dispenses it first-expired-first-out, the patient sees it ready", async ({
  page,
}, info) => {
  const { drug, item } = await prescribedAndStocked(page.request, `${info.project.name}${Date.now()}`);

  // The patient asks for the refill from their medications.
  await signIn(page, "patient@caduceus.test");
  await page.getByRole("link", { name: "Medications" }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your medications");
  await hydrated(page);
  const row = page.getByRole("list", { name: "Current prescriptions" }).getByRole("listitem").filter({ hasText: drug });
  await expect(row).toContainText("1 refill left");
  await row.getByLabel("Note for your doctor").fill("Still a little redness; the course ends Friday.");
  await row.getByRole("button", { name: "Request refill" }).click();
  await expect(page.getByRole("status")).toContainText(`Your refill request for ${drug} was sent`);
  await expect(row).toContainText("Refill requested");
  await signOut(page);

  // The doctor sees the queue (with the last fill) and approves with a note.
  await signIn(page, "doctor@caduceus.test");
  await expect(page.getByTestId("pending-refills")).toContainText("waiting for you");
  await page.getByRole("link", { name: "Refills" }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Refill requests");
  await hydrated(page);
  const request = page.getByRole("list", { name: "Waiting for you" }).getByRole("listitem").filter({ hasText: drug });
  await expect(request).toContainText("last filled");
  await request.getByLabel("Note for the patient").fill("One more week, then we stop.");
  await request.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("list", { name: "Decided" }).getByRole("listitem").filter({ hasText: drug })).toContainText("Approved");
  await signOut(page);

  // The pharmacy dispenses it: from EARLY, the lot that expires first.
  await signIn(page, "staff@caduceus.test");
  await expect(page.getByTestId("stock-alerts")).toContainText("to reorder");
  await page.getByRole("link", { name: "Pharmacy" }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pharmacy stock");
  await page.getByRole("link", { name: "Dispense prescriptions" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Prescriptions to dispense");
  await hydrated(page);
  const fill = page.getByRole("list", { name: "Prescriptions to dispense" }).getByRole("listitem").filter({ hasText: drug });
  await expect(fill).toContainText("Refill 1 of 1");
  await expect(fill.getByLabel("Quantity")).toHaveValue("20");
  await fill.getByRole("button", { name: "Dispense" }).click();
  await expect(page.getByRole("status")).toContainText(`Dispensed from ${item}: 105 capsules left`);
  await page.goto(`/pharmacy?q=${encodeURIComponent(drug)}`);
  await page.getByRole("link", { name: item }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(item);
  await expect(page.getByTestId("item-on-hand")).toHaveText("105 capsules");
  const lotQuantity = (lot: string) =>
    page.getByRole("table", { name: "Lots" }).getByTestId("lot").filter({ hasText: lot }).locator("td[data-label=Quantity]");
  await expect(lotQuantity("EARLY")).toHaveText("5");
  await expect(lotQuantity("LATE")).toHaveText("100");
  const latest = page.getByTestId("movement").first();
  await expect(latest).toContainText("Dispensed");
  await expect(latest).toContainText("EARLY");
  await expect(latest).toContainText("-20 capsule");
  await signOut(page);

  // The patient is told, and the request reads "Ready for pickup".
  await signIn(page, "patient@caduceus.test");
  await page.goto("/medications");
  await hydrated(page);
  const asked = page.getByRole("list", { name: "Your requests" }).getByRole("listitem").filter({ hasText: `Refill: ${drug}` });
  await expect(asked).toContainText("Ready for pickup");
  await expect(asked).toContainText("One more week, then we stop.");
});

test("the desk adds an item, receives a lot, wastes what broke, and the ledger and stock agree", async ({ page }, info) => {
  const name = `Crepe bandage ${info.project.name}${Date.now()}`;
  await signIn(page, "staff@caduceus.test");
  await page.goto("/pharmacy");
  await hydrated(page);
  await expect(page.getByRole("region", { name: "Stock alerts" })).toContainText("Amoxicillin 500 mg");
  const form = page.getByRole("form", { name: "New item" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Kind").selectOption("supply");
  await form.getByLabel("Unit", { exact: true }).fill("roll");
  await form.getByLabel("Reorder level").fill("10");
  await form.getByLabel("Price per unit").fill("1.20");
  await form.getByRole("button", { name: "Add item" }).click();
  await expect(page.getByRole("status")).toContainText(`${name} added.`);
  await page.getByRole("status").getByRole("link", { name: "Receive stock" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  await hydrated(page);

  const receive = page.getByRole("form", { name: "Receive stock" });
  await receive.getByLabel("Lot number").fill("CB-1");
  await receive.getByLabel("Expiry date").fill(new Date(Date.now() + 500 * 86_400_000).toISOString().slice(0, 10));
  await receive.getByLabel("Quantity").fill("24");
  await receive.getByRole("button", { name: "Receive" }).click();
  await expect(page.getByTestId("item-on-hand")).toHaveText("24 rolls");

  const change = page.getByRole("form", { name: "Adjust, waste or return" });
  await change.getByLabel("What happened").selectOption("waste");
  await change.getByLabel("Lot number").fill("CB-1");
  await change.getByLabel("Quantity").fill("3");
  await change.getByLabel("Reason").fill("Wet in the storeroom");
  await change.getByRole("button", { name: "Record" }).click();
  await expect(page.getByTestId("item-on-hand")).toHaveText("21 rolls");
  // The ledger, newest first: the receipt and the waste.
  const movements = page.getByRole("table", { name: "Movements" }).getByTestId("movement");
  await expect(movements).toHaveCount(2);
  await expect(movements.first()).toContainText("Wet in the storeroom");
  await expect(movements.first()).toContainText("-3 roll");

  // More than the lot holds is refused with the reason, and nothing moves.
  await change.getByLabel("Quantity").fill("50");
  await change.getByRole("button", { name: "Record" }).click();
  await expect(page.getByRole("alert")).toContainText("holds 21");
  await expect(page.getByTestId("item-on-hand")).toHaveText("21 rolls");
});
