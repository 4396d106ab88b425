// Once before all test files: the tests that run the bot as its own process run the built bot
// (`node dist/main.js`, the production command), so dist/ must be current.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url)), '--if-stale'], {
    stdio: 'inherit',
  });
}
