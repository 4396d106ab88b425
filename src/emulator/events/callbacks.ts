// Judging the bot's answers to the two synchronous pushes: the url_verification challenge (answer
// {"challenge": same value} with HTTP 200) and card.action.trigger (卡片回传交互回调: HTTP 200 within 3 s,
// body {toast?, card?}). Error codes are those the Feishu client shows for a failed card interaction.
import { checkCard } from '../api/card-check.js';
import type { CardActionResponse } from '../../protocol/events.js';
import type { WebhookResponse } from './transport.js';
import { isJsonObject } from '../../json.js';

export interface UrlVerificationResult {
  ok: boolean;
  status?: number;
  body: string;
  /** Why the answer was refused. */
  problem?: string;
}

export function judgeChallengeAnswer(response: WebhookResponse, challenge: string): UrlVerificationResult {
  const base = { ...(response.status !== undefined ? { status: response.status } : {}), body: response.body };
  if (response.status !== 200) return { ...base, ok: false, problem: response.error ?? `HTTP ${response.status}` };
  const answer = parseObject(response.body);
  if (answer?.challenge !== challenge)
    return { ...base, ok: false, problem: 'the answer is not {"challenge": <the same value>}' };
  return { ...base, ok: true };
}

/** Feishu client error codes of a failed card interaction (卡片回传交互回调, 错误码). */
export const CardErrorCode = {
  TIMEOUT: 200341,
  CONNECT_FAILED: 200342,
  NOT_200: 200671,
  BAD_BODY: 200672,
  BAD_CARD: 200673,
} as const;

export interface CardClickResult {
  ok: boolean;
  status?: number;
  body: string;
  /** The parsed answer (toast and/or card), when it was valid. */
  response?: CardActionResponse;
  /** Feishu's client-side error code when the interaction failed. */
  errorCode?: number;
  problem?: string;
}

export function judgeCardAnswer(response: WebhookResponse): CardClickResult {
  const base = { ...(response.status !== undefined ? { status: response.status } : {}), body: response.body };
  if (response.error === 'timeout')
    return { ...base, ok: false, errorCode: CardErrorCode.TIMEOUT, problem: 'no answer in time' };
  if (response.status === undefined)
    return { ...base, ok: false, errorCode: CardErrorCode.CONNECT_FAILED, problem: response.error ?? 'no response' };
  if (response.status !== 200)
    return { ...base, ok: false, errorCode: CardErrorCode.NOT_200, problem: `HTTP ${response.status}` };
  // An empty 200 keeps the card as it is.
  const answer = response.body.trim() === '' ? {} : parseObject(response.body);
  if (!answer)
    return { ...base, ok: false, errorCode: CardErrorCode.BAD_BODY, problem: 'the answer is not a JSON object' };
  const card = answer.card;
  if (card !== undefined && !isValidCard(card)) {
    return {
      ...base,
      ok: false,
      errorCode: CardErrorCode.BAD_CARD,
      problem: 'card must be {type: "raw"|"template", data: object}',
    };
  }
  const cardProblem =
    card !== undefined && (card as { type: string }).type === 'raw'
      ? checkCard((card as { data: Record<string, unknown> }).data)
      : undefined;
  if (cardProblem) return { ...base, ok: false, errorCode: CardErrorCode.BAD_CARD, problem: cardProblem };
  return { ...base, ok: true, response: answer as CardActionResponse };
}

function isValidCard(card: unknown): boolean {
  if (!isJsonObject(card)) return false;
  const { type, data } = card;
  return (type === 'raw' || type === 'template') && isJsonObject(data);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
