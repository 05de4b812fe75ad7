import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, test } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const SHELL_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);
const PROBE = 'helper/__probe__.ts';

/** Rule ids of the shell-ban rules that fired, plus any parse failure. */
function shellFindings(results: ESLint.LintResult[]): string[] {
  return results.flatMap((r) =>
    r.messages
      .filter((m) => m.fatal || SHELL_RULES.has(m.ruleId ?? ''))
      .map((m) => `${r.filePath}:${m.line} ${m.fatal ? 'fatal' : m.ruleId}: ${m.message}`),
  );
}

describe('the helper never spawns through a shell', () => {
  let eslint: ESLint;
  beforeAll(() => {
    // The rules under test are syntactic, and the probe file does not exist on disk, so the
    // type-aware project service could not open it: type-aware rules are off here (which also
    // keeps linting all of helper/ fast). Every other rule, and the helper/** shell ban under
    // test, is the repository's own configuration, unchanged.
    eslint = new ESLint({
      cwd: repoRoot,
      overrideConfig: { files: ['helper/**', 'app/__probe__.ts'], ...tseslint.configs.disableTypeChecked },
    });
  });

  const lint = async (code: string, filePath = PROBE): Promise<string[]> =>
    shellFindings(await eslint.lintText(code, { filePath }));

  const forbidden: Array<[string, string]> = [
    ['exec(...)', "import { exec } from 'node:child_process';\nexec('ip link');\n"],
    ['execSync(...)', "import { execSync } from 'child_process';\nexecSync('ip link');\n"],
    [
      'exec imported under another name',
      "import { exec as run } from 'node:child_process';\nrun('ip link');\n",
    ],
    ['cp.exec(...)', "import * as cp from 'node:child_process';\ncp.exec('ip link');\n"],
    [
      'exec from a dynamic import',
      "const { exec } = await import('node:child_process');\nexec('ip link');\nexport {};\n",
    ],
    [
      'spawn with shell: true',
      "import { spawn } from 'node:child_process';\nspawn('ip', ['link'], { shell: true });\n",
    ],
    [
      'spawn with a shell path',
      "import { spawn } from 'node:child_process';\nspawn('ip', ['link'], { shell: '/bin/sh' });\n",
    ],
    [
      'spawn with a computed shell',
      "import { spawn } from 'node:child_process';\nconst s = Date.now() > 0;\nspawn('ip', [], { shell: s });\n",
    ],
    [
      'execFileSync with shell: true',
      "import { execFileSync } from 'node:child_process';\nexecFileSync('ip', [], { shell: true });\n",
    ],
  ];

  test.each(forbidden)('%s is reported', async (_name, code) => {
    const findings = await lint(code);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => !/ fatal: /.test(f))).toBe(true);
  });

  test('importing exec alone is reported by the import rule', async () => {
    const findings = await lint("import { exec } from 'node:child_process';\nexport const run = exec;\n");
    expect(findings).toEqual([expect.stringMatching(/no-restricted-imports: .*exec/)]);
  });

  test('spawn with an absolute path and an argv array is not reported', async () => {
    expect(
      await lint("import { spawn } from 'node:child_process';\nspawn('/usr/sbin/ip', ['link']);\n"),
    ).toEqual([]);
    const explicit =
      "import { execFile } from 'node:child_process';\nexecFile('/usr/sbin/ip', ['link'], { shell: false });\n";
    expect(await lint(explicit)).toEqual([]);
  });

  test('the ban is the helper rule: the same exec call outside helper/ is not reported by it', async () => {
    const findings = await lint(
      "import { exec } from 'node:child_process';\nexec('ls');\n",
      'app/__probe__.ts',
    );
    expect(findings).toEqual([]);
  });

  test('no file under helper/ uses a shell', async () => {
    const results = await eslint.lintFiles(['helper/']);
    const linted = results.map((r) => r.filePath.slice(repoRoot.length));
    expect(linted).toEqual(
      expect.arrayContaining(['helper/server.ts', 'helper/protocol.ts', 'helper/peercred/index.ts']),
    );
    expect(shellFindings(results)).toEqual([]);
  });
});
