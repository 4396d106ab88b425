// No container engine runs here, so these keep the deployment files honest against the repository: the
// image runs the documented production command, copies what exists, installs no devDependency, and the
// built code needs nothing a production install lacks. (.ci/run installs and starts it that way too.)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_KEYS } from '../src/config.js';
import { REPO_ROOT } from './helpers/bot-process.js';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const PRODUCTION_COMMAND = 'node dist/main.js';

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions per stage (continuation lines joined, comments dropped). */
function dockerfileStages(): Instruction[][] {
  const text = read('Dockerfile').replace(/\\\n/g, ' ');
  const stages: Instruction[][] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

const argsOf = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('Dockerfile', () => {
  const stages = dockerfileStages();
  const final = stages.at(-1)!;

  it('runs the production command the README documents, as a non-root user, with a liveness check', () => {
    const [cmd] = argsOf(final, 'CMD');
    expect((JSON.parse(cmd!) as string[]).join(' ')).toBe(PRODUCTION_COMMAND); // exec form: node is PID 1 and gets SIGTERM
    expect(read('README.md').includes(`\`${PRODUCTION_COMMAND}\``), 'the README names the production command').toBe(
      true,
    );
    expect(argsOf(final, 'USER')).toEqual([expect.not.stringMatching(/^(root|0)$/)]);
    expect(argsOf(final, 'HEALTHCHECK').join(' ')).toContain('/livez');
  });

  it('builds with the whole toolchain, but the image gets its node_modules from an install without devDependencies', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runs = stages.map((stage) => argsOf(stage, 'RUN').join(' && '));
    expect(runs.some((run) => run.includes('npm run build'))).toBe(true);
    const copiesNodeModules = argsOf(final, 'COPY').filter((args) => args.includes('node_modules'));
    expect(copiesNodeModules).toHaveLength(1);
    const from = /--from=(\S+)/.exec(copiesNodeModules[0]!)?.[1];
    const dependencies = stages.find((stage) => stage[0]!.args.endsWith(` AS ${from}`));
    expect(argsOf(dependencies!, 'RUN').join(' ')).toMatch(/npm ci --omit=dev/);
  });

  it('copies only what exists in the repository and what .dockerignore lets through', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#') && !line.startsWith('!'));
    const sources = stages
      .flatMap((stage) => argsOf(stage, 'COPY').filter((args) => !args.startsWith('--from')))
      .flatMap((args) => args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      expect(existsSync(join(REPO_ROOT, source)), source).toBe(true);
      expect(
        ignored.filter((pattern) => source === pattern || source.startsWith(`${pattern}/`)),
        source,
      ).toEqual([]);
    }
  });
});

/** A package's name from a module specifier: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
const packageName = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * What a built file loads at run time, outside dist/: static imports (one or many lines, up to `from`),
 * dynamic imports, require() of a bundled CommonJS package (esbuild's __require), and createRequire(…)('name').
 */
const LOADS = [
  /^(?:import|export)\b[^;]*?\bfrom\s*(["'])(?<specifier>[^"']+)\1/gm,
  /^import\s*(["'])(?<specifier>[^"']+)\1/gm,
  /\bimport\(\s*(["'])(?<specifier>[^"']+)\1\s*\)/g,
  /\b__require\(\s*(["'])(?<specifier>[^"']+)\1\s*\)/g,
  /\bcreateRequire\w*\(import\.meta\.url\)\(\s*(["'])(?<specifier>[^"']+)\1\s*\)/g,
];

describe('production install', () => {
  it('the built code loads only Node built-ins, production dependencies and their optional peers', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const jsFiles = (readdirSync(join(REPO_ROOT, 'dist'), { recursive: true }) as string[]).filter((file) =>
      file.endsWith('.js'),
    );
    expect(jsFiles).toContain('main.js');
    const packages = new Set<string>();
    for (const file of jsFiles) {
      const code = readFileSync(join(REPO_ROOT, 'dist', file), 'utf8');
      for (const pattern of LOADS) {
        for (const match of code.matchAll(pattern)) {
          const specifier = match.groups!.specifier!;
          if (
            specifier.startsWith('.') ||
            specifier.startsWith('node:') ||
            builtinModules.includes(packageName(specifier))
          )
            continue;
          packages.add(packageName(specifier));
        }
      }
    }
    // what is not bundled: the SDK (createRequire in src/feishu/client.ts) and the Redis client
    expect([...packages]).toEqual(expect.arrayContaining(['@larksuiteoapi/node-sdk', 'bullmq', 'ioredis']));
    // A bundled package may ask for an optional peer in a try/catch (ws: bufferutil); absent, it does without.
    const optionalPeers = Object.keys(pkg.dependencies).flatMap((name) => {
      const { peerDependenciesMeta = {} } = JSON.parse(read(`node_modules/${name}/package.json`)) as {
        peerDependenciesMeta?: Record<string, { optional?: boolean }>;
      };
      return Object.keys(peerDependenciesMeta).filter((peer) => peerDependenciesMeta[peer]!.optional);
    });
    for (const name of packages)
      expect([...Object.keys(pkg.dependencies), ...optionalPeers], `${name} (loaded by dist/)`).toContain(name);
  });

  it('npm start execs the production command, so signals reach the bot', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toMatch(new RegExp(`(^|&& )exec ${PRODUCTION_COMMAND}$`));
  });
});

describe('compose.yaml and .env.example', () => {
  it('.env.example lists every variable the bot reads', () => {
    const example = read('.env.example');
    for (const name of [...Object.keys(ENV_KEYS), 'APP_CONFIG'])
      expect(example, name).toMatch(new RegExp(`^(# )?${name}=`, 'm'));
  });

  it('compose.yaml builds the bot from this Dockerfile and points it at its Redis', () => {
    const compose = read('compose.yaml');
    expect(compose).toMatch(/^ {2}bot:\n {4}build: \.$/m);
    expect(compose).toMatch(/^ {2}redis:\n {4}image: redis:/m);
    expect(compose).toContain('REDIS_URL: redis://redis:6379/');
    expect(compose).toContain('env_file: .env');
  });
});
