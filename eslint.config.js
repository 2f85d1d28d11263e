// Flat config: ESLint's recommended rules plus typescript-eslint's, over every package and app.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'docs/api/**', 'apps/docs/api/**', 'apps/docs/.vitepress/cache/**', 'apps/docs/.vitepress/dist/**', 'apps/docs/test-results/**', 'bench-results/**', 'descent-results/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      // Trees and tfjs kernel plumbing are typed structurally; `any` is confined to those seams.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-new-func': 'off',
    },
  },
);
