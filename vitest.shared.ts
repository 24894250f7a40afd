// Shared vitest settings for every package: resolve workspace packages from their
// TypeScript sources (the "source" export condition) and write a JSON report that
// .ci/run sums into its closing "N passed, N failed" line.
import { defineConfig, type UserConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export function packageConfig(name: string, extra: UserConfig['test'] = {}): UserConfig {
  return defineConfig({
    resolve: { conditions: ['source', 'import', 'module', 'default'] },
    ssr: { resolve: { conditions: ['source', 'import', 'module', 'default'] } },
    test: {
      include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
      reporters: ['default', 'json'],
      outputFile: { json: `${root}reports/tests/${name}.json` },
      testTimeout: 60_000,
      hookTimeout: 60_000,
      ...extra,
    },
  });
}
