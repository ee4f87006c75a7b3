// Flat config: typescript-eslint's recommended rules, Prettier owns formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import sqlParameterized from './eslint-rules/sql-parameterized.cjs';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', '.test-results/**', 'grafana-plugin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Every SQL statement is fixed text with $n parameters (eslint-rules/sql-parameterized.cjs says what passes).
    plugins: { ops: { rules: { 'sql-parameterized': sqlParameterized } } },
    rules: { 'ops/sql-parameterized': ['error', { identifierFunctions: ['quoteIdent'] }] },
  },
);
