import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { dashboardDirectory } from '../../src/dashboard/dashboard';

/** Debian's Chromium; playwright-core downloads no browser of its own. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of the dashboard, kept after the run (CI keeps them as artefacts). */
export const ARTIFACTS_DIR = resolve(process.env.ARTIFACTS_DIR ?? 'test-artifacts', 'dashboard');

/** Fails loudly, with what to do, unless Chromium and the compiled dashboard are both there. */
export function assertBrowserReady(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (as .ci/run does), or set CHROMIUM_PATH`);
  const index = join(dashboardDirectory(), 'index.html');
  if (!existsSync(index)) throw new Error(`The dashboard is not built (${index} is missing): run npm run build:web (npm test does)`);
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of the page: a test expects none. */
  errors: string[];
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** A fresh headless Chromium profile (no shared cookies or storage), flags as ../shared/toolchain.md measured. */
export async function openBrowser(opts: { locale?: string; viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'dds-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: opts.locale ?? 'en-US',
    viewport: opts.viewport ?? { width: 1280, height: 860 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('console', (msg) => {
    // A refused API call logs a resource error; the test checks those answers itself.
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) errors.push(msg.text());
  });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return {
    context,
    page,
    errors,
    shot: async (name) => void (await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true })),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
