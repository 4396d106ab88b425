// What a line typed into the local chat means: a message for the bot, or one of the chat's own commands
// (every line starting with ":"). Pure.

export type ChatCommand = 'group' | 'p2p' | 'zh' | 'en' | 'tenant' | 'refresh' | 'click' | 'help' | 'quit';

export type ChatInput =
  | { kind: 'empty' }
  | { kind: 'message'; text: string }
  | { kind: 'command'; command: ChatCommand; /** What follows the command word (:click 2 → "2"). */ argument?: string }
  | { kind: 'unknown_command'; word: string };

interface CommandSpec {
  command: ChatCommand;
  /** What the user types; the first is the one the help shows. */
  words: readonly string[];
  description: string;
}

export const CHAT_COMMANDS: readonly CommandSpec[] = [
  {
    command: 'group',
    words: [':group'],
    description: 'send in a group (type @RoomBot to mention the bot: @RoomBot test01)',
  },
  { command: 'p2p', words: [':p2p'], description: 'send in the one-to-one chat with the bot (the start)' },
  { command: 'zh', words: [':zh'], description: 'show cards in 简体中文' },
  { command: 'en', words: [':en'], description: 'show cards in English (the start)' },
  {
    command: 'tenant',
    words: [':tenant'],
    description: 'store app (FEISHU_APP_TYPE=store): speak as a member of the next tenant, with rooms of its own',
  },
  { command: 'refresh', words: [':refresh'], description: 'click Refresh on the last card' },
  {
    command: 'click',
    words: [':click'],
    description: 'list the buttons of the last card; :click N clicks the N-th (Book 30 min, Cancel booking, …)',
  },
  { command: 'help', words: [':help', '?'], description: 'this help' },
  { command: 'quit', words: [':quit', ':q'], description: 'stop (also Ctrl-C)' },
];

const BY_WORD = new Map(CHAT_COMMANDS.flatMap((spec) => spec.words.map((word) => [word, spec.command] as const)));

/** ":group :p2p :zh …", for the line that refuses an unknown command. */
export const COMMAND_LIST = CHAT_COMMANDS.map((spec) => spec.words[0]).join(' ');

export function chatHelp(): string {
  const width = Math.max(...CHAT_COMMANDS.map((spec) => spec.words.join(' ').length));
  return [
    'Type a message as a Feishu user would, e.g.  /room test01 test02   /room find 前海   /room free 10',
    'Lines starting with ":" are commands of this chat:',
    ...CHAT_COMMANDS.map((spec) => `  ${spec.words.join(' ').padEnd(width)}  ${spec.description}`),
  ].join('\n');
}

export function parseChatInput(line: string): ChatInput {
  const text = line.trim();
  if (text === '') return { kind: 'empty' };
  const word = text.split(/\s/, 1)[0]!;
  const command = BY_WORD.get(word.toLowerCase());
  const argument = text.slice(word.length).trim();
  if (command) return argument === '' ? { kind: 'command', command } : { kind: 'command', command, argument };
  if (word.startsWith(':')) return { kind: 'unknown_command', word };
  return { kind: 'message', text };
}
