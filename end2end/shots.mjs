// Screenshots of pages at phone and desktop widths, signed in as a demo account:
//   node shots.mjs BASE_URL OUT_DIR email path [path…]
// (A look at what a change shows; not a test.)
import { chromium } from "@playwright/test";

const [base, out, email, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
});
for (const [name, viewport] of [["desktop", { width: 1280, height: 900 }], ["phone", { width: 390, height: 844 }]]) {
  const page = await browser.newPage({ viewport });
  page.on("console", (m) => m.type() === "error" && console.log(`console error (${name}): ${m.text()}`));
  if (email !== "-") {
    await page.goto(`${base}/login`);
    await page.waitForSelector("body[data-hydrated]");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("caduceus-demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  }
  for (const path of paths) {
    await page.goto(`${base}${path}`);
    await page.waitForSelector("body[data-hydrated]", { timeout: 20000 });
    const file = `${out}/${path.replace(/[^a-z0-9]+/gi, "_")}-${name}.png`;
    await page.screenshot({ path: file, fullPage: true });
    console.log(file);
  }
  await page.close();
}
await browser.close();
