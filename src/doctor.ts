// `npm run doctor`: checks a configuration end to end — the configuration itself, the app credentials,
// the meeting-room scope, the event settings, and Redis or the data directory — and prints one line per
// check with what to fix. Exit 0 only when no check failed. Reads the same app.config.json and
// environment as the bot.
import { exitCodeOf, formatReport } from './doctor/report.js';
import { runDoctor } from './doctor/run.js';

async function main(): Promise<void> {
  const results = await runDoctor({ env: process.env, cwd: process.cwd() });
  const code = exitCodeOf(results);
  // exit once the report is written: the HTTP keep-alive sockets would otherwise hold the process a while
  process.stdout.write(`${formatReport(results).join('\n')}\n`, () => process.exit(code));
}

main().catch((error: unknown) => {
  console.error(`doctor failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
