// The dashboard is a plain Vite app. Workspace packages resolve from their TypeScript sources
// (the "source" condition, as in tests), so `npm run web` needs no build of rules/core-wasm
// beyond the wasm kernels. Data files come from public/data, made by scripts/prepare-data.ts.
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * @plasticity/rules imports a few Node-only packages for what the page never does (plots and
 * PNGs for report files: vega, resvg's native binary, pngjs over Node streams). The page gets
 * stand-ins that fail with a clear message if ever called, so the bundle stays small and no
 * native binary is ever fed to the bundler.
 */
const NODE_ONLY: Record<string, string> = {
  '@resvg/resvg-js': 'export class Resvg { constructor() { fail(); } }',
  pngjs: 'export class PNG { constructor() { fail(); } static sync = { read: fail, write: fail }; }',
  vega: 'export class View { constructor() { fail(); } } export const parse = fail;',
  'vega-lite': 'export const compile = fail;',
};
const PREFIX = '\0plasticity-node-only:';

function nodeOnlyStubs(): Plugin {
  return {
    name: 'plasticity-node-only-stubs',
    enforce: 'pre',
    resolveId(id) {
      return id in NODE_ONLY ? PREFIX + id : null;
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const name = id.slice(PREFIX.length);
      return `function fail() { throw new Error(${JSON.stringify(`${name} is not available in the browser (report files and plots are made by the CLI)`)}); }\n${NODE_ONLY[name]}\nexport default {};`;
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [nodeOnlyStubs()],
  resolve: { conditions: ['source', ...defaultClientConditions] },
  worker: { format: 'es', plugins: () => [nodeOnlyStubs()] },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // The kernels and tfjs binaries stay separate files, fetched and compiled by the worker.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
  },
  server: { port: 5173, strictPort: false, fs: { allow: [repoRoot] } },
  preview: { port: 4173 },
});
