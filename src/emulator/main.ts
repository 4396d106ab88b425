// Standalone emulator: `npm run emulator` (tsx src/emulator/main.ts). Point the bot at it with
// FEISHU_DOMAIN=<printed URL> and the same FEISHU_* credentials. Lines typed on the terminal are sent to
// the bot as a user's messages; the bot's replies are printed.
import { createInterface } from 'node:readline';
import { createLogger } from '../log.js';
import { EMULATOR_DEFAULTS, readEmulatorEnv } from './env.js';
import type { RecordedReply } from './messages.js';
import { withTypedMentions } from './events/envelopes.js';
import { startEmulator } from './server.js';

function describeReply(reply: RecordedReply): string {
  return `reply ${reply.replyMessageId} to ${reply.parentMessageId} (${reply.msgType}):\n${JSON.stringify(reply.card ?? reply.content, null, 2)}`;
}

async function main(): Promise<void> {
  const env = readEmulatorEnv();
  const logger = createLogger(process.env.LOG_LEVEL || 'info');
  const emulator = await startEmulator({ ...env, host: '127.0.0.1', logger });
  emulator.onReply((reply) => console.log(describeReply(reply)));

  console.log(
    `Feishu emulator on ${emulator.url} (app_id ${env.appId}, pushes ${env.encryptKey ? 'encrypted and signed' : 'in plain JSON'})`,
  );
  if (env.apiLatency)
    console.log(
      `every Open API answer waits ${env.apiLatency.fixedMs} ± ${env.apiLatency.jitterMs} ms (EMULATOR_LATENCY_MS, EMULATOR_JITTER_MS)`,
    );
  if (env.eventTransport === 'websocket')
    console.log('events and card callbacks → the long connection the bot opens (WSClient)');
  else console.log(`events → ${env.eventUrl ?? '-'}, card callbacks → ${env.cardUrl ?? '-'}`);
  // The default credentials open only this emulator, so they may be shown; credentials from the environment are not.
  const shown = (value: string, fallback: string) => (value === fallback ? value : '<as set>');
  console.log(
    `Run the bot with FEISHU_DOMAIN=${emulator.url} FEISHU_APP_ID=${env.appId} FEISHU_APP_SECRET=${shown(env.appSecret, EMULATOR_DEFAULTS.appSecret)} ` +
      `FEISHU_VERIFICATION_TOKEN=${shown(env.verificationToken, EMULATOR_DEFAULTS.verificationToken)}${env.encryptKey ? ' FEISHU_ENCRYPT_KEY=<as set>' : ''}`,
  );
  console.log(
    'Type a message to send it in a p2p chat (e.g. "/room test01"); prefix it with "group " to send it in a group, where',
  );
  console.log(
    `"@${emulator.identity.bot.name}", "@Alice" and "@all" are mentions (a group message without any @-mentions the bot).`,
  );
  console.log(
    `Or: curl -X POST ${emulator.url}/_emulator/messages -H 'content-type: application/json' -d '{"text":"/room test01"}'`,
  );

  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (line) => {
    const text = line.trim();
    if (text === '') return;
    const group = text.startsWith('group ');
    const input = {
      text: group ? text.slice('group '.length) : text,
      chatType: group ? ('group' as const) : ('p2p' as const),
    };
    const created = emulator.createMessage(withTypedMentions(input, emulator.identity.bot.name));
    console.log(`sent ${created.messageId} (event ${created.eventId})`);
    emulator.deliverEnvelope(created.envelope).then(
      (result) => {
        if (!result.acknowledged && !result.cancelled)
          console.log(`event ${result.eventId} was never acknowledged (${result.attempts.length} pushes)`);
      },
      (err: unknown) => console.error(`could not push ${created.messageId}: ${(err as Error).message}`),
    );
  });

  const stop = () => {
    lines.close();
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`emulator failed to start: ${(err as Error).message}`);
  process.exit(1);
});
