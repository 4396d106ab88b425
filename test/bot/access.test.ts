import { describe, expect, it } from 'vitest';
import { accessPolicy, decideAccess } from '../../src/bot/access.js';

const OPEN = accessPolicy({ allowExternalSenders: false, allowedChatIds: [] });
const OURS = { senderTenantKey: 't_ours', appTenantKey: 't_ours', chatId: 'oc_team' };

describe('decideAccess: one policy for messages, clicks and commands', () => {
  it('allows a member of the app tenant in any chat when no chat is listed', () => {
    expect(decideAccess(OPEN, OURS)).toEqual({ allowed: true });
  });

  it('refuses another tenant, or a missing tenant_key, unless external senders are allowed', () => {
    expect(decideAccess(OPEN, { ...OURS, senderTenantKey: 't_other' })).toEqual({
      allowed: false,
      reason: 'external_sender',
    });
    expect(decideAccess(OPEN, { ...OURS, senderTenantKey: undefined }).allowed).toBe(false);
    expect(decideAccess(OPEN, { ...OURS, senderTenantKey: '', appTenantKey: '' }).allowed).toBe(false);
    const external = accessPolicy({ allowExternalSenders: true, allowedChatIds: [] });
    expect(decideAccess(external, { ...OURS, senderTenantKey: 't_other' })).toEqual({ allowed: true });
  });

  it('refuses a chat not listed in ALLOWED_CHAT_IDS, and a request without a chat', () => {
    const listed = accessPolicy({ allowExternalSenders: false, allowedChatIds: ['oc_team'] });
    expect(decideAccess(listed, OURS)).toEqual({ allowed: true });
    expect(decideAccess(listed, { ...OURS, chatId: 'oc_else' })).toEqual({
      allowed: false,
      reason: 'chat_not_allowed',
    });
    expect(decideAccess(listed, { ...OURS, chatId: undefined }).allowed).toBe(false);
  });
});
