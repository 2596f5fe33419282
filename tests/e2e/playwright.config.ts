// Playwright against headless mode (a real master, real instances) in Debian's Chromium.
import { defineConfig } from '@playwright/test';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: '.',
  // `e2e` runs in npm test; `bench` (measurements) only when asked for: --project=bench.
  projects: [
    { name: 'e2e', testMatch: /.*\.spec\.ts$/ },
    { name: 'bench', testMatch: /.*\.bench\.ts$/ },
  ],
  outputDir: '../../test-results/playwright',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1360, height: 860 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      // Without the networking switches Chromium reaches out to Google services, which this
      // closed network answers slowly or never.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    },
  },
});
