// Every string a reader sees on a card or in a toast, in both languages the cards carry. Feishu shows the one
// matching the reader's client language (doc "配置卡片多语言"); en_us doubles as the fallback `content`.
// Strings holding markdown say so (md*); parameters are already escaped by the caller.
import type { CardActionResponse } from '../protocol/events.js';

export type Locale = 'zh_cn' | 'en_us';
export const LOCALES: readonly Locale[] = ['zh_cn', 'en_us'];

export type LocalizedText = Readonly<Record<Locale, string>>;

/** Builds a text per locale from a function of the locale. */
export function perLocale(build: (locale: Locale) => string): LocalizedText {
  return { zh_cn: build('zh_cn'), en_us: build('en_us') };
}

export const SCOPE_ROOM_READ = 'calendar:room:readonly';
export const SCOPE_MESSAGE = 'im:message';
export const SCOPE_SEND_AS_BOT = 'im:message:send_as_bot';
const SCOPE_P2P_READ = 'im:message.p2p_msg:readonly';
const SCOPE_GROUP_AT_READ = 'im:message.group_at_msg:readonly';
const SCOPE_GROUP_ALL_READ = 'im:message.group_msg';

export const strings = {
  lookupTitle: { zh_cn: '会议室 ID 查询结果', en_us: 'Meeting room IDs' },
  mdSummary: (found: number, notFound: number): LocalizedText => ({
    zh_cn: `找到 **${found}** 个，未找到 **${notFound}** 个`,
    en_us: `**${found}** found, **${notFound}** not found`,
  }),
  plainSummary: (found: number, notFound: number): LocalizedText => ({
    zh_cn: `会议室 ID：找到 ${found} 个，未找到 ${notFound} 个`,
    en_us: `Room IDs: ${found} found, ${notFound} not found`,
  }),
  mdFoundHeading: (count: number): LocalizedText => ({
    zh_cn: `**已找到（${count}）**：自定义 ID → 飞书会议室 ID（room_id）`,
    en_us: `**Found (${count})**: custom ID → Feishu room ID (room_id)`,
  }),
  mdNotFoundHeading: (count: number): LocalizedText => ({
    zh_cn: `**未找到（${count}）**`,
    en_us: `**Not found (${count})**`,
  }),
  notFoundHint: {
    zh_cn: '请在飞书管理后台 > 会议室 中核对会议室的自定义 ID（大小写和空格须完全一致）。',
    en_us:
      'Check the custom room ID in the Feishu Admin Console > Meeting Rooms; it must match exactly, including case.',
  },
  capacity: (people: number): LocalizedText => ({ zh_cn: `容纳 ${people} 人`, en_us: `Capacity ${people}` }),
  building: (name: string): LocalizedText => ({ zh_cn: `建筑 ${name}`, en_us: `Building ${name}` }),
  floor: (name: string): LocalizedText => ({ zh_cn: `楼层 ${name}`, en_us: `Floor ${name}` }),
  description: (text: string): LocalizedText => ({ zh_cn: `说明：${text}`, en_us: `Description: ${text}` }),
  mdDisabled: { zh_cn: '🚫 **已停用**', en_us: '🚫 **Disabled**' },
  mdMore: (count: number): LocalizedText => ({
    zh_cn: `……另有 **${count}** 个未列出`,
    en_us: `…and **${count}** more not listed`,
  }),
  detailsUnavailable: {
    zh_cn: '暂时无法加载会议室详情；上面的 ID 对应关系仍然有效。',
    en_us: 'Room details could not be loaded right now; the ID mappings above are still correct.',
  },
  freeUntil: (time: string): LocalizedText => ({ zh_cn: `🟢 空闲，至 ${time}`, en_us: `🟢 Free until ${time}` }),
  freeRestOfDay: { zh_cn: '🟢 空闲，今天不再有预订', en_us: '🟢 Free for the rest of the day' },
  busyUntil: (time: string): LocalizedText => ({ zh_cn: `🔴 使用中，至 ${time}`, en_us: `🔴 Busy until ${time}` }),
  busyRestOfDay: { zh_cn: '🔴 使用中，直到今天结束', en_us: '🔴 Busy for the rest of the day' },
  // The same, shorter, for long lists (a hundred rooms must fit on one card).
  freeUntilShort: (time: string): LocalizedText => ({ zh_cn: `🟢 空闲至 ${time}`, en_us: `🟢 Free until ${time}` }),
  freeRestOfDayShort: { zh_cn: '🟢 今日空闲', en_us: '🟢 Free rest of day' },
  busyUntilShort: (time: string): LocalizedText => ({ zh_cn: `🔴 忙至 ${time}`, en_us: `🔴 Busy until ${time}` }),
  busyRestOfDayShort: { zh_cn: '🔴 今日已满', en_us: '🔴 Busy rest of day' },
  bookedBy: (name: string): LocalizedText => ({ zh_cn: `预订人：${name}`, en_us: `booked by ${name}` }),
  availabilityAsOf: (time: string, timeZone: string): LocalizedText => ({
    zh_cn: `空闲状态截至 ${time}（${timeZone} 时间）`,
    en_us: `Free/busy as of ${time} (${timeZone} time)`,
  }),
  availabilityUnavailable: {
    zh_cn: '暂时无法获取会议室的空闲状态；上面的 ID 和详情仍然有效。',
    en_us: 'Free/busy could not be loaded right now; the IDs and details above are still correct.',
  },
  truncatedNote: {
    zh_cn: '结果太多，卡片只显示了一部分。请分批查询以查看全部。',
    en_us: 'Too many results to show on one card. Look them up in smaller batches to see all of them.',
  },
  refreshButton: { zh_cn: '刷新', en_us: 'Refresh' },
  refreshTooLarge: {
    zh_cn: '查询的 ID 太多，无法提供刷新按钮；如需刷新请重新发送命令。',
    en_us: 'Too many IDs for a Refresh button; send the command again to refresh.',
  },

  helpTitle: { zh_cn: '会议室 ID 查询：使用说明', en_us: 'Meeting room ID lookup: how to use' },
  mdHelpNotACommand: {
    zh_cn: '我只能识别 `/room` 命令或自定义会议室 ID，用法如下。',
    en_us: 'I only understand the `/room` command or custom room IDs. Here is how to use it.',
  },
  /** How to ask: the p2p form (which also tells how to ask in groups), or the group form; `mention` is "@<bot name>". */
  mdHelpUsage: (form: 'p2p' | 'group', mention: LocalizedText): LocalizedText =>
    form === 'group'
      ? {
          zh_cn:
            `**用法**\n在群聊中 @ 机器人，再发送 \`/room\` 加上一个或多个自定义会议室 ID，例如：\n\`${mention.zh_cn} /room test01 test02\`\n` +
            `ID 之间可用空格、逗号（, ，）、顿号（、）、分号（; ；）或换行分隔，例如 \`${mention.zh_cn} /room test01,test02\`。\n` +
            `只写 ID 也可以：\`${mention.zh_cn} test01\`。单聊中直接发送 \`/room test01\` 或 \`test01\` 即可。\n` +
            '机器人会回复每个自定义 ID 对应的飞书会议室 ID（omm_ 开头），并列出未找到的 ID。',
          en_us:
            `**Usage**\nIn a group, @mention the bot and send \`/room\` followed by one or more custom room IDs, for example:\n\`${mention.en_us} /room test01 test02\`\n` +
            `Separate IDs with spaces, commas (, ，), 、, semicolons (; ；) or new lines, e.g. \`${mention.en_us} /room test01,test02\`.\n` +
            `The IDs alone work too: \`${mention.en_us} test01\`. In a one-to-one chat with the bot, \`/room test01\` or just \`test01\` is enough.\n` +
            'The bot replies with the Feishu room ID (starting with omm_) of each custom ID and lists the IDs it could not find.',
        }
      : {
          zh_cn:
            '**用法**\n发送 `/room` 加上一个或多个自定义会议室 ID，例如：\n`/room test01 test02`\n' +
            'ID 之间可用空格、逗号（, ，）、顿号（、）、分号（; ；）或换行分隔，例如 `/room test01,test02`。只发送 ID 也可以：`test01 test02`\n' +
            `在群聊中请先 @ 机器人：\`${mention.zh_cn} /room test01\` 或 \`${mention.zh_cn} test01\`\n` +
            '机器人会回复每个自定义 ID 对应的飞书会议室 ID（omm_ 开头），并列出未找到的 ID。',
          en_us:
            '**Usage**\nSend `/room` followed by one or more custom room IDs, for example:\n`/room test01 test02`\n' +
            'Separate IDs with spaces, commas (, ，), 、, semicolons (; ；) or new lines, e.g. `/room test01,test02`. The IDs alone work too: `test01 test02`\n' +
            `In a group chat, @mention the bot first: \`${mention.en_us} /room test01\` or \`${mention.en_us} test01\`\n` +
            'The bot replies with the Feishu room ID (starting with omm_) of each custom ID and lists the IDs it could not find.',
        },
  /** The bot in the examples when its name is not known (or not safe to show in code). */
  botFallbackName: { zh_cn: '机器人', en_us: 'bot' },
  mdHelpLimits: (maxIds: number, maxIdLength: number): LocalizedText => ({
    zh_cn: `**限制**\n每条命令最多 ${maxIds} 个 ID，每个 ID 最多 ${maxIdLength} 个字符；重复的 ID 只查询一次。`,
    en_us: `**Limits**\nUp to ${maxIds} IDs per command, each at most ${maxIdLength} characters long; repeated IDs are looked up once.`,
  }),
  mdHelpPermissions: {
    zh_cn:
      '**机器人需要的权限**（由应用管理员在开发者后台开通）\n' +
      `- \`${SCOPE_ROOM_READ}\`：查询会议室\n` +
      `- \`${SCOPE_MESSAGE}\` 或 \`${SCOPE_SEND_AS_BOT}\`：回复消息\n` +
      `- \`${SCOPE_P2P_READ}\`、\`${SCOPE_GROUP_AT_READ}\`：接收单聊消息和群聊中 @ 机器人的消息\n` +
      `- \`${SCOPE_GROUP_ALL_READ}\`（可选）：接收群聊中的所有消息，群里发送 \`/room\` 无需 @ 机器人`,
    en_us:
      '**What the bot needs** (enabled by the app admin in the developer console)\n' +
      `- \`${SCOPE_ROOM_READ}\`: look up meeting rooms\n` +
      `- \`${SCOPE_MESSAGE}\` or \`${SCOPE_SEND_AS_BOT}\`: reply to messages\n` +
      `- \`${SCOPE_P2P_READ}\`, \`${SCOPE_GROUP_AT_READ}\`: receive direct messages and group messages that @mention the bot\n` +
      `- \`${SCOPE_GROUP_ALL_READ}\` (optional): receive every group message, so \`/room\` works in groups without an @mention`,
  },

  permissionTitle: { zh_cn: '机器人缺少权限', en_us: 'The bot is missing a permission' },
  mdPermissionScope: (scope: string): LocalizedText => ({
    zh_cn: `机器人缺少权限 \`${scope}\`。请联系应用管理员在飞书开发者后台 > 权限管理 中开通该权限并发布新版本，然后重试。`,
    en_us: `The bot lacks the permission \`${scope}\`. Ask the app admin to enable it in the Feishu developer console (Permissions & Scopes) and publish a new version, then try again.`,
  }),
  mdPermissionAny: {
    zh_cn:
      '机器人缺少所需的权限。请联系应用管理员在飞书开发者后台 > 权限管理 中开通以下权限并发布新版本，然后重试：\n' +
      `- \`${SCOPE_ROOM_READ}\`：查询会议室\n- \`${SCOPE_MESSAGE}\` 或 \`${SCOPE_SEND_AS_BOT}\`：回复消息`,
    en_us:
      'The bot lacks a permission it needs. Ask the app admin to enable these in the Feishu developer console (Permissions & Scopes) and publish a new version, then try again:\n' +
      `- \`${SCOPE_ROOM_READ}\`: look up meeting rooms\n- \`${SCOPE_MESSAGE}\` or \`${SCOPE_SEND_AS_BOT}\`: reply to messages`,
  },
  rateLimitedTitle: { zh_cn: '请求太频繁', en_us: 'Too many requests' },
  rateLimited: {
    zh_cn: '飞书暂时限制了查询频率。请稍等片刻后再试。',
    en_us: 'Feishu is limiting how often the bot can look up rooms. Please try again in a moment.',
  },
  unavailableTitle: { zh_cn: '飞书服务暂不可用', en_us: 'Feishu is unavailable' },
  unavailable: {
    zh_cn: '暂时无法连接飞书服务。请稍后再试。',
    en_us: 'The bot could not reach Feishu just now. Please try again later.',
  },
  tooManyIdsTitle: { zh_cn: '会议室 ID 太多', en_us: 'Too many room IDs' },
  tooManyIds: (count: number, max: number): LocalizedText => ({
    zh_cn: `这条命令包含 ${count} 个不同的 ID，每条命令最多 ${max} 个。请分成几条命令发送。`,
    en_us: `This command has ${count} different IDs; at most ${max} are allowed per command. Please split them over several commands.`,
  }),
  invalidIdTitle: { zh_cn: '会议室 ID 无效', en_us: 'Invalid room ID' },
  mdInvalidIdControl: (id: string): LocalizedText => ({
    zh_cn: `ID ${id} 含有不可见字符或控制字符（显示为 �）。请手动重新输入该 ID，不要从其他地方粘贴。`,
    en_us: `The ID ${id} contains invisible or control characters (shown as �). Please type the ID again instead of pasting it.`,
  }),
  mdInvalidIdTooLong: (id: string, max: number): LocalizedText => ({
    zh_cn: `ID ${id} 太长：每个 ID 最多 ${max} 个字符。`,
    en_us: `The ID ${id} is too long: each ID may be at most ${max} characters.`,
  }),
  internalTitle: { zh_cn: '出了点问题', en_us: 'Something went wrong' },
  internal: {
    zh_cn: '机器人处理这条消息时出错了。请稍后再试；如果问题持续，请联系机器人的管理员。',
    en_us:
      'The bot ran into a problem handling this message. Please try again later; if it keeps happening, contact the bot admin.',
  },
  mdInternalReference: (reference: string): LocalizedText => ({
    zh_cn: `参考编号：\`${reference}\`（请提供给管理员）`,
    en_us: `Reference: \`${reference}\` (give this to the admin)`,
  }),

  // Toasts: the answer to a click on the card (card.action.trigger), shown over the card.
  toastRefreshed: { zh_cn: '已刷新', en_us: 'Refreshed' },
  toastRefreshFailed: { zh_cn: '刷新失败，请稍后再试。', en_us: 'Could not refresh; please try again shortly.' },
  toastButtonUnsupported: { zh_cn: '此按钮已不再支持。', en_us: 'This button is no longer supported.' },
  toastStillWorking: { zh_cn: '正在处理中，请稍后再试。', en_us: 'Still working on it, please try again in a moment.' },
  toastNotAvailableHere: { zh_cn: '此操作在这里不可用。', en_us: 'This action is not available here.' },
  toastInvalidRequest: { zh_cn: '请求无效。', en_us: 'Invalid request.' },
  toastFailed: { zh_cn: '出错了，请稍后重试。', en_us: 'Something went wrong, please try again.' },
} as const;

export type Toast = NonNullable<CardActionResponse['toast']>;

/** A toast in both languages (doc "卡片回传交互回调": toast.i18n), with en_us as its `content` for clients that show neither. */
export function toast(type: Toast['type'], text: LocalizedText): Toast {
  return { type, content: text.en_us, i18n: { zh_cn: text.zh_cn, en_us: text.en_us } };
}

// The room directory's commands (/room find, /room free, omm_ lookups, "did you mean"; docs/directory.md).
export const directoryStrings = {
  mdHelpDirectory: {
    zh_cn:
      '**按名称查找、找空闲会议室**\n' +
      '`/room find 前海`（或 `search`、`查找`、`搜索`）：名称、建筑、楼层或自定义 ID 包含所有关键词的会议室\n' +
      '`/room free 6 深圳湾`（或 `空闲`）：现在空闲的会议室，可容纳至少 6 人（`6`、`6人`、`6p`），位于匹配关键词的建筑或楼层\n' +
      '`/room omm_…`：由飞书会议室 ID 反查自定义 ID 和详情\n' +
      '自定义 ID 恰好是 `free`、`find` 等关键词时，在前面加 `--`：`/room -- free`',
    en_us:
      '**Find rooms by name, or a free room**\n' +
      '`/room find Everest` (or `search`, `查找`, `搜索`): rooms whose name, building, floor or custom ID contain every word\n' +
      '`/room free 6 Tower` (or `空闲`): rooms free now for at least 6 people (`6`, `6人`, `6p`), in buildings or floors matching the words\n' +
      '`/room omm_…`: the custom ID and details of a Feishu room ID\n' +
      'For a custom ID that is itself a keyword (`free`, `find`), put `--` first: `/room -- free`',
  },
  findTitle: { zh_cn: '会议室查找结果', en_us: 'Rooms found' },
  mdFindSummary: (shown: number, total: number, query: string): LocalizedText => ({
    zh_cn: `与 ${query} 匹配的会议室：**${total}** 个` + (total > shown ? `，显示前 ${shown} 个` : ''),
    en_us: `Rooms matching ${query}: **${total}**` + (total > shown ? `, the first ${shown} shown` : ''),
  }),
  mdFindMore: (count: number): LocalizedText => ({
    zh_cn: `……另有 **${count}** 个，请再加一个关键词缩小范围`,
    en_us: `…**${count}** more — add a word to narrow`,
  }),
  findNone: {
    zh_cn: '没有会议室的名称、建筑、楼层或自定义 ID 包含所有这些关键词。请换个关键词或减少关键词。',
    en_us: 'No room has every one of these words in its name, building, floor or custom ID. Try fewer or other words.',
  },
  freeTitle: { zh_cn: '现在空闲的会议室', en_us: 'Rooms free now' },
  mdFreeSummary: (count: number, minMinutes: number, capacity: number | undefined): LocalizedText => ({
    zh_cn: `**${count}** 个会议室现在空闲至少 ${minMinutes} 分钟` + (capacity ? `，可容纳至少 ${capacity} 人` : ''),
    en_us:
      `**${count}** room${count === 1 ? '' : 's'} free now for at least ${minMinutes} minutes` +
      (capacity ? `, for ${capacity}+ people` : ''),
  }),
  freeNone: (minMinutes: number): LocalizedText => ({
    zh_cn: `没有符合条件、现在空闲至少 ${minMinutes} 分钟的会议室。可以减少人数或换个建筑、楼层。`,
    en_us: `No matching room is free now for at least ${minMinutes} minutes. Try fewer people or another building or floor.`,
  }),
  freeChecked: (checked: number, matching: number): LocalizedText => ({
    zh_cn: `已查询 ${checked} 个符合条件的会议室的忙闲（共 ${matching} 个符合条件）。`,
    en_us: `Checked free/busy of ${checked} matching rooms (${matching} match in all).`,
  }),
  noCustomId: { zh_cn: '（无自定义 ID）', en_us: '(no custom ID)' },
  customIdUnknown: {
    zh_cn: '自定义 ID 未知：机器人缺少权限 `vc:room:readonly`',
    en_us: 'custom ID unknown: the bot lacks `vc:room:readonly`',
  },
  mdDidYouMean: (ids: string): LocalizedText => ({ zh_cn: `你是不是要找：${ids}`, en_us: `Did you mean: ${ids}` }),
  loadingTitle: { zh_cn: '会议室目录加载中', en_us: 'Room directory still loading' },
  loading: {
    zh_cn: '机器人刚启动，正在读取会议室目录。请过一会儿再发送这条命令。',
    en_us:
      'The bot has just started and is still reading the room directory. Please send the command again in a moment.',
  },
  asOf: (time: string): LocalizedText => ({ zh_cn: `会议室目录更新于 ${time}`, en_us: `Room directory as of ${time}` }),
} as const;
