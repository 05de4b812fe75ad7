/**
 * Reading and driving the vifibnet renderer in a Playwright page the way a person does: by the
 * headings, roles, labels and words on screen (the names assistive technology announces), never
 * by component internals. Every wait is {@link pollUntil} with a deadline.
 */
import type { Page } from 'playwright-core';
import { pollUntil } from '../../../app/cli/demo/netns';
import type { PageGlobals } from './dom';

/** Default deadline of a wait on the page. */
export const PAGE_WAIT_MS = 20_000;

/** The text of the current view's heading (the `h1` in `main`), or null before one shows. */
export async function viewHeading(page: Page): Promise<string | null> {
  const heading = page.locator('main h1');
  return (await heading.count()) === 1 ? ((await heading.textContent()) ?? '').trim() : null;
}

/** Resolves once the view headed `name` shows. */
export function waitForView(page: Page, name: string, timeoutMs = PAGE_WAIT_MS): Promise<true> {
  return pollUntil(
    `the "${name}" view`,
    async () => {
      const shown = await viewHeading(page);
      if (shown === name) return true;
      throw new Error(`showing "${shown}"`);
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** Resolves with the page's text matched by `pattern` inside `selector`, once it shows. */
export function waitForText(
  page: Page,
  selector: string,
  pattern: RegExp,
  what: string,
  timeoutMs = PAGE_WAIT_MS,
): Promise<RegExpMatchArray> {
  return pollUntil(
    what,
    async () => {
      const texts = await page.locator(selector).allTextContents();
      const text = texts.join('\n');
      const match = pattern.exec(text);
      if (match) return match;
      throw new Error(`${selector}: ${JSON.stringify(text.slice(0, 300))}`);
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** The mesh state the Status view's badge reads (`Connected`, `Disconnected`, …). */
export async function meshState(page: Page): Promise<string> {
  return ((await page.locator('.mesh-state .badge').textContent()) ?? '').trim();
}

/** Opens a section by clicking its button in the Sections navigation. */
export async function openSection(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name }).click();
  await waitForView(page, name);
}

/** The focused element: its tag, accessible name as the user reads it, and id. */
export interface Focused {
  /** Lower-case tag name (`button`, `input`, `h1`), or '' when nothing has the focus. */
  tag: string;
  /** Its `aria-label`, else the text of its `<label for>`, else its own text, spaces collapsed. */
  name: string;
  /** Its id, or ''. */
  id: string;
}

/** What has the keyboard focus now. */
export function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobals;
    const el = document.activeElement;
    if (!el) return { tag: '', name: '', id: '' };
    const labelled = el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : null;
    const name = el.getAttribute('aria-label') ?? labelled ?? el.textContent ?? '';
    return { tag: el.tagName.toLowerCase(), name: name.replace(/\s+/g, ' ').trim(), id: el.id };
  });
}

/**
 * Presses `key` (Tab by default) until the focused element satisfies `wanted`; resolves with the
 * number of presses. Fails after `max` presses, naming every element the focus went through.
 */
export async function moveFocusTo(
  page: Page,
  wanted: (f: Focused) => boolean,
  what: string,
  key = 'Tab',
  max = 40,
): Promise<number> {
  const path: string[] = [];
  for (let presses = 1; presses <= max; presses++) {
    await page.keyboard.press(key);
    const now = await focused(page);
    if (wanted(now)) return presses;
    path.push(`${now.tag}${now.id ? `#${now.id}` : ''} "${now.name.slice(0, 40)}"`);
  }
  throw new Error(`${key} × ${max} never reached ${what}; focus went through: ${path.join(' → ')}`);
}
