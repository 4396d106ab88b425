// Phase 5, parsing: parseCommand on hostile messages of about 100 KB of content each, in a process of its own.
// The parser runs before the ack, for group chatter too, so its worst case holds the event loop: one message
// of 100 KB of "[" once held it for 21 s. Each message is parsed `runs` times; its figure is the median CPU
// time of this process per parse (what parsing costs, whatever else the machine runs; wall-clock time is
// shown beside it), and the result is the worst message's figure. Runnable alone: `npm run bench:parse`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseCommand, type Command, type IncomingMessage } from '../../src/bot/command.js';
import { loadConfig } from '../../src/config.js';
import { num, table } from '../lib/table.js';

/** The limits as app.config.json sets them, as the bot parses with them. */
const LIMITS = loadConfig({}).lookup;

export interface ParseSettings {
  /** Content size of each hostile message, in UTF-8 bytes (about). */
  bytes: number;
  /** Parses of each message; its figure is their median. */
  runs: number;
  /** Parses of each message before those, not counted: a running bot's code is compiled for what it has seen. */
  warmups: number;
}

export interface ParseCaseResult {
  name: string;
  chatType: string;
  messageType: string;
  contentBytes: number;
  /** What the parser decided, e.g. "ignore not_a_command", "invalid too_many_ids (20,000)". */
  outcome: string;
  /** This process's CPU time (user + system) per parse, median of the runs. */
  cpuMedianMs: number;
  wallMedianMs: number;
  wallMaxMs: number;
}

export interface ParseResult {
  cases: ParseCaseResult[];
  /** The case with the highest CPU median. */
  worst: ParseCaseResult;
  pass: boolean;
}

/** The target: the worst message's median CPU time per parse. */
export const PARSE_GOAL_MS = 5;

interface HostileMessage {
  name: string;
  message: IncomingMessage;
}

/** build(n) with n chosen so that the content is about `bytes` UTF-8 bytes (build grows linearly in n). */
function sized(bytes: number, build: (n: number) => string): string {
  const base = Buffer.byteLength(build(0));
  const perUnit = (Buffer.byteLength(build(1000)) - base) / 1000;
  const n = Math.max(1, Math.ceil((bytes - base) / perUnit));
  // Units need not be of one size (numbered mentions grow a digit now and then): correct once.
  return build(Math.max(1, Math.round((n * bytes) / Buffer.byteLength(build(n)))));
}

const repeat = (unit: string, n: number) => unit.repeat(n);
const textContent = (text: string) => JSON.stringify({ text });
const postContent = (content: unknown[]) => JSON.stringify({ title: '', content });
const textElement = (text: string) => ({ tag: 'text', text, style: [] });
const mentionKeys = (n: number, key: (i: number) => string): IncomingMessage['mentions'] =>
  Array.from({ length: n }, (_, i) => ({ key: key(i + 1), name: `user ${i + 1}` }));

/** Hostile text and post messages, p2p and group, each about `bytes` of content. */
export function hostileMessages(bytes: number): HostileMessage[] {
  const text = (
    name: string,
    chatType: string,
    build: (n: number) => string,
    mentionsFor?: (text: string) => IncomingMessage['mentions'],
  ): HostileMessage => {
    const content = sized(bytes, (n) => textContent(build(n)));
    const mentions = mentionsFor?.((JSON.parse(content) as { text: string }).text);
    return { name, message: { chat_type: chatType, message_type: 'text', content, mentions } };
  };
  const post = (name: string, chatType: string, content: string): HostileMessage => ({
    name,
    message: { chat_type: chatType, message_type: 'post', content },
  });
  const feishuKey = (i: number) => `@_user_${i}`;
  const mentionRun = (n: number) => Array.from({ length: n }, (_, i) => feishuKey(i + 1)).join(' ');
  /** Feishu lists every @_user_N of the text in mentions. */
  const listedMentions = (text: string) => mentionKeys(text.split('@_user_').length - 1, feishuKey);
  const uniqueKeyObject = (i: number) => Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`k${i}_${k}`, 0]));
  return [
    text('"[" flood', 'group', (n) => repeat('[', n)),
    text('"[" flood after /room', 'p2p', (n) => `/room ${repeat('[', n)}`),
    text('"[a](http://" flood', 'p2p', (n) => `/room ${repeat('[a](http://', n)}`),
    text('"](http://" flood', 'group', (n) => repeat('](http://', n)),
    text('"[](http://x " flood', 'p2p', (n) => `/room ${repeat('[](http://x ', n)}`),
    text('valid links', 'p2p', (n) => `/room ${repeat('[room.cn](http://room.cn) ', n)}`),
    text('link whose URL never ends', 'p2p', (n) => `/room [a](http://${repeat('x', n)}`),
    text('thousands of mentions, then /room', 'group', (n) => `${mentionRun(n)} /room a`, listedMentions),
    text('thousands of mentions, chatter', 'group', (n) => `${mentionRun(n)} hello`, listedMentions),
    text(
      'mention keys not Feishu-shaped',
      'group',
      (n) => `${repeat('@_bot_x@_bot_y ', n)}/room a`,
      () => mentionKeys(1000, (i) => `@_bot_${i.toString(36)}`),
    ),
    text('unlisted "@_user_" flood', 'p2p', (n) => `/room ${repeat('@_user_', n)}`),
    text(
      '"@_user_" and endless digits',
      'group',
      (n) => `@_user_${repeat('1', n)}`,
      () => mentionKeys(50, feishuKey),
    ),
    text('separators only', 'p2p', (n) => `/room ${repeat(' ,;，、；\u3000\n\t', n)}`),
    text(
      'tens of thousands of distinct IDs',
      'p2p',
      (n) => `/room ${Array.from({ length: n }, (_, i) => i.toString(36).padStart(4, '0')).join(' ')}`,
    ),
    text('one ID repeated', 'p2p', (n) => `/room ${repeat('a ', n)}`),
    text('one 100 KB ID', 'p2p', (n) => `/room ${repeat('x', n)}`),
    text('lone surrogates as IDs', 'p2p', (n) => `/room ${repeat('\ud800 ', n)}`),
    text('lone surrogates as the command word', 'group', (n) => repeat('\udc00', n)),
    text('U+FDFA as the command word', 'group', (n) => repeat('\ufdfa', n)),
    text('U+FDFA as the first ID (help check)', 'p2p', (n) => `/room ${repeat('\ufdfa', n)}`),
    text('zero-width spaces in IDs', 'p2p', (n) => `/room ${repeat('a\u200b', n)}`),
    text('JSON escapes (control characters)', 'p2p', (n) => `/room ${repeat('\u0001', n)}`),
    // p2p is addressed: a text without /room is read on while every word looks like a room ID
    text('one room ID repeated, without /room', 'p2p', (n) => repeat('a1 ', n)),
    text('linked room IDs, without /room', 'p2p', (n) => repeat('[a1](http://a) ', n)),
    text('"[" flood without /room', 'p2p', (n) => repeat('[', n)),
    text('plain chatter', 'group', (n) => repeat('lunch at noon? ', n)),
    text('plain chatter', 'p2p', (n) => repeat('lunch at noon? ', n)),
    post(
      'deep nesting as the content',
      'group',
      sized(bytes, (n) => `{"title":"","content":${repeat('[', n)}${repeat(']', n)}}`),
    ),
    post(
      'deep nesting inside an element',
      'p2p',
      sized(
        bytes,
        (n) => `{"title":"","content":[[{"tag":"text","text":"/room a","style":${repeat('[', n)}${repeat(']', n)}}]]}`,
      ),
    ),
    post(
      'empty paragraphs',
      'group',
      sized(bytes, (n) => postContent(Array.from({ length: n }, () => []))),
    ),
    post(
      'one ID per paragraph',
      'p2p',
      sized(bytes, (n) =>
        postContent([[textElement('/room')], ...Array.from({ length: n }, (_, i) => [textElement(`id${i}`)])]),
      ),
    ),
    post(
      'elements with unique keys',
      'group',
      sized(bytes, (n) => postContent([Array.from({ length: n }, (_, i) => uniqueKeyObject(i))])),
    ),
    post(
      'top-level keys (language lookup)',
      'group',
      sized(bytes, (n) =>
        JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, { title: '' }]))),
      ),
    ),
    post(
      'numbers beside the content',
      'group',
      sized(bytes, (n) => JSON.stringify({ title: '', content: [[textElement('hi')]], extra: Array(n).fill(0) })),
    ),
  ];
}

function outcome(command: Command): string {
  switch (command.kind) {
    case 'lookup':
      return `lookup ${command.ids.length} IDs`;
    case 'find':
    case 'free':
      return `${command.kind} ${command.words.length} words`;
    case 'help':
    case 'ignore':
      return `${command.kind} ${command.reason}`;
    case 'book':
      return 'book';
    case 'invalid':
      if (command.problem === 'book_usage') return 'invalid book_usage';
      return command.problem === 'too_many_ids'
        ? `invalid too_many_ids (${num(command.count)})`
        : `invalid ${command.reason}`;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function runParsePhase(settings: ParseSettings, onProgress: (line: string) => void = () => {}): ParseResult {
  const cases: ParseCaseResult[] = [];
  for (const { name, message } of hostileMessages(settings.bytes)) {
    onProgress(`parse: ${name}`);
    for (let run = 0; run < settings.warmups; run += 1) parseCommand(message, LIMITS);
    const cpu: number[] = [];
    const wall: number[] = [];
    let command: Command | undefined;
    for (let run = 0; run < settings.runs; run += 1) {
      const cpuStart = process.cpuUsage();
      const wallStart = performance.now();
      command = parseCommand(message, LIMITS);
      wall.push(performance.now() - wallStart);
      const used = process.cpuUsage(cpuStart);
      cpu.push((used.user + used.system) / 1000);
    }
    cases.push({
      name,
      chatType: message.chat_type,
      messageType: message.message_type,
      contentBytes: Buffer.byteLength(message.content),
      outcome: outcome(command!),
      cpuMedianMs: median(cpu),
      wallMedianMs: median(wall),
      wallMaxMs: Math.max(...wall),
    });
  }
  const worst = cases.reduce((a, b) => (b.cpuMedianMs > a.cpuMedianMs ? b : a));
  return { cases, worst, pass: worst.cpuMedianMs < PARSE_GOAL_MS };
}

/** The phase's report: one row per message, then the target. */
export function describeParse(result: ParseResult, settings: ParseSettings): string {
  const ms = (value: number) => num(value, 3);
  const { worst } = result;
  return [
    `5. Parsing: ${result.cases.length} hostile messages of ~${num(settings.bytes / 1000)} KB, median of ${settings.runs} parses after ${settings.warmups} warm-ups`,
    '',
    table(
      ['message', 'chat', 'type', 'KB', 'outcome', 'CPU ms', 'wall ms', 'wall max ms'],
      result.cases.map((c) => [
        c.name,
        c.chatType,
        c.messageType,
        num(c.contentBytes / 1000, 1),
        c.outcome,
        ms(c.cpuMedianMs),
        ms(c.wallMedianMs),
        ms(c.wallMaxMs),
      ]),
    ),
    '',
    table(
      ['target', 'goal', 'measured', 'verdict'],
      [
        [
          `worst ${num(settings.bytes / 1000)} KB parse, CPU ms`,
          `< ${PARSE_GOAL_MS} ms`,
          `${ms(worst.cpuMedianMs)} ms`,
          result.pass ? 'PASS' : 'MISS',
        ],
      ],
    ),
    `   Worst: ${worst.name} (${worst.chatType} ${worst.messageType}).`,
  ].join('\n');
}

/**
 * The phase in a process of its own, so that its CPU figures hold only the parser's own garbage: in the
 * benchmark's process, whatever the other modules and the emulator had allocated made the collector's share
 * of a 20,000-ID parse vary from run to run (3.4 ms alone, up to 5.6 ms there).
 */
export function runParsePhaseInChild(settings: ParseSettings): ParseResult {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_PARSE_JSON: '1', BENCH_PARSE_RUNS: String(settings.runs) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`parse phase exited with ${child.status ?? child.signal}`);
  return JSON.parse(child.stdout) as ParseResult;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const settings: ParseSettings = { bytes: 100_000, runs: Number(process.env.BENCH_PARSE_RUNS || 10), warmups: 25 };
  const result = runParsePhase(settings, (line) => process.stderr.write(`  … ${line}\n`));
  if (process.env.BENCH_PARSE_JSON === '1') process.stdout.write(JSON.stringify(result));
  else {
    process.stdout.write(`${describeParse(result, settings)}\n`);
    process.exitCode = result.pass || process.env.BENCH_STRICT !== '1' ? 0 : 1;
  }
}
