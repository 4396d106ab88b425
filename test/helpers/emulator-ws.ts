// The real SDK's long-connection client (WSClient + EventDispatcher) pointed at an emulator, with what it
// reported, for the long-connection tests.
import * as lark from '@larksuiteoapi/node-sdk';
import { afterEach } from 'vitest';
import type { Emulator, EmulatorOptions } from '../../src/emulator/index.js';
import { startTestEmulator, type TestApp } from './emulator.js';

/** Handlers by event type, typed by the SDK where it knows the event (it has no type for card.action.trigger). */
export type Handlers = Parameters<lark.EventDispatcher['register']>[0] & {
  'card.action.trigger'?: (data: unknown) => Promise<unknown>;
};

export interface SdkLongConnection {
  client: lark.WSClient;
  /** Errors passed to onError (the client gave up). */
  errors: Error[];
  /** Lines the SDK logged at error level. */
  errorLogs: string[];
  reconnects: number;
  /** Resolves on onReady; rejects on onError. */
  ready: Promise<void>;
  close(): void;
}

/** Starts a WSClient with `handlers` registered on an EventDispatcher, against the emulator. */
export function startSdkClient(
  emulator: Pick<Emulator, 'url'>,
  app: Pick<TestApp, 'appId' | 'appSecret' | 'verificationToken'>,
  handlers: Handlers = {},
): SdkLongConnection {
  const errors: Error[] = [];
  const errorLogs: string[] = [];
  let reconnects = 0;
  let markReady!: () => void;
  let markFailed!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  ready.catch(() => {}); // a test that expects failure reads `errors` instead
  const logger = {
    error: (...parts: unknown[]) => void errorLogs.push(parts.map(String).join(' ')),
    warn: () => {},
    info: () => {},
    debug: () => {},
    trace: () => {},
  };
  const client = new lark.WSClient({
    appId: app.appId,
    appSecret: app.appSecret,
    domain: emulator.url,
    logger,
    loggerLevel: lark.LoggerLevel.error,
    onReady: () => markReady(),
    onError: (err) => {
      errors.push(err);
      markFailed(err);
    },
    onReconnected: () => {
      reconnects += 1;
    },
  });
  const dispatcher = new lark.EventDispatcher({
    verificationToken: app.verificationToken,
    logger,
    loggerLevel: lark.LoggerLevel.error,
  }).register(handlers);
  void client.start({ eventDispatcher: dispatcher });
  return {
    client,
    errors,
    errorLogs,
    get reconnects() {
      return reconnects;
    },
    ready,
    close: () => client.close({ force: true }),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 10 ms; rejects after timeoutMs. */
export async function until(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

export type Cleanups = Array<() => Promise<void> | void>;

/** A list of clean-ups run after each test of the file, last added first. */
export function cleanupsAfterEach(): Cleanups {
  const cleanups: Cleanups = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });
  return cleanups;
}

/** An emulator that delivers over the long connection, and `connect` for SDK clients; all closed after the test. */
export async function startWsEmulator(cleanups: Cleanups, options: Partial<EmulatorOptions> = {}) {
  const emulator = await startTestEmulator({ eventTransport: 'websocket', ...options });
  cleanups.push(() => emulator.close());
  const connect = (
    handlers: Handlers = {},
    app: Pick<TestApp, 'appId' | 'appSecret' | 'verificationToken'> = emulator.app,
  ): SdkLongConnection => {
    const connection = startSdkClient(emulator, app, handlers);
    cleanups.push(() => connection.close());
    return connection;
  };
  return { emulator, connect };
}
