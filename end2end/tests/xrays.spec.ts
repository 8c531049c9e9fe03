import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Page } from "@playwright/test";
import { expect, hydrated, signIn, signOut, test } from "./helpers";

/** pydicom's CT test file, fetched from PyPI by scripts/setup.sh --test. */
function ctSmall(): Buffer {
  const tools = process.env.CADUCEUS_TOOLS ?? join(process.env.HOME ?? "", ".cache/caduceus/tools");
  return readFileSync(join(tools, "dicom", "CT_small.dcm"));
}

/** The mean grey level of the viewer's canvas: what the reader sees, as a number. */
async function meanGrey(page: Page): Promise<number> {
  return page.locator("canvas.viewer-canvas").evaluate((canvas: HTMLCanvasElement) => {
    const context = canvas.getContext("2d")!;
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    for (let i = 0; i < data.length; i += 4) sum += data[i];
    return sum / (data.length / 4);
  });
}

test("a patient files a CT, the doctor zooms, windows and writes the result, the patient reads it", async ({ page }, info) => {
  const name = `Chest CT from St. Elsewhere (${info.project.name} ${Date.now()})`;
  const result = "No acute findings. Small calcified granuloma, right upper lobe.";

  // The patient adds the study from a CD.
  await signIn(page, "patient@caduceus.test");
  await page.goto("/xrays");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("X-rays");
  await hydrated(page);
  const form = page.getByRole("form", { name: "Add an x-ray" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Type").selectOption("chest");
  await form.getByLabel("Image (PNG, JPEG or DICOM)").setInputFiles({ name: "CT_small.dcm", mimeType: "application/dicom", buffer: ctSmall() });
  await form.getByRole("button", { name: "Add x-ray" }).click();
  await expect(page.getByText(`Added: ${name}.`)).toBeVisible();
  const mine = page.getByRole("list", { name: "Your x-rays" }).getByRole("listitem").filter({ hasText: name });
  await expect(mine).toContainText("Waiting for a result");
  await signOut(page);

  // Dr. Grey finds it on the reading worklist and opens it in the viewer.
  await signIn(page, "doctor@caduceus.test");
  await expect(page.getByTestId("xrays-to-read")).toContainText("waiting for a result");
  await page.goto("/xrays");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("X-rays to read");
  await page.getByRole("list", { name: "Reading worklist" }).getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  await hydrated(page);
  const canvas = page.locator("canvas.viewer-canvas");
  await expect(canvas).toHaveAttribute("data-status", "ready");
  await expect(page.getByText("CompressedSamples CT1")).toBeVisible();
  await expect(page.getByText("0.661 × 0.661 mm")).toBeVisible();

  // Zoom: a button, then the keyboard.
  await page.getByRole("button", { name: "Zoom in" }).click();
  await expect(canvas).toHaveAttribute("data-zoom", "1.250");
  await canvas.focus();
  await page.keyboard.press("+");
  await expect(canvas).toHaveAttribute("data-zoom", "1.562");
  await expect(page.getByText("Zoom 156%")).toBeVisible();

  // The window: the bone preset, then the lung one, redraw the same 16-bit values differently.
  await expect.poll(() => meanGrey(page)).toBeGreaterThan(5);
  await page.getByLabel("Window preset").selectOption("Bone");
  await expect(canvas).toHaveAttribute("data-window", "400.0 1800.0");
  await expect.poll(() => meanGrey(page)).toBeGreaterThan(0);
  const bone = await meanGrey(page);
  await page.getByLabel("Window preset").selectOption("Lung");
  await expect(canvas).toHaveAttribute("data-window", "-600.0 1500.0");
  await expect.poll(() => meanGrey(page)).not.toBeCloseTo(bone, 0);
  // Shift+arrow widens the window from the keyboard.
  await canvas.focus();
  await page.keyboard.press("Shift+ArrowRight");
  await expect(canvas).not.toHaveAttribute("data-window", "-600.0 1500.0");
  await page.getByRole("button", { name: "Reset" }).click();
  await expect(canvas).toHaveAttribute("data-zoom", "1.000");

  // The result.
  const write = page.getByRole("form", { name: "Write the result" });
  await write.getByLabel("Result").fill(result);
  await write.getByRole("button", { name: "Save the result" }).click();
  await expect(page.getByTestId("xray-result")).toHaveText(result);
  await signOut(page);

  // The patient reads it in their health record and sees who opened the study.
  await signIn(page, "patient@caduceus.test");
  await page.goto("/records");
  const row = page.getByRole("list", { name: "X-rays" }).getByRole("listitem").filter({ hasText: name });
  await expect(row).toContainText("Result ready");
  await row.getByRole("link", { name }).click();
  await expect(page.getByTestId("xray-result")).toHaveText(result);
  await expect(page.getByText("CompressedSamples CT1")).toHaveCount(0);
  await hydrated(page);
  await expect(page.locator("canvas.viewer-canvas")).toHaveAttribute("data-status", "ready");
});
