// The room directory end to end: the bot syncs building/list, room/list and vc/v1 from the emulator through the
// real SDK, then answers /room find, /room free, omm_ reverse lookups and "did you mean" (docs/directory.md).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderCardAsText } from '../../src/local/render-text.js';
import type { Card } from '../../src/bot/ports.js';
import { generateDirectory, type Emulator } from '../../src/emulator/index.js';
import type { RunningBot } from '../../src/service.js';
import { redisAvailable, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { APP, SEED_ROOM_IDS, startStack, waitForBotIdentity, type Stack } from '../helpers/stack.js';

const FAST = { DIRECTORY_MAX_CALLS_PER_SECOND: '1000' };

async function ask(
  emulator: Emulator,
  text: string,
  chatType: 'p2p' | 'group' = 'p2p',
): Promise<{ en: string; zh: string }> {
  const sent = await emulator.sendMessage({ text, chatType, mentionBot: chatType === 'group' });
  const deadline = Date.now() + 5_000;
  while (emulator.repliesTo(sent.messageId).length === 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
  const [reply] = emulator.repliesTo(sent.messageId);
  if (!reply) throw new Error(`no reply to ${text}`);
  const card = reply.card as Card;
  return { en: renderCardAsText(card, 'en_us'), zh: renderCardAsText(card, 'zh_cn') };
}

function calls(emulator: Emulator, api: string): number {
  return emulator.requests.filter((request) => request.api === api).length;
}

describe('the commands, over the seed directory', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: FAST });
    await stack.bot.directory.view(10_000);
    await waitForBotIdentity(stack.bot);
  });
  afterAll(() => stack.close());

  it('syncs every room, with custom IDs', () => {
    const status = stack.bot.directory.status();
    expect(status).toMatchObject({ state: 'ready', customIds: true, rooms: stack.emulator.rooms.list().length });
  });

  it('/room find 前海 in p2p, in both languages, with IDs, details and availability', async () => {
    const { en, zh } = await ask(stack.emulator, '/room find 前海');
    expect(en).toContain('`深圳-1202` → `omm_');
    expect(en).toMatch(/Capacity 12/);
    expect(en).toMatch(/Free|Busy/);
    expect(zh).toContain('深圳-1202');
    expect(zh).toMatch(/容纳 12 人/);
  });

  it('/room find in a group after an @mention, best match first; and a word that matches nothing', async () => {
    const { en } = await ask(stack.emulator, '/room search everest', 'group');
    expect(en).toContain('BJ-A-0101');
    const none = await ask(stack.emulator, '/room find nothing-is-called-this', 'group');
    expect(none.en).toMatch(/No room has every one of these words/);
    expect(none.zh).toMatch(/没有会议室/);
  });

  it('/room free 10: free rooms of 10+ by smallest capacity, never disabled or busy ones, ≤ 3 free/busy calls', async () => {
    const before = calls(stack.emulator, 'freebusy');
    const directoryBefore = stack.emulator.requests.filter((r) => r.path.includes('/list') || r.path.includes('vc/'));
    const { en, zh } = await ask(stack.emulator, '/room free 10', 'group');
    expect(en).toMatch(/rooms? free now for at least 30 minutes, for 10\+ people/);
    expect(zh).toMatch(/现在空闲至少 30 分钟/);
    expect(en).not.toContain('SH-B-1501'); // busy now
    expect(en).not.toContain('SH-B-1702'); // disabled
    const capacities = [...en.matchAll(/Capacity (\d+)/g)].map((m) => Number(m[1]));
    expect(capacities.length).toBeGreaterThan(0);
    expect(capacities.every((c) => c >= 10)).toBe(true);
    expect(capacities).toEqual([...capacities].sort((a, b) => a - b));
    expect(calls(stack.emulator, 'freebusy') - before).toBeLessThanOrEqual(3);
    const directoryAfter = stack.emulator.requests.filter((r) => r.path.includes('/list') || r.path.includes('vc/'));
    expect(directoryAfter.length).toBe(directoryBefore.length); // no directory call once synced
  });

  it('/room 空闲 6人 深圳湾: only that building', async () => {
    const { en } = await ask(stack.emulator, '/room 空闲 6人 深圳湾');
    expect(en).toContain('深圳湾 Tower C');
    expect(en).not.toContain('Building name_2');
  });

  it('/room omm_… mixed with custom IDs: the reverse lookup, and "did you mean" for a typo', async () => {
    const { en, zh } = await ask(stack.emulator, `/room ${SEED_ROOM_IDS.test01} test02 test0l`);
    expect(en).toContain(`\`${SEED_ROOM_IDS.test01}\` ← \`test01\``);
    expect(en).toContain(`\`test02\` → \`${SEED_ROOM_IDS.test02}\``);
    expect(en).toMatch(/`test0l`: Did you mean: `test01`/);
    expect(zh).toMatch(/你是不是要找/);
  });

  it('/room -- free looks up a custom ID that is a keyword', async () => {
    const { en } = await ask(stack.emulator, '/room -- free');
    expect(en).toMatch(/Not found \(1\)/);
    expect(en).toContain('`free`');
  });

  it('the help card lists the new commands', async () => {
    const { en, zh } = await ask(stack.emulator, '/room help');
    expect(en).toContain('/room find');
    expect(en).toContain('/room -- free');
    expect(zh).toContain('/room free 6');
  });
});

describe('the sync', () => {
  let stack: Stack | undefined;
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
    await redis?.stop();
    redis = undefined;
  });

  it('pages through both lists and vc/v1 (several pages each) and keeps every room once', async () => {
    const rooms = [
      ...generateDirectory({ buildings: 101, roomsPerBuilding: 1 }),
      ...generateDirectory({ buildings: 1, roomsPerBuilding: 1001, firstBuilding: 500 }),
    ];
    stack = await startStack({ emulator: { rooms }, env: FAST });
    const view = await stack.bot.directory.view(20_000);
    expect(view?.size).toBe(1102);
    expect(view?.byCustomId(rooms[1101]!.custom_room_id)?.room_id).toBe(rooms[1101]!.room_id);
    const pages = (api: string) => stack!.emulator.requests.filter((r) => r.api === api);
    expect(pages('building_list')).toHaveLength(2);
    expect(pages('building_list')[1]!.query).toMatch(/page_token=/);
    const bigBuilding = pages('room_list').filter((r) => r.query.includes(rooms[1101]!.building_id));
    expect(bigBuilding).toHaveLength(2);
    expect(pages('vc_rooms').filter((r) => !r.query.includes('room_level_id')).length).toBe(12); // 1102 / 100
    expect(stack.emulator.requests.every((r) => r.status === 200)).toBe(true);
  });

  it('is paced: directory calls at most DIRECTORY_MAX_CALLS_PER_SECOND', async () => {
    stack = await startStack({ env: { DIRECTORY_MAX_CALLS_PER_SECOND: '25' } });
    await stack.bot.directory.view(20_000);
    const directory = stack.emulator.requests.filter((r) =>
      ['building_list', 'room_list', 'room_levels', 'vc_rooms'].includes(r.api ?? ''),
    );
    expect(directory.length).toBeGreaterThan(10);
    const seconds = (directory.at(-1)!.at - directory[0]!.at) / 1000;
    expect((directory.length - 1) / seconds).toBeLessThanOrEqual(25 * 1.1);
  });

  it('without vc:room:readonly: works without custom IDs, says so once in the log', async () => {
    stack = await startStack({ emulator: { vcRoomRead: false }, env: FAST });
    const view = await stack.bot.directory.view(10_000);
    expect(view?.customIds).toBe(false);
    expect(stack.logs.lines.filter((line) => /lacks vc:room:readonly/.test(line.msg ?? ''))).toHaveLength(1);
    await waitForBotIdentity(stack.bot);
    const found = await ask(stack.emulator, '/room find 前海');
    expect(found.en).toContain('前海 Qianhai');
    const reverse = await ask(stack.emulator, `/room ${SEED_ROOM_IDS.test01}`);
    expect(reverse.en).toMatch(/custom ID unknown: the bot lacks `vc:room:readonly`/);
  });

  it('a failed sync keeps the last good directory, logs one line and counts it', async () => {
    stack = await startStack({ env: FAST });
    const before = await stack.bot.directory.view(10_000);
    stack.emulator.faults.inject({ api: 'room_list', kind: 'http_500', times: Infinity });
    await stack.bot.directory.syncNow();
    expect(stack.bot.directory.status()).toMatchObject({ state: 'ready', rooms: before!.size });
    expect(stack.logs.lines.filter((line) => /sync failed; keeping/.test(line.msg ?? ''))).toHaveLength(1);
    const metrics = await (await fetch(`${stack.bot.url}/metrics`)).text();
    expect(metrics).toMatch(/roombot_directory_syncs_total\{outcome="failed"\} 1/);
    const { en } = await ask(stack.emulator, '/room find 前海');
    expect(en).toContain('深圳-1202');
  });

  it('before the first sync: a bounded wait, then "still loading", never "nothing found"', async () => {
    stack = await startStack({ env: FAST });
    stack.emulator.faults.inject({ api: 'building_list', kind: 'http_500', times: Infinity });
    const replica: RunningBot = await stack.addReplica({ DIRECTORY_WAIT_MS: '50' });
    stack.emulator.setEventTargets(`${replica.url}/webhook/event`, `${replica.url}/webhook/card`);
    const { en, zh } = await ask(stack.emulator, '/room find 前海');
    expect(en).toMatch(/still reading the room directory/);
    expect(zh).toMatch(/会议室目录/);
    expect(replica.directory.status().state).toBe('loading');
  });

  it.skipIf(!redisAvailable())('in Redis, shared by two replicas: one syncs, both answer', async () => {
    redis = await startRedisServer();
    stack = await startStack({ env: { ...FAST, REDIS_URL: redis.url, DIRECTORY_POLL_MS: '100' } });
    const replica = await stack.addReplica();
    const [first, second] = await Promise.all([stack.bot.directory.view(10_000), replica.directory.view(10_000)]);
    expect(first?.size).toBe(stack.emulator.rooms.list().length);
    expect(second?.size).toBe(first?.size);
    expect(calls(stack.emulator, 'building_list')).toBe(1);
    expect(stack.bot.directory.stats.syncs + replica.directory.stats.syncs).toBe(1);
    for (const bot of [stack.bot, replica]) {
      stack.emulator.setEventTargets(`${bot.url}/webhook/event`, `${bot.url}/webhook/card`);
      const { en } = await ask(stack.emulator, '/room find 前海');
      expect(en).toContain('深圳-1202');
    }
    expect(APP.appId).toBeTruthy();
  });
});

describe('the emulator is as strict as Feishu', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: FAST });
  });
  afterAll(() => stack.close());

  async function get(path: string): Promise<{ status: number; body: { code: number; msg: string } }> {
    const tokenResponse = await fetch(`${stack.emulator.url}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: APP.appId, app_secret: APP.appSecret }),
    });
    const { tenant_access_token: token } = (await tokenResponse.json()) as { tenant_access_token: string };
    const response = await fetch(`${stack.emulator.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as { code: number; msg: string } };
  }

  it('refuses a page_token it never issued, and page sizes over the limits', async () => {
    expect((await get('/open-apis/meeting_room/building/list?page_token=made-up')).body).toMatchObject({
      code: 100001,
      msg: 'page token invalid',
    });
    expect((await get('/open-apis/vc/v1/rooms?page_token=made-up')).body.code).toBe(121003);
    expect((await get('/open-apis/meeting_room/building/list?page_size=101')).body.code).toBe(99992402);
    expect((await get('/open-apis/vc/v1/room_levels?page_size=101')).body.code).toBe(99992402);
    expect((await get('/open-apis/meeting_room/room/list')).body.code).toBe(99992402);
  });
});
