/**
 * Test and bench support: many enrolments against a registry process, with bounded
 * concurrency and per-request latency.
 */
import { RegistryClient } from '../../app/core/registry-client/client';
import type { CertificateResponseT } from '../../app/registry/protocol';
import { blankCsr } from './registry-nodes';

/** `count` blank CSRs with fresh P-256 keys. */
export async function blankCsrs(count: number): Promise<string[]> {
  const csrs: string[] = [];
  for (let i = 0; i < count; i++) csrs.push((await blankCsr()).csr);
  return csrs;
}

/** Outcome of one enrolment. */
export type Outcome =
  { ok: true; issued: CertificateResponseT; ms: number } | { ok: false; code: string; ms: number };

/**
 * Enrols `tokens[i]` with `csrs[i]` for every i, at most `concurrency` at a time; `onOutcome`
 * sees each result as it arrives. Resolves to the outcomes in token order.
 */
export async function enrolMany(
  url: string,
  tokens: readonly string[],
  csrs: readonly string[],
  concurrency: number,
  onOutcome: (outcome: Outcome, done: number) => void = () => undefined,
): Promise<Outcome[]> {
  const client = new RegistryClient(url, 30_000);
  const outcomes: Outcome[] = new Array<Outcome>(tokens.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < tokens.length) {
      const i = next++;
      const start = performance.now();
      try {
        const issued = await client.enroll(tokens[i]!, csrs[i]!);
        outcomes[i] = { ok: true, issued, ms: performance.now() - start };
      } catch (err) {
        outcomes[i] = {
          ok: false,
          code: (err as { code?: string }).code ?? String(err),
          ms: performance.now() - start,
        };
      }
      onOutcome(outcomes[i], ++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

/** The `p`-th percentile (0-100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
