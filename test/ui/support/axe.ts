/**
 * Accessibility checks with axe-core inside Chromium: the library's source is evaluated in the
 * page (through the DevTools protocol, which the page's Content-Security-Policy does not govern,
 * so the CSP stays in force for the app itself), then `axe.run` checks the whole document.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import type { PageGlobals } from './dom';

/** axe-core's browser bundle. */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Impacts that fail the suite. */
const FAILING_IMPACTS: ReadonlySet<string> = new Set(['serious', 'critical']);

/** One axe violation, reduced to what a failure message needs. */
export interface AxeViolation {
  /** The rule, e.g. `button-name`. */
  id: string;
  /** minor, moderate, serious or critical. */
  impact: string;
  /** What the rule asks for. */
  help: string;
  /** CSS selectors of the offending elements. */
  targets: string[];
}

/** Runs axe on the page as it is now; resolves with every violation (any impact). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => 'axe' in globalThis);
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as PageGlobals & {
      axe: {
        run(
          context: PageGlobals['document'],
          options: { resultTypes: string[] },
        ): Promise<{
          violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[];
        }>;
      };
    };
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? 'unknown',
      help: v.help,
      targets: v.nodes.map((n) => n.target.map(String).join(' ')),
    }));
  });
}

/** The violations of serious or critical impact on the page now, as readable lines. */
export async function seriousViolations(page: Page): Promise<string[]> {
  return (await axeViolations(page))
    .filter((v) => FAILING_IMPACTS.has(v.impact))
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.join(', ')})`);
}
