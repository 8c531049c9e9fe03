import { expect, hydrated, signIn, signOut, test } from "./helpers";

test("a patient asks their doctor, the doctor answers from the queue, the patient reads the answer", async ({ page }, info) => {
  const text = `Can I exercise before my next check-up? (${info.project.name} ${Date.now()})`;
  const answer = "Yes: walking and light cycling are fine; no heavy lifting for now.";

  // The patient asks Dr. Grey, whom they have seen.
  await signIn(page, "patient@caduceus.test");
  await page.getByRole("link", { name: "Questions" }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Questions to your doctors");
  await hydrated(page);
  const form = page.getByRole("form", { name: "Ask a question" });
  await form.getByLabel("To").selectOption({ label: "Dr. Derek Grey (Cardiology)" });
  await form.getByLabel("Your question").fill(text);
  await form.getByRole("button", { name: "Send question" }).click();
  await expect(page.getByRole("status")).toContainText("Your question was sent.");
  const mine = page.getByRole("list", { name: "Your questions" });
  await expect(mine.getByRole("listitem").filter({ hasText: text })).toContainText("Waiting for an answer");
  await signOut(page);

  // The doctor's dashboard counts it; the queue has it; the doctor answers.
  await signIn(page, "doctor@caduceus.test");
  await expect(page.getByTestId("open-questions")).toContainText("waiting for an answer");
  await page.getByRole("link", { name: "Questions" }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Patient questions");
  const queue = page.getByRole("list", { name: "Waiting for an answer" });
  await queue.getByRole("link", { name: text }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Question");
  await hydrated(page);
  await expect(page.locator("blockquote")).toHaveText(text);
  const reply = page.getByRole("form", { name: "Answer" });
  await reply.getByLabel("Your answer").fill(answer);
  await reply.getByRole("button", { name: "Send answer" }).click();
  await expect(page.getByRole("list", { name: "Answers and follow-ups" })).toContainText(answer);
  await expect(page.getByText("Answered", { exact: true })).toBeVisible();
  await signOut(page);

  // The patient reads the answer, with how soon it came.
  await signIn(page, "patient@caduceus.test");
  await page.goto("/questions");
  await hydrated(page);
  const row = page.getByRole("list", { name: "Your questions" }).getByRole("listitem").filter({ hasText: text });
  await expect(row).toContainText("Answered");
  await expect(row).toContainText(/answered within \d+ minutes?/);
  await row.getByRole("link").click();
  await expect(page.getByRole("list", { name: "Answers and follow-ups" })).toContainText(`Dr. Derek Grey answered`);
  await expect(page.getByRole("list", { name: "Answers and follow-ups" })).toContainText(answer);
});
