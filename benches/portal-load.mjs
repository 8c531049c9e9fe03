// How long the portal takes to become usable on a slow phone connection, as a patient feels it.
//
//   node benches/portal-load.mjs [base URL] [runs]     (default http://127.0.0.1:3000, 5 runs)
//
// Against a running server in demo mode (scripts/start.sh, or `caduceus --demo`). Each run is a
// fresh browser context (nothing cached) in Debian's Chromium, with the network throttled
// through the DevTools protocol to a slow mobile profile (400 kbit/s each way, 400 ms round
// trip) and the CPU slowed 4×. It loads the sign-in page anonymously and the patient's home
// signed in, and reports, per page, the median and worst of:
//   - first paint: the first contentful paint of the server-rendered HTML;
//   - interactive: when the WASM has hydrated the page (`body[data-hydrated]`), i.e. the first
//     button responds;
//   - kB over the wire: every response's transfer size (headers + compressed bodies).
// Then, once, a second visit to each page in the same context (the cache warm).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("../end2end/node_modules/@playwright/test");

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const runs = Number(process.argv[3] ?? 5);
const PROFILE = { latency: 400, downloadThroughput: (400 * 1000) / 8, uploadThroughput: (400 * 1000) / 8 };
const CPU_SLOWDOWN = 4;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
});

// A signed-in patient, for the home page (signed in without throttling: not what we measure).
const setup = await browser.newContext();
const setupPage = await setup.newPage();
await setupPage.goto(`${base}/login`);
await setupPage.waitForSelector("body[data-hydrated]", { timeout: 60_000 });
await setupPage.getByLabel("Email").fill("patient@caduceus.test");
await setupPage.getByLabel("Password").fill("caduceus-demo");
await setupPage.getByRole("button", { name: "Sign in" }).click();
await setupPage.getByRole("heading", { level: 1, name: /Welcome/ }).waitFor();
const signedIn = await setup.storageState();
await setup.close();

/** Loads `path` in `page` under the slow profile; returns the figures of that load. */
async function load(page, path) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, ...PROFILE });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
  let bytes = 0;
  cdp.on("Network.loadingFinished", (event) => (bytes += event.encodedDataLength));
  await page.goto(base + path, { waitUntil: "commit", timeout: 120_000 });
  await page.waitForSelector("body[data-hydrated]", { timeout: 120_000 });
  const figures = await page.evaluate(() => {
    const paint = performance.getEntriesByName("first-contentful-paint")[0];
    return { firstPaint: paint ? paint.startTime : NaN, interactive: window.__hydratedAt ?? performance.now() };
  });
  await page.waitForLoadState("networkidle");
  await cdp.detach();
  return { ...figures, kB: bytes / 1000 };
}

/** Records when the page became interactive, from the navigation's start. */
const markHydration = () => {
  new MutationObserver((_, observer) => {
    if (document.body?.hasAttribute("data-hydrated")) {
      window.__hydratedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-hydrated"] });
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pages = [
  { name: "sign-in page (/login)", path: "/login", state: undefined },
  { name: "patient's home (/)", path: "/", state: signedIn },
];
console.log(`${base}: ${runs} cold loads per page; network 400 kbit/s, 400 ms RTT; CPU ${CPU_SLOWDOWN}× slower`);
console.log("page                       first paint (median / worst)   interactive (median / worst)   kB over the wire");
for (const { name, path, state } of pages) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ storageState: state, viewport: { width: 390, height: 844 } });
    await context.addInitScript(markHydration);
    results.push(await load(await context.newPage(), path));
    if (i === runs - 1) {
      const warm = await load(await context.newPage(), path);
      results.warm = warm;
    }
    await context.close();
  }
  const col = (key) => `${(median(results.map((r) => r[key])) / 1000).toFixed(2)} s / ${(Math.max(...results.map((r) => r[key])) / 1000).toFixed(2)} s`;
  console.log(`${name.padEnd(27)}${col("firstPaint").padEnd(31)}${col("interactive").padEnd(31)}${median(results.map((r) => r.kB)).toFixed(0)}`);
  const warm = results.warm;
  console.log(`${"  second visit".padEnd(27)}${(warm.firstPaint / 1000).toFixed(2).concat(" s").padEnd(31)}${(warm.interactive / 1000).toFixed(2).concat(" s").padEnd(31)}${warm.kB.toFixed(0)}`);
}
await browser.close();
