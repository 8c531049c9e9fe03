import { defineConfig, devices } from "@playwright/test";

// The server under test: the release binary built by scripts/test.sh, on its own port, in demo
// mode, on a fresh embedded database in CADUCEUS_DATA_DIR.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;

const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

export default defineConfig({
  testDir: "./tests",
  timeout: 45_000,
  expect: { timeout: 10_000 },
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    launchOptions: chromium,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "desktop", use: { viewport: { width: 1280, height: 800 } } },
    { name: "phone", use: { ...devices["Pixel 7"], launchOptions: chromium } },
  ],
  webServer: process.env.CADUCEUS_BIN
    ? {
        command: `"${process.env.CADUCEUS_BIN}" serve`,
        url: `${baseURL}/health`,
        reuseExistingServer: true,
        timeout: 120_000,
        // SIGTERM lets the server stop its embedded PostgreSQL (the default is SIGKILL).
        gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
        stdout: "ignore",
        stderr: "pipe",
        env: {
          LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
          CADUCEUS_DEMO: "1",
          CADUCEUS_PUBLIC_URL: baseURL,
          CADUCEUS_LOGIN_PER_IP_PER_MINUTE: "1000",
          // The journeys sign the demo accounts in many times; the limits have API tests.
          CADUCEUS_LOGIN_PER_ACCOUNT_PER_15_MINUTES: "1000",
        },
      }
    : undefined,
});
