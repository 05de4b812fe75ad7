/**
 * Where the UI tests leave what a person looks at after a run: one screenshot per view, in
 * `test-artifacts/ui/` at the top of the checkout (ignored by git).
 */
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';

/** The artifacts directory. */
export const ARTIFACTS_DIR = resolve(import.meta.dirname, '../../../test-artifacts/ui');

/** Saves a full-page screenshot of `page` as `<name>.png`; resolves with its path and size in bytes. */
export async function saveScreenshot(page: Page, name: string): Promise<{ path: string; bytes: number }> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return { path, bytes: (await stat(path)).size };
}
