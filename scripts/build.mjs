// `npm run build`: src/ → dist/ with tsc (tsconfig.build.json), then the files tsc does not emit (the
// emulator's room seed). Plain JavaScript: it runs before anything is compiled.
//
// `--if-stale` is what `npm start` runs: nothing happens when dist/ was built after the last change to
// what it is built from, or when there is nothing to build from (a production install ships dist/ alone).
/* global process, console */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
/** Written last: its time is when dist/ was complete. */
const stamp = join(dist, '.built');
const inputs = [src, join(root, 'tsconfig.json'), join(root, 'tsconfig.build.json'), join(root, 'package-lock.json')];

/** Newest modification time under `path` (directories count too: deleting a file changes its directory). */
function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

function isStale() {
  if (!existsSync(src)) return false;
  if (!existsSync(stamp)) return true;
  return Math.max(...inputs.map(newestChange)) > statSync(stamp).mtimeMs;
}

/** Every file under `dir` that tsc leaves behind (anything but TypeScript), relative to `dir`. */
function assets(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.ts'))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

function build() {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    console.error('build: TypeScript is not installed (a production install has no devDependencies): run `npm ci`, then `npm run build`');
    process.exit(1);
  }
  rmSync(dist, { recursive: true, force: true });
  const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (compiled.status !== 0) process.exit(compiled.status ?? 1);
  for (const file of assets(src)) cpSync(join(src, file), join(dist, file));
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

if (!process.argv.includes('--if-stale')) build();
else if (isStale()) {
  console.error('build: compiling src/ to dist/ (it is older than the sources)…');
  build();
}
