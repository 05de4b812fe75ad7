// Lint rules for vifibnet. Besides code quality, this file enforces the layer table in
// ARCHITECTURE.md: only app/main and app/preload may import electron; helper/ imports
// nothing from app/; app/core and app/ipc never import electron; the helper never spawns
// through a shell.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import prettier from 'eslint-config-prettier';
import pluginVue from 'eslint-plugin-vue';

const electronBan = {
  paths: [{ name: 'electron', message: 'Only app/main and app/preload may import electron.' }],
};

/** Patterns the helper may never use: anything that runs a shell. */
const helperShellBan = [
  {
    selector: "Property[key.name='shell'][value.value!=false]",
    message: 'The helper never spawns through a shell: pass an absolute path and an argv array.',
  },
  {
    selector: "Property[key.value='shell'][value.value!=false]",
    message: 'The helper never spawns through a shell: pass an absolute path and an argv array.',
  },
  {
    selector: 'CallExpression[callee.name=/^(exec|execSync)$/]',
    message: 'exec/execSync run a shell; the helper uses spawn/execFile with argv arrays.',
  },
  {
    selector:
      'CallExpression[callee.property.name=/^(exec|execSync)$/][callee.object.name=/^(child_process|childProcess|cp)$/]',
    message: 'exec/execSync run a shell; the helper uses spawn/execFile with argv arrays.',
  },
  {
    selector: 'ImportDeclaration[source.value=/^(node:)?child_process$/] > ImportDefaultSpecifier',
    message: 'Import spawn/execFile by name: a default child_process import hides exec from this check.',
  },
  {
    selector: 'ImportExpression[source.value=/^(node:)?child_process$/]',
    message: 'Import child_process statically and by name, so this check can see what is used.',
  },
  {
    selector:
      'CallExpression[callee.name=/^(spawn|spawnSync|execFile|execFileSync)$/][arguments.0.value=/(^|\\/)(ba|da|z|k|c|tc|fi)?sh$/]',
    message: 'Running a shell binary is spawning through a shell.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'helper/peercred/build/', 'dist/', 'out/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', electronBan],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['app/main/**', 'app/preload/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['helper/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...electronBan.paths,
            ...['child_process', 'node:child_process'].map((name) => ({
              name,
              importNames: ['exec', 'execSync'],
              message: 'exec/execSync run a shell; the helper uses spawn/execFile with argv arrays.',
            })),
          ],
          patterns: [{ group: ['**/app/**', 'app/*'], message: 'helper/ imports nothing from app/.' }],
        },
      ],
      'no-restricted-syntax': ['error', ...helperShellBan],
    },
  },
  // The renderer (Vue 3, browser): .vue files parsed by vue-eslint-parser with the TypeScript
  // parser for their scripts; renderer/ imports nothing project-internal but app/ipc, and never
  // Node or electron; remote strings are rendered as text (no v-html).
  ...pluginVue.configs['flat/recommended'].map((config) => ({ ...config, files: ['renderer/**/*.vue'] })),
  {
    files: ['renderer/**/*.vue'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], projectService: true },
    },
    rules: { 'vue/no-v-html': 'error' },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: electronBan.paths,
          patterns: [
            {
              group: [
                '**/app/*',
                '!**/app/ipc',
                '**/app/*/**',
                '!**/app/ipc/**',
                '**/helper/**',
                '**/test/**',
              ],
              message: 'renderer/ imports only from app/ipc.',
            },
            { group: ['node:*'], message: 'renderer/ runs in the browser: no Node modules.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/vite.config.ts'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { ...globals.node }, parserOptions: { projectService: false } },
  },
  prettier,
);
