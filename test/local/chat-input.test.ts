import { describe, expect, it } from 'vitest';
import { chatHelp, COMMAND_LIST, parseChatInput } from '../../src/local/chat-input.js';

describe('chat input', () => {
  it('commands by their first word, case-insensitive; anything else is a message', () => {
    expect(parseChatInput('  :zh ')).toEqual({ kind: 'command', command: 'zh' });
    expect(parseChatInput(':GROUP')).toEqual({ kind: 'command', command: 'group' });
    expect(parseChatInput(':q')).toEqual({ kind: 'command', command: 'quit' });
    expect(parseChatInput('?')).toEqual({ kind: 'command', command: 'help' });
    expect(parseChatInput('/room test01')).toEqual({ kind: 'message', text: '/room test01' });
    expect(parseChatInput('   ')).toEqual({ kind: 'empty' });
  });

  it('a line starting with ":" that is no command is refused, never sent', () => {
    expect(parseChatInput(':foo bar')).toEqual({ kind: 'unknown_command', word: ':foo' });
    expect(COMMAND_LIST).toBe(':group :p2p :zh :en :tenant :refresh :click :help :quit');
    for (const word of COMMAND_LIST.split(' ')) expect(chatHelp()).toContain(word);
  });
});

describe(':click N', () => {
  it('carries what follows the command word', () => {
    expect(parseChatInput(':click 2')).toEqual({ kind: 'command', command: 'click', argument: '2' });
    expect(parseChatInput(':click')).toEqual({ kind: 'command', command: 'click' });
  });
});
