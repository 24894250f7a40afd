// @plasticity/web as seen from Node: where the built dashboard is, so `plasticity serve` can
// serve it at `/`, and the Content-Security-Policy directives it needs. The browser code lives
// in src/main.ts and is built by Vite (`npm run build -w @plasticity/web`); nothing here
// imports it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding the built dashboard (index.html, assets/, data/): packages/web/dist. */
export function webDistDir(): string {
  return fileURLToPath(new URL('../dist/', import.meta.url));
}

/** Whether the dashboard has been built (dist/index.html exists). */
export function webBuilt(): boolean {
  return existsSync(join(webDistDir(), 'index.html'));
}

/**
 * CSP directives (helmet's camelCase names) the page needs on top of `default-src 'self'`: it
 * compiles WebAssembly (the kernels) and runs module workers from its own origin; charts and
 * tables set inline style attributes.
 */
export const WEB_CSP_DIRECTIVES = {
  scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
  workerSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
} as const;
