import { defineConfig } from 'vitest/config';

/**
 * Two lanes run the same test files: `cpu` (tfjs-backend-cpu, always) and `webgpu`
 * (tfjs-backend-webgpu on Dawn; skipped with a printed reason where no adapter exists).
 * Sources resolve through the `@descent/source` export condition, so tests need no build.
 */
const shared = {
  include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
  testTimeout: 60_000,
  hookTimeout: 60_000,

};

export default defineConfig({
  resolve: { conditions: ['@descent/source'] },
  ssr: { resolve: { conditions: ['@descent/source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: { ...shared, name: 'cpu', setupFiles: ['./test-support/lane-cpu.ts'] },
      },
      {
        extends: true,
        test: {
          ...shared,
          name: 'webgpu',
          setupFiles: ['./test-support/lane-webgpu.ts'],
          // Dawn owns native threads; one fork at a time keeps SwiftShader predictable.
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
