// Shared steps of the browser tests: console-error capture, canvas checks, the CLI runs whose
// model the page must load, and screenshots for docs/ (only when PLASTICITY_SCREENSHOTS=1).
import { expect, type Page, type TestInfo } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const docsDir = join(repoRoot, 'docs');

/** Console errors and uncaught exceptions of a page, collected from the moment it opens. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}

/** Count of pixels that are not fully transparent (or not pure white) in a canvas. */
export async function inkedPixels(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate((c: HTMLCanvasElement) => {
    if (c.width === 0 || c.height === 0) return 0;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && !(d[i] === 255 && d[i + 1] === 255 && d[i + 2] === 255)) n++;
    return n;
  });
}

/** Fill the Train form for a quick run. */
export async function setUp(page: Page, o: { rules: string[]; hidden: string; epochs: number; dataset?: string; task?: string; batch?: number; cap?: string }): Promise<void> {
  if (o.dataset) await page.getByTestId('dataset').selectOption(o.dataset);
  if (o.task) await page.getByTestId('task').selectOption(o.task);
  for (const box of await page.locator('[data-testid^="rule-"]').all()) {
    const rule = (await box.getAttribute('data-testid'))!.slice('rule-'.length);
    await box.setChecked(o.rules.includes(rule));
  }
  await page.getByTestId('hidden').fill(o.hidden);
  await page.getByTestId('epochs').fill(String(o.epochs));
  if (o.batch) await page.getByTestId('batch').fill(String(o.batch));
  if (o.cap !== undefined) await page.getByTestId('cap').fill(o.cap);
}

/** Wait until every model on the page has finished (a Download button per model). */
export async function waitForModels(page: Page, count: number, timeout = 120_000): Promise<void> {
  await expect(page.locator('[data-testid^="download-"]:not([data-testid^="download-tfjs-"])')).toHaveCount(count, { timeout });
}

export async function screenshot(page: Page, name: string, selector?: string): Promise<void> {
  if (process.env.PLASTICITY_SCREENSHOTS !== '1') return;
  await mkdir(docsDir, { recursive: true });
  const path = join(docsDir, name);
  if (selector) await page.locator(selector).screenshot({ path });
  else await page.screenshot({ path, fullPage: false });
}

/** Runs `plasticity …` (the repo's CLI bin) and returns the JSON lines it printed. */
export function cli(args: string[], info?: TestInfo): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'packages/cli/bin/plasticity.mjs'), ...args, '--json'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`plasticity ${args.join(' ')} exited ${code}: ${err || out}`));
        return;
      }
      const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      info?.annotations.push({ type: 'cli', description: `plasticity ${args.join(' ')}` });
      resolve(lines);
    });
  });
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}
