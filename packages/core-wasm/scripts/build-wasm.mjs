// Builds the AssemblyScript kernels twice: a `simd` build (f32x4) and a `relaxed-simd`
// build (f32x4.relaxed_madd). The loader picks one at run time with WebAssembly.validate.
// Memory is imported: TypeScript owns the one WebAssembly.Memory and its arena.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
const asc = join(dirname(createRequire(import.meta.url).resolve('assemblyscript/package.json')), 'bin', 'asc.js');
mkdirSync(join(pkg, 'build'), { recursive: true });

const common = ['assembly/index.ts', '--runtime', 'stub', '--importMemory', '--noAssert', '-O3', '--converge',
  '--noExportMemory', '--initialMemory', '1'];
const builds = [
  { name: 'simd', flags: ['--enable', 'simd'], use: '0' },
  { name: 'relaxed', flags: ['--enable', 'simd', '--enable', 'relaxed-simd'], use: '1' },
];
for (const b of builds) {
  const out = join('build', `kernels.${b.name}.wasm`);
  execFileSync(process.execPath, [asc, ...common, ...b.flags, '--use', `RELAXED=${b.use}`, '-o', out], {
    cwd: pkg,
    stdio: 'inherit',
  });
  console.log(`built ${out}`);
}
