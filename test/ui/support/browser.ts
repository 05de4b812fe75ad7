/**
 * Debian's Chromium driven by playwright-core, launched the one way that works on these machines
 * (TOOLCHAIN.md): a persistent context in a fresh profile directory, headless, no sandbox, no GPU,
 * nothing that reaches out to the network by itself. {@link UiBrowser.close} closes it and
 * removes the profile.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/** The flags TOOLCHAIN.md gives for headless Chromium here. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A running Chromium with one page. */
export interface UiBrowser {
  /** The browser context (one profile). */
  context: BrowserContext;
  /** Its page. */
  page: Page;
  /** Every message the page logged to its console, and every uncaught page error. */
  consoleLines: string[];
  /** Closes Chromium and removes its profile. Idempotent. */
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile and a 1280×900 page. */
export async function launchChromium(): Promise<UiBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'vifibnet-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS],
      viewport: { width: 1280, height: 900 },
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLines: string[] = [];
  page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));
  let closed: Promise<void> | undefined;
  return {
    context,
    page,
    consoleLines,
    close() {
      closed ??= context
        .close()
        .catch(() => undefined)
        .then(() => rm(profile, { recursive: true, force: true }));
      return closed;
    },
  };
}
