// `npm run build`: src/ → dist/ with esbuild: the bot (dist/main.js) and `npm run doctor` (dist/doctor.js),
// each bundled with the packages it imports, so a start reads a few files instead of hundreds from
// node_modules. Code loaded only on demand (local mode's emulator, the Redis client) stays in chunks of its
// own that production never reads. esbuild only strips the types: `npm run typecheck` checks them.
// Plain JavaScript: it runs before anything is compiled.
//
// `--if-stale` is what `npm start` runs: nothing happens when dist/ was built after the last change to
// what it is built from, or when there is nothing to build from (a production install ships dist/ alone).
/* global process, console */
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
/** Written last: its time is when dist/ was complete. */
const stamp = join(dist, '.built');
// the build script itself too: a change to how dist/ is made must remake it
const inputs = [src, join(root, 'tsconfig.json'), join(root, 'package-lock.json'), fileURLToPath(import.meta.url)];

/**
 * Loaded from node_modules at run time rather than bundled: the Redis client (only with REDIS_URL; its
 * msgpackr has optional native parts that do not survive bundling), and the SDK, which src/feishu/client.ts
 * loads with createRequire (esbuild leaves that call alone; listed so that no other import bundles a copy).
 */
const external = ['bullmq', 'ioredis', '@larksuiteoapi/node-sdk'];
// Bundled and fine so: pino, because src/log.ts gives it a destination stream and no transport (a transport
// would start a worker thread from a file beside pino's own); ws and protobufjs, which only the emulator uses.

/**
 * Bundled CommonJS packages call require() for Node's built-ins; an ES module has no require, so each
 * output file gets its own (esbuild's shim would otherwise throw "Dynamic require … is not supported").
 */
const requireForBundledCommonJs =
  "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);";

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

async function build() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    console.error(
      'build: esbuild is not installed (a production install has no devDependencies): run `npm ci`, then `npm run build`',
    );
    process.exit(1);
  }
  rmSync(dist, { recursive: true, force: true });
  try {
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: [join(src, 'main.ts'), join(src, 'doctor.ts')],
      outdir: dist,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external,
      banner: { js: requireForBundledCommonJs },
      // Not minified: stack traces keep our names and lines. `node --enable-source-maps` maps them to src/.
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'warning',
    });
  } catch {
    process.exit(1); // esbuild has printed what failed
  }
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

if (!process.argv.includes('--if-stale')) await build();
else if (isStale()) {
  console.error('build: bundling src/ into dist/ (it is older than the sources)…');
  await build();
}
