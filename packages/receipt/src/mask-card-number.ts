import { assert } from '@tillpoint/core';

/**
 * The card as printed: only the last digits show, so a lost receipt does not give the card
 * away. "2900001234567" -> "**** 4567"; short codes keep at most a third visible.
 */
export function maskCardNumber(code: string): string {
  const trimmed = code.trim();
  assert(trimmed.length > 0, 'maskCardNumber needs a non-empty card code');
  assert(trimmed.length <= 128, 'card code longer than 128 characters');
  const visible = trimmed.length >= 8 ? 4 : Math.floor(trimmed.length / 3);
  const tail = visible === 0 ? '' : trimmed.slice(-visible);
  return trimmed.length >= 8 ? `**** ${tail}` : '*'.repeat(trimmed.length - visible) + tail;
}
