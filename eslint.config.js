// ESLint checks correctness; layout is Prettier's (eslint-config-prettier turns off the rules
// that would disagree with it). The type-aware rules read the same tsconfig files as `tsc`:
// the root one for Node code, edge/tsconfig.json for the Worker.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', '.wrangler/', 'dist/', 'console/dist/', 'bench/results/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A new member of a union (an Effect, a role, an error code) must be handled where the
      // code switches over it; a `default` does not count as handling it.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // An async method without await is how a synchronous implementation keeps a
      // Promise-returning interface (and turns a throw into a rejection).
      '@typescript-eslint/require-await': 'off',
      // Matching control characters is the point of the input checks that use them.
      'no-control-regex': 'off',
    },
  },
  {
    // Tests read untyped JSON and YAML answers, and vitest types its asymmetric matchers
    // (expect.any, expect.stringContaining, …) as `any`; a wrong guess there fails the test.
    files: ['**/*.test.ts', '**/*.contract.ts', 'test/helpers/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The console's event handlers may be async: Preact ignores what they return, and each
    // handler catches and shows its own failure.
    files: ['console/**/*.tsx'],
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }] },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  prettier,
  {
    // Prettier wraps code at its 140 columns but never a comment, so comments are held to the
    // same width here; a long string, template literal, URL or regular expression stays whole.
    // (eslint-config-prettier turns max-len off, hence after it.)
    rules: {
      'max-len': ['error', { code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    // Written by `npm run api:types` from the OpenAPI document's descriptions.
    files: ['core/api-types.ts'],
    rules: { 'max-len': 'off' },
  },
);
