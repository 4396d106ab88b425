// Child process of the benchmark: sends Feishu's URL-verification challenge to a webhook while the parent's
// load runs, and times each answer. In its own process so that the load generator's busy event loop (and
// the emulator it hosts) do not add to the figure: like Feishu, the sender here waits for nothing else.
// The challenge is built, encrypted and judged by the emulator's own functions: encrypted with the Encrypt
// Key, never signed (步骤三：接收事件), answered {"challenge": same value} with HTTP 200.
import { judgeChallengeAnswer } from '../src/emulator/events/callbacks.js';
import { buildUrlVerification, type TenantIdentity } from '../src/emulator/events/envelopes.js';
import { encodePush, postWebhook } from '../src/emulator/events/transport.js';
import type { ChallengeSample, ProberReply, ProberRequest } from './lib/challenge.js';

/** The emulator's deadline for a challenge answer; anything slower is refused as a timeout. */
const TIMEOUT_MS = 3_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function challengeOnce(eventUrl: string, identity: TenantIdentity, encryptKey: string): Promise<ChallengeSample> {
  const challenge = buildUrlVerification(identity);
  const push = encodePush(challenge, { encryptKey, sign: false, timestampSeconds: Math.floor(Date.now() / 1000) });
  const sent = performance.now();
  const response = await postWebhook(eventUrl, push, TIMEOUT_MS);
  const ms = performance.now() - sent;
  const answer = judgeChallengeAnswer(response, challenge.challenge);
  return { ms, ok: answer.ok, ...(answer.problem ? { problem: answer.problem } : {}) };
}

/** `count` challenges spaced evenly over `seconds`, one at a time. */
async function probe(request: ProberRequest): Promise<ChallengeSample[]> {
  const samples: ChallengeSample[] = [];
  const started = performance.now();
  for (let k = 0; k < request.count; k += 1) {
    await sleep(started + ((k + 0.5) * request.seconds * 1000) / request.count - performance.now());
    samples.push(await challengeOnce(request.eventUrl, request.identity, request.encryptKey));
  }
  return samples;
}

process.on('message', (request: ProberRequest) => {
  void probe(request).then(
    (samples) => process.send?.({ id: request.id, samples } satisfies ProberReply),
    (error: unknown) =>
      process.send?.({ id: request.id, samples: [], error: (error as Error).message } satisfies ProberReply),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, samples: [] } satisfies ProberReply);
