// Reading the bot's cards in end-to-end tests.

/** The value of the card's callback button (Refresh), as a click would send it back. */
export function callbackValue(card: unknown): Record<string, unknown> {
  let value: Record<string, unknown> | undefined;
  JSON.stringify(card, (key, v: unknown) => {
    if (key === 'behaviors' && Array.isArray(v))
      value ??= (v as { type: string; value: Record<string, unknown> }[]).find((b) => b.type === 'callback')?.value;
    return v;
  });
  if (!value) throw new Error('card has no callback button');
  return value;
}
