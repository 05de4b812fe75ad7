/**
 * Benchmark runner: `npm run bench -- <name>…` runs test/bench/<name>.bench.ts, each of which
 * exports `run(): Promise<string>` returning one result line; with no name it runs them all.
 * Benchmarks measure; tests (npm test) check behaviour.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface BenchModule {
  run(): Promise<string>;
}

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();

const wanted = process.argv.slice(2).filter((a) => a !== '--');
for (const name of wanted) {
  if (!available.includes(name)) {
    process.stderr.write(`unknown benchmark '${name}'; available: ${available.join(', ')}\n`);
    process.exit(2);
  }
}

for (const name of wanted.length ? wanted : available) {
  const mod = (await import(join(here, `${name}.bench.ts`))) as BenchModule;
  process.stdout.write(`${await mod.run()}\n`);
}
