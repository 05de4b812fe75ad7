/**
 * Registry benchmark: 1,000 enrolments from 20 concurrent clients against a real registry
 * process on loopback. Tokens and CSRs are made beforehand, so the figures measure the
 * registry (CSR check, prefix allocation, signing, durable commit) and HTTP only.
 */
import { join } from 'node:path';
import { blankCsrs, enrolMany, percentile } from '../support/registry-load';
import {
  createTokens,
  initRegistryDir,
  removeDir,
  startRegistry,
  tempDir,
  type RegistryProcess,
} from '../support/registry-process';

const ENROLMENTS = 1000;
const CLIENTS = 20;

/** Runs the benchmark; resolves to `registry_enrolments_per_s=… registry_p99_ms=…`. */
export async function run(): Promise<string> {
  const root = tempDir('registry-bench');
  let registry: RegistryProcess | undefined;
  try {
    const init = await initRegistryDir(join(root, 'registry'));
    registry = await startRegistry(init.dir);
    const [tokens, csrs] = await Promise.all([
      createTokens(registry.url, init.adminCredential, ENROLMENTS),
      blankCsrs(ENROLMENTS),
    ]);
    const start = performance.now();
    const outcomes = await enrolMany(registry.url, tokens, csrs, CLIENTS);
    const seconds = (performance.now() - start) / 1000;
    const failed = outcomes.filter((o) => !o.ok).length;
    if (failed > 0) throw new Error(`${failed} of ${ENROLMENTS} enrolments failed`);
    const p99 = percentile(
      outcomes.map((o) => o.ms),
      99,
    );
    return `registry_enrolments_per_s=${(ENROLMENTS / seconds).toFixed(1)} registry_p99_ms=${p99.toFixed(1)}`;
  } finally {
    await registry?.stop();
    removeDir(root);
  }
}
