// Every text of booking a reader sees (buttons, toasts, the booking card), in zh_cn and en_us like i18n.ts.
// md* strings are markdown; parameters are escaped by the caller. `<at id=…></at>` is Feishu's mention of a
// person in card markdown (卡片 JSON 2.0 富文本: @指定人), shown with the name the reader knows them by.
import type { LocalizedText } from '../i18n.js';

export const SCOPE_CALENDAR = 'calendar:calendar';

export const bookingStrings = {
  bookMinutes: (minutes: number): LocalizedText =>
    minutes % 60 === 0
      ? { zh_cn: `预订 ${minutes / 60} 小时`, en_us: `Book ${minutes / 60} h` }
      : { zh_cn: `预订 ${minutes} 分钟`, en_us: `Book ${minutes} min` },
  bookUntil: (time: string): LocalizedText => ({ zh_cn: `预订至 ${time}`, en_us: `Book until ${time}` }),
  cancelButton: { zh_cn: '取消预订', en_us: 'Cancel booking' },
  toastBooking: (room: string): LocalizedText => ({ zh_cn: `正在预订 ${room}…`, en_us: `Booking ${room}…` }),
  toastAlreadyAsked: { zh_cn: '这个预订已在处理中', en_us: 'This booking is already being handled' },
  toastCancelling: (room: string): LocalizedText => ({
    zh_cn: `正在取消 ${room} 的预订…`,
    en_us: `Cancelling the booking of ${room}…`,
  }),
  toastOnlyBooker: {
    zh_cn: '只有预订人可以取消这个预订',
    en_us: 'Only the person who booked it can cancel this booking',
  },
  toastDisabled: { zh_cn: '此处未开启预订', en_us: 'Booking is not enabled here' },
  toastSlotGone: { zh_cn: '这个时段已不可预订，请刷新', en_us: 'This slot can no longer be booked; refresh the card' },
  toastBusy: { zh_cn: '暂时无法预订，请稍后再试', en_us: 'Booking is not possible right now; try again later' },
  titlePending: (room: string): LocalizedText => ({ zh_cn: `正在预订 ${room}`, en_us: `Booking ${room}` }),
  titleBooked: (room: string): LocalizedText => ({ zh_cn: `${room} 已预订`, en_us: `${room} booked` }),
  titleFailed: (room: string): LocalizedText => ({ zh_cn: `${room} 未能预订`, en_us: `${room} not booked` }),
  titleCancelled: (room: string): LocalizedText => ({
    zh_cn: `${room} 的预订已取消`,
    en_us: `${room} booking cancelled`,
  }),
  titleBadSlot: { zh_cn: '无法预订这个时段', en_us: 'This slot cannot be booked' },
  mdPending: (room: string, span: string, person: string): LocalizedText => ({
    zh_cn: `⏳ 正在为 ${person} 预订 ${room}（${span}）…`,
    en_us: `⏳ Booking ${room} ${span} for ${person}…`,
  }),
  mdBooked: (room: string, span: string, person: string): LocalizedText => ({
    zh_cn: `✅ 已为 ${person} 预订 ${room}（${span}）`,
    en_us: `✅ ${room} booked ${span} for ${person}`,
  }),
  mdFailed: (room: string, reason: LocalizedText): LocalizedText => ({
    zh_cn: `❌ ${room} 未能预订：${reason.zh_cn}`,
    en_us: `❌ ${room} could not be booked: ${reason.en_us}`,
  }),
  mdCancelled: (room: string, span: string, person: string): LocalizedText => ({
    zh_cn: `🗑 ${person} 已取消 ${room}（${span}）的预订`,
    en_us: `🗑 ${person} cancelled the booking of ${room} ${span}`,
  }),
  mdThroughBot: {
    zh_cn: '通过机器人以应用日历预订；日程已加入预订人的日历。',
    en_us: "Booked through the bot with the app's calendar; the event is on the booker's calendar too.",
  },
  reasonTaken: (until: string, by: string | undefined): LocalizedText =>
    by === undefined
      ? { zh_cn: `这个时段已被占用，直到 ${until}`, en_us: `the slot was taken meanwhile, until ${until}` }
      : {
          zh_cn: `这个时段已被 ${by} 占用，直到 ${until}`,
          en_us: `the slot was taken meanwhile by ${by}, until ${until}`,
        },
  reasonDeclined: {
    zh_cn: '会议室拒绝了预订（时段冲突或会议室已停用）',
    en_us: 'the room declined the booking (a clash, or the room is disabled)',
  },
  reasonApproval: {
    zh_cn: '这个会议室需要审批，应用无法代为预订；请在日历中预订',
    en_us: 'the room needs approval, which the app cannot ask for; book it in the calendar',
  },
  reasonNoAnswer: {
    zh_cn: '会议室一直没有确认预订，日程已删除',
    en_us: 'the room never confirmed the booking, so the event was removed',
  },
  reasonPermission: (scope: string): LocalizedText => ({
    zh_cn: `应用缺少权限 \`${scope}\`，请管理员在开发者后台开启`,
    en_us: `the app lacks the scope \`${scope}\`; an admin can enable it in the developer console`,
  }),
  reasonRejected: {
    zh_cn: '飞书拒绝了预订请求',
    en_us: 'Feishu refused the booking request',
  },
  reasonPast: { zh_cn: '这个时段已经过去', en_us: 'the slot is already over' },
  mdSlotEndBeforeStart: { zh_cn: '结束时间要晚于开始时间。', en_us: 'The end must be after the start.' },
  mdSlotPast: {
    zh_cn: '这个时段已经开始或过去了，只能预订之后的时间。',
    en_us: 'That slot has already begun or passed; only later times can be booked.',
  },
  mdSlotNotToday: { zh_cn: '只能预订今天的会议室。', en_us: 'Rooms can be booked for today only.' },
  mdSlotTooLong: (max: number): LocalizedText => ({
    zh_cn: `一次最多预订 ${max} 分钟。`,
    en_us: `A booking can last at most ${max} minutes.`,
  }),
  mdSlotTooShort: (min: number): LocalizedText => ({
    zh_cn: `一次至少预订 ${min} 分钟。`,
    en_us: `A booking must last at least ${min} minutes.`,
  }),
  mdBookUsage: {
    zh_cn:
      '用法：`/room book <会议室> <HH:MM>-<HH:MM>`（也可写 `预定` / `预订`），例如 `/room book test01 14:00-14:30`；时间为今天。',
    en_us:
      'Usage: `/room book <room> <HH:MM>-<HH:MM>` (or `预定` / `预订`), e.g. `/room book test01 14:00-14:30`; times are today.',
  },
  mdDisabled: { zh_cn: '这里没有开启预订。', en_us: 'Booking is not enabled here.' },
  mdRoomAmbiguous: (room: string, candidates: readonly string[], total: number): LocalizedText => ({
    zh_cn: `有 ${total} 个会议室与 ${room} 匹配，请用其 ID 预订：\n${candidates.join('\n')}`,
    en_us: `${total} rooms match ${room}; book one by its ID:\n${candidates.join('\n')}`,
  }),
  mdRoomUnknown: (room: string): LocalizedText => ({
    zh_cn: `找不到会议室 ${room}。`,
    en_us: `No room ${room} was found.`,
  }),
  summaryEvent: (room: string): string => `${room} · booked through the room bot`,
  descriptionEvent: (room: string, openId: string): string =>
    `Meeting room ${room}, booked from a chat through the room bot by the person with open_id ${openId} (also an attendee).`,
} as const;
