import { Browser, Page } from "@playwright/test";
import { expect, hydrated, signIn, test } from "./helpers";

async function asUser(browser: Browser, email: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, email);
  return page;
}

test("a patient finds a cardiologist, books, the doctor accepts, the patient moves and cancels, and someone else takes the slot", async ({ page, browser }) => {
  // Find a cardiologist in Springfield.
  await signIn(page, "patient@caduceus.test");
  await page.getByRole("link", { name: "Find a doctor" }).click();
  await hydrated(page);
  await page.getByLabel("Specialty").selectOption("Cardiology");
  await page.getByLabel("City").selectOption("Springfield");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/specialization=Cardiology/);
  const doctors = page.getByRole("list", { name: "Doctors" });
  await expect(doctors.getByRole("listitem")).toHaveCount(1);
  await expect(doctors).toContainText("Dr. Derek Grey");
  await expect(doctors).toContainText("120.00 USD");

  // Pick the first free time and book it; the confirmation shows the cost.
  await doctors.getByRole("link", { name: "See free times" }).click();
  const slots = page.getByRole("list", { name: /Free times on/ });
  await expect(slots).toBeVisible();
  const date = (await page.getByLabel("Date").inputValue()).trim();
  const first = slots.getByRole("link").first();
  const time = (await first.innerText()).trim();
  await first.click();
  await expect(page.getByRole("region", { name: "Confirm booking" })).toContainText("Cost: 120.00 USD");
  await page.getByLabel("Reason for the visit (optional)").fill("Chest pain when running");
  await page.getByRole("button", { name: "Book this time" }).click();
  await expect(page.getByRole("status")).toContainText(`Booked! Your visit with Dr. Derek Grey on ${date} at ${time}`);
  await expect(page.getByRole("status")).toContainText("Cost: 120.00 USD");
  const appointmentUrl = new URL(page.url()).pathname;
  const id = appointmentUrl.split("/").pop();
  // The dashboard has it among the upcoming appointments.
  await page.getByRole("link", { name: "Dashboard" }).click();
  const upcoming = page.locator("section.panel").filter({ has: page.getByRole("heading", { name: "Upcoming appointments" }) });
  await expect(upcoming.getByRole("link", { name: `${date} ${time}` })).toBeVisible();
  await expect(upcoming).toContainText("Dr. Derek Grey");

  // The doctor is told (bell and notifications page), finds the request and accepts it.
  const doctor = await asUser(browser, "doctor@caduceus.test");
  const waiting = doctor.locator("section.panel").filter({ has: doctor.getByRole("heading", { name: "Pending requests" }) });
  await expect(waiting.getByRole("link", { name: "All appointments" })).toBeVisible();
  await expect(doctor.getByRole("link", { name: /Notifications, \d+ unread/ })).toBeVisible();
  await doctor.getByRole("link", { name: /Notifications/ }).click();
  const notice = doctor.locator("li.notification.unread").filter({ hasText: "New appointment request" }).first();
  await expect(notice).toContainText("Pat Patient asked for an appointment");
  await notice.getByRole("link", { name: "Open" }).click();
  await expect(doctor).toHaveURL(new RegExp(`/appointments/${id}$`));
  await doctor.getByRole("link", { name: "Schedule" }).click();
  await hydrated(doctor);
  const requests = doctor.getByRole("region", { name: /Requests waiting for you/ });
  const request = requests.locator(`li.appointment[data-id="${id}"]`);
  await expect(request).toContainText("Awaiting confirmation");
  await request.getByRole("button", { name: "Accept" }).click();
  await expect(request).toHaveCount(0);
  // The week calendar shows it, confirmed, on its day; the day view has the details.
  await doctor.goto(`/appointments?span=week&date=${date}`);
  await hydrated(doctor);
  const day = doctor.locator(`.calendar-day[data-date="${date}"]`);
  await expect(day.locator("li.slot-entry").filter({ hasText: `${time} Pat Patient` })).toContainText("Confirmed");
  await day.getByRole("link", { name: /^\w{3} \d+ \w{3}$/ }).click();
  await expect(doctor).toHaveURL(/span=day/);
  await expect(doctor.locator(`li.appointment[data-id="${id}"]`)).toContainText("Confirmed");
  await doctor.context().close();

  // The patient has the confirmation among their notifications.
  await page.goto("/notifications");
  await expect(page.locator("li.notification").filter({ hasText: "Appointment confirmed" }).first()).toContainText("Dr. Derek Grey confirmed your appointment");

  // The patient moves it to another free time the same day.
  await page.goto(appointmentUrl);
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Confirmed");
  const move = page.getByRole("list", { name: /Free times on/ });
  const target = move.getByRole("button").first();
  const newTime = (await target.innerText()).trim();
  await target.click();
  await expect(page.getByRole("status")).toContainText(`Moved to ${date} at ${newTime}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Awaiting confirmation");

  // …then cancels it.
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Cancelled");

  // The freed slot is bookable by another patient.
  const second = await asUser(browser, "patient2@caduceus.test");
  await second.goto(`/doctors/${await doctorIdFrom(page)}?date=${date}`);
  await hydrated(second);
  await second.getByRole("list", { name: /Free times on/ }).getByRole("link", { name: newTime, exact: true }).click();
  await second.getByRole("button", { name: "Book this time" }).click();
  await expect(second.getByRole("status")).toContainText(`on ${date} at ${newTime}`);
  await second.context().close();
});

/** The doctor's id, from the demo directory (the API is public). */
async function doctorIdFrom(page: Page): Promise<number> {
  const response = await page.request.get("/api/doctors?q=Derek%20Grey");
  const [doctor] = await response.json();
  return doctor.id;
}

test("a visitor browses the directory without signing in and is asked to sign in to book", async ({ page }) => {
  await page.goto("/doctors?q=fisch");
  await hydrated(page);
  await expect(page.getByRole("list", { name: "Doctors" })).toContainText("Dr. Lena Fischer");
  await page.getByRole("link", { name: "See free times" }).click();
  await page.getByRole("list", { name: /Free times on/ }).getByRole("link").first().click();
  await expect(page.getByRole("link", { name: "Sign in to book" })).toBeVisible();
});

test("after a completed visit the patient reads the notes and reviews the doctor", async ({ page, browser }) => {
  // patient2's confirmed visits with the dermatologist of the last few days (demo history):
  // a visit can be completed only once its time has come.
  await signIn(page, "patient2@caduceus.test");
  const mine = await (await page.request.get("/api/appointments?status=accepted&limit=100")).json();
  const past = mine.filter((a: { starts_at: string; doctor_name: string }) =>
    a.doctor_name === "Dr. Lena Fischer" && new Date(a.starts_at) < new Date());
  expect(past.length, "a past confirmed visit to complete").toBeGreaterThan(0);
  const { id, date } = past[0];

  // The doctor completes it with notes from that day's schedule.
  const doctor = await asUser(browser, "derma@caduceus.test");
  await doctor.goto(`/appointments?span=day&date=${date}`);
  await hydrated(doctor);
  const row = doctor.locator(`li.appointment[data-id="${id}"]`);
  await expect(row).toContainText("Confirmed");
  await row.getByLabel("Visit notes").fill("Mild eczema; moisturise twice daily.");
  await row.getByRole("button", { name: "Complete" }).click();
  await expect(doctor.locator(`li.appointment[data-id="${id}"]`)).toContainText("Completed");
  await doctor.context().close();
  await page.goto(`/appointments/${id}`);
  await hydrated(page);

  // The patient sees the notes and leaves a review, once.
  await expect(page.getByText("Mild eczema; moisturise twice daily.")).toBeVisible();
  await page.getByLabel("4 stars").check();
  await page.getByLabel("Your review (optional)").fill("Clear advice, no waiting.");
  await page.getByRole("button", { name: "Post review" }).click();
  await expect(page.getByText(/Thank you for your review|You reviewed this visit/)).toBeVisible();
  await page.goto("/doctors?q=Fischer");
  await hydrated(page);
  await page.getByRole("link", { name: "See free times" }).click();
  await expect(page.getByText("Clear advice, no waiting.").first()).toBeVisible();
});

/** A weekday about eight weeks ahead: no other journey books that far out. */
function weekdayWeeksAhead(weeks: number): string {
  const day = new Date(Date.now() + weeks * 7 * 86_400_000);
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

test("the front desk finds a patient and books a visit for them, and the patient is told", async ({ page, browser }) => {
  await signIn(page, "staff@caduceus.test");
  await page.goto("/doctors?q=Rossi");
  await hydrated(page);
  await page.getByRole("link", { name: "See free times" }).click();
  const date = weekdayWeeksAhead(8);
  await page.getByLabel("Date").fill(date);
  await page.getByRole("button", { name: "Show free times" }).click();
  const slots = page.getByRole("list", { name: `Free times on ${date}` });
  const first = slots.getByRole("link").first();
  const time = (await first.innerText()).trim();
  await first.click();

  // The desk sees the cost and searches for the patient by part of her name.
  const desk = page.getByRole("region", { name: "Book for a patient" });
  await expect(desk).toContainText("Cost: 130.00 USD");
  await desk.getByLabel("Patient").fill("paula");
  await desk.getByRole("button", { name: "Find patient" }).click();
  await expect(page).toHaveURL(/patient_q=paula/);
  await desk.getByLabel(/Paula Second/).check();
  await desk.getByLabel("Reason for the visit (optional)").fill("Knee pain, booked by phone");
  await desk.getByRole("button", { name: "Book for this patient" }).click();
  await expect(page.getByRole("status")).toContainText(`Booked! Paula Second's visit with Dr. Sofia Rossi on ${date} at ${time}`);
  const id = new URL(page.url()).pathname.split("/").pop();

  // A search that matches no one says so.
  await page.goto(`/doctors/${(await (await page.request.get("/api/doctors?q=Rossi")).json())[0].id}?date=${date}&time=${time}&patient_q=nobody-here`);
  await hydrated(page);
  await expect(page.getByRole("region", { name: "Book for a patient" })).toContainText("No patient matches");

  // The patient finds it among her appointments and in her notifications.
  const patient = await asUser(browser, "patient2@caduceus.test");
  await patient.goto(`/appointments/${id}`);
  await expect(patient.getByText("Knee pain, booked by phone")).toBeVisible();
  await patient.goto("/notifications");
  const notice = patient.locator("li.notification").filter({ has: patient.locator(`a[href="/appointments/${id}"]`) });
  await expect(notice).toContainText("Appointment requested");
  await expect(notice).toContainText("Dr. Sofia Rossi");

  // The desk's day view narrows to one doctor: the visit is in Dr. Rossi's day, not another's.
  await page.goto(`/appointments?span=day&date=${date}`);
  await hydrated(page);
  const filter = page.getByRole("form", { name: "Whose appointments" });
  await filter.getByLabel("Doctor").selectOption({ label: "Dr. Sofia Rossi · Orthopedics" });
  await filter.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/doctor_id=\d+/);
  const day = page.locator(`section.calendar-day[data-date="${date}"]`);
  await expect(day.locator(`li[data-id="${id}"]`)).toContainText("Paula Second");
  const rossiDay = page.url();
  await filter.getByLabel("Doctor").selectOption({ label: "Dr. Lena Fischer · Dermatology" });
  await filter.getByRole("button", { name: "Show" }).click();
  await expect(page).not.toHaveURL(rossiDay);
  await expect(day).toBeVisible();
  await expect(day.locator(`li[data-id="${id}"]`)).toHaveCount(0);
});
