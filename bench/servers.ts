// Child process of the benchmark: runs ONE webhook server (ours, the SDK sample or the bare route),
// so the load generator in the parent and the server under test each get a core, and no server
// inherits another's heap. Started by bench/lib/child.ts; talks over IPC (bench/lib/protocol.ts).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createLogger } from '../src/log.js';
import type { RunningBot } from '../src/service.js';
import { BENCH_APP, benchConfig } from './lib/app.js';
import type { ChildMessage, ParentMessage, ServerSpec, ServerStats } from './lib/protocol.js';
import type { SampleServer } from './targets/sdk-sample.js';

interface Running {
  url: string;
  eventPath: string;
  stats(): Omit<ServerStats, keyof Usage> | Promise<Omit<ServerStats, keyof Usage>>;
  /** Resolves when no accepted event is waiting or running. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function waitUntilIdle(bot: RunningBot, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let stats = await bot.stats(); stats.waiting + stats.running > 0; stats = await bot.stats()) {
    if (Date.now() > deadline) throw new Error(`queue still busy after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function fromSample(sample: SampleServer): Running {
  return {
    url: sample.url,
    eventPath: sample.eventPath,
    stats: () => ({ handled: sample.handled() }),
    idle: async () => {},
    close: sample.close,
  };
}

async function start(spec: ServerSpec): Promise<Running> {
  switch (spec.target) {
    // each imported only where used: the bare route's process never loads the SDK
    case 'ours': {
      const { startBot } = await import('../src/service.js');
      const config = benchConfig(spec.env ?? {});
      const bot = await startBot(config, createLogger(config.logLevel));
      return {
        url: bot.url,
        eventPath: '/webhook/event',
        stats: async () => ({ bot: await bot.stats() }),
        idle: () => waitUntilIdle(bot),
        close: async () => void (await bot.shutdown(5_000)),
      };
    }
    case 'sdk':
      return fromSample(await (await import('./targets/sdk-sample.js')).startSdkSample(BENCH_APP));
    case 'bare':
      return fromSample(await (await import('./targets/bare-koa.js')).startBareKoa());
    case 'floor':
      return fromSample(await (await import('./targets/crypto-floor.js')).startCryptoFloor(BENCH_APP));
  }
}

type Usage = Pick<ServerStats, 'rssBytes' | 'heapUsedBytes' | 'cpuMicros' | 'loopDelay'>;

// How long the event loop was blocked: a request (a push, a URL challenge) that arrives meanwhile waits that long.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

function usage(): Usage {
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  const delay = { maxMs: loopDelay.max / 1e6, p99Ms: loopDelay.percentile(99) / 1e6 };
  return { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, cpuMicros: cpu.user + cpu.system, loopDelay: delay };
}

/** A V8 CPU profile of just the measured slices (node --cpu-prof would include start-up and the loader thread). */
function profiler() {
  let session: Session | undefined;
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) =>
      session!.post(method, (error, result) => (error ? reject(error) : resolve(result))),
    );
  return {
    async start(): Promise<void> {
      session = new Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.start');
    },
    async stop(path: string): Promise<void> {
      if (!session) throw new Error('profile-stop without profile-start');
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      session.disconnect();
      session = undefined;
      writeFileSync(path, JSON.stringify(profile));
    },
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec;
  const server = await start(spec);
  const profile = profiler();
  process.on('message', (message: ParentMessage) => {
    void (async () => {
      try {
        switch (message.command) {
          case 'gc':
            // --expose-gc is set by the parent; two passes let weak/finalised objects go too
            globalThis.gc?.();
            globalThis.gc?.();
            break;
          case 'idle':
            await server.idle();
            break;
          case 'stop':
            await server.close();
            send({ type: 'reply', id: message.id });
            process.exit(0);
            return;
          case 'profile-start':
            await profile.start();
            break;
          case 'profile-stop':
            await profile.stop(message.path);
            break;
          case 'stats':
            break;
        }
        send({ type: 'reply', id: message.id, stats: { ...usage(), ...(await server.stats()) } });
        // the next answer's loopDelay covers the time from this request on (e.g. one load slice)
        if (message.command === 'stats') loopDelay.reset();
      } catch (error) {
        send({ type: 'reply', id: message.id, error: (error as Error).message });
      }
    })();
  });
  // the benchmark went away (crashed, interrupted): do not stay behind listening
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url: server.url, eventPath: server.eventPath });
}

main().catch((error: unknown) => {
  console.error('bench server failed to start:', error);
  process.exit(1);
});
