// The booking card: what the lookup card becomes once a room on it is booked (pure, no I/O). Pending while
// the job runs, then booked (with Cancel booking), failed (with the reason), or cancelled. Same JSON 2.0
// shape as every card (update_multi: true, which a patched card must keep: 更新应用发送的消息卡片).
import { clockTime } from '../availability.js';
import {
  assembleCard,
  callbackButton,
  divider,
  markdown,
  type Element,
  type HeaderTemplate,
} from '../card-elements.js';
import type { LocalizedText } from '../i18n.js';
import { formatId } from '../markdown.js';
import type { Card } from '../ports.js';
import type { CancelValue } from './buttons.js';
import type { Slot } from './slots.js';
import { bookingStrings as s } from './strings.js';

export type FailureReason =
  | { reason: 'taken'; until: number; by?: string }
  | { reason: 'declined' }
  | { reason: 'approval_required' }
  | { reason: 'no_answer' }
  | { reason: 'permission'; scope: string }
  | { reason: 'rejected' }
  | { reason: 'past' };

export interface BookingCardInput {
  /** The room's custom ID as the card showed it. */
  room: string;
  slot: Slot;
  timeZone: string;
  /** open_id of the person booking (or cancelling). */
  person: string;
}

export type BookingCardState =
  | { status: 'pending' }
  | { status: 'booked'; cancel: CancelValue }
  | { status: 'failed'; failure: FailureReason }
  | { status: 'cancelled' };

const OPEN_ID = /^ou_[A-Za-z0-9]{1,64}$/;

/** "<at id=ou_…></at>": Feishu shows the person's name; anything unlike an open_id is not put in markdown. */
function mention(openId: string): string {
  return OPEN_ID.test(openId) ? `<at id=${openId}></at>` : '';
}

function span(slot: Slot, timeZone: string): string {
  return `${clockTime(slot.start, timeZone)}–${clockTime(slot.end, timeZone)}`;
}

function reasonText(failure: FailureReason, timeZone: string): LocalizedText {
  switch (failure.reason) {
    case 'taken':
      return s.reasonTaken(clockTime(failure.until, timeZone), failure.by);
    case 'declined':
      return s.reasonDeclined;
    case 'approval_required':
      return s.reasonApproval;
    case 'no_answer':
      return s.reasonNoAnswer;
    case 'permission':
      return s.reasonPermission(failure.scope);
    case 'rejected':
      return s.reasonRejected;
    case 'past':
      return s.reasonPast;
  }
}

const TEMPLATES: Record<BookingCardState['status'], HeaderTemplate> = {
  pending: 'blue',
  booked: 'green',
  failed: 'red',
  cancelled: 'grey',
};

export function buildBookingCard(input: BookingCardInput, state: BookingCardState): Card {
  const room = formatId(input.room);
  const when = span(input.slot, input.timeZone);
  const who = mention(input.person);
  const elements: Element[] = [];
  let title: LocalizedText;
  switch (state.status) {
    case 'pending':
      title = s.titlePending(input.room);
      elements.push(markdown(s.mdPending(room, when, who)));
      break;
    case 'booked':
      title = s.titleBooked(input.room);
      elements.push(
        markdown(s.mdBooked(room, when, who)),
        markdown(s.mdThroughBot, 'notation'),
        divider(),
        callbackButton(s.cancelButton, { ...state.cancel }),
      );
      break;
    case 'failed':
      title = s.titleFailed(input.room);
      elements.push(markdown(s.mdFailed(room, reasonText(state.failure, input.timeZone))));
      break;
    case 'cancelled':
      title = s.titleCancelled(input.room);
      elements.push(markdown(s.mdCancelled(room, when, who)));
      break;
  }
  return assembleCard({ title, template: TEMPLATES[state.status], elements });
}

/** Why a typed booking cannot be made (a bad or past slot, an unknown room, booking off): a red card. */
export function buildBookingProblemCard(problem: LocalizedText): Card {
  return assembleCard({
    title: s.titleBadSlot,
    template: 'red',
    elements: [markdown(problem), markdown(s.mdBookUsage, 'notation')],
  });
}
