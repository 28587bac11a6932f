import { api, type CardAnswer, type Movement, type SaleLineView, type SessionInfo } from '../api';
import { field, h, input, statusLine } from '../dom';
import { moment, whole } from '../format';
import { isTextKey, t } from '../i18n';
import { facts as factList, num, row, table } from '../table';
import { adjustmentHeads, adjustmentRow } from './adjustment-row';
import { cardActions } from './card-actions';

/**
 * Card lookup: type or scan a number; the card's status, points, lots, tier, movements (with the
 * sale lines behind a sale), its corrections, and what this person may do to it.
 */
const text = (prefix: string, key: string) => {
  const k = `${prefix}.${key}`;
  return isTextKey(k) ? t(k) : key;
};

function summary(data: CardAnswer): HTMLElement {
  const c = data.card;
  const tier =
    c.tier === null
      ? t('cards.no_tier')
      : `${c.tier.current?.name ?? '—'} · ${
          c.tier.next === null
            ? t('cards.top_tier')
            : t('cards.next_tier', {
                left: whole(c.tier.next.leftToSpendMinor / 100),
                name: c.tier.next.name,
              })
        }`;
  const facts: Array<[string, string, string]> = [
    ['card-status', t('cards.status'), text('cards', `status_${c.status}`)],
    ['card-available', t('cards.available'), whole(c.available)],
    ['card-pending', t('cards.pending'), whole(c.pending)],
    ['card-overdraft', t('cards.overdraft'), whole(c.overdraft)],
    ['card-cap', t('cards.offline_cap'), c.offlineCap === null ? t('cards.store_cap') : whole(c.offlineCap)],
    ['card-stores', t('cards.stores'), c.stores.join(', ') || '—'],
    ['card-tier', t('cards.tier'), tier],
    ['card-enrolled', t('cards.enrolled_at'), c.enrolledAt === null ? '—' : moment(c.enrolledAt)],
  ];
  return h(
    'section',
    { class: 'card', attrs: { 'aria-labelledby': 'card-title' } },
    h('h2', { id: 'card-title', text: c.cardId }),
    factList(
      'card-facts',
      facts.map(([id, label, value]) => [label, value, id]),
    ),
    c.flagged
      ? h('p', { class: 'status error', text: t('cards.flagged', { reasons: c.flagReasons.join(', ') }) })
      : null,
  );
}

function lots(data: CardAnswer): HTMLElement {
  const heads = [
    'cards.lot',
    'cards.initial',
    'cards.remaining',
    'cards.vests',
    'cards.expires',
    'cards.state',
  ] as const;
  return h(
    'section',
    { class: 'card' },
    h('h2', { text: t('cards.lots') }),
    table(
      'lots-table',
      heads.map((k) => t(k)),
      data.card.lots.map((l) =>
        row([
          l.lotId,
          num(whole(l.initial)),
          num(whole(l.remaining)),
          moment(l.vestsAt),
          l.expiresAt === null ? t('cards.never') : moment(l.expiresAt),
          text('cards', `lot_${l.state}`),
        ]),
      ),
      t('cards.no_lots'),
    ),
  );
}

function linesRow(cardId: string, m: Movement, colspan: number): HTMLTableRowElement {
  const cell = h('td', { attrs: { colspan: String(colspan) } });
  const tr = h('tr', { class: 'sale-lines' }, cell);
  void api<{ lines: SaleLineView[] }>(
    'GET',
    `/cards/${encodeURIComponent(cardId)}/sales/${encodeURIComponent(m.txnId)}`,
  ).then((answer) => {
    if (!answer.ok) return cell.append(h('span', { class: 'status error', text: answer.text }));
    const heads = [
      'cards.sku',
      'cards.category',
      'cards.quantity',
      'cards.amount',
      'cards.earned',
      'cards.spent',
      'cards.returned',
      'cards.rules',
    ] as const;
    cell.append(
      table(
        `lines-${m.txnId}`,
        heads.map((k) => t(k)),
        answer.data.lines.map((l) =>
          row([
            l.sku,
            l.category ?? '',
            num(String(l.quantity)),
            num(whole(l.amountMinor / 100)),
            num(whole(l.earnedPoints)),
            num(whole(l.spentPoints)),
            num(String(l.returnedQuantity)),
            l.ruleIds.join(', '),
          ]),
        ),
      ),
    );
  });
  return tr;
}

function movementRow(cardId: string, m: Movement): HTMLTableRowElement {
  const what = text('movement', m.reason) + (m.code ? ` · ${text('reason', m.code)}` : '');
  const button = m.hasLines
    ? h('button', {
        class: 'secondary small',
        text: t('cards.show_lines'),
        attrs: { type: 'button', 'data-txn': m.txnId },
      })
    : null;
  const tr = row(
    [
      moment(m.at),
      what,
      m.storeId === 'hub' ? t('cards.head_office') : m.storeId,
      m.tillId === 'hub' ? '' : m.tillId,
      num(m.points > 0 ? `+${whole(m.points)}` : whole(m.points)),
      m.receiptId ?? '',
      button ?? '',
    ],
    { 'data-txn': m.txnId },
  );
  button?.addEventListener('click', () => {
    button.disabled = true;
    tr.after(linesRow(cardId, m, 7));
  });
  return tr;
}

function movements(data: CardAnswer): HTMLElement {
  const heads = [
    'cards.when',
    'cards.what',
    'cards.store',
    'cards.till',
    'cards.points',
    'cards.receipt',
    'cards.lines',
  ] as const;
  const cardId = data.card.cardId;
  const wrap = table(
    'movements-table',
    heads.map((k) => t(k)),
    data.movements.movements.map((m) => movementRow(cardId, m)),
    t('cards.no_movements'),
  );
  const body = wrap.querySelector('tbody') as HTMLTableSectionElement;
  let next = data.movements.next;
  const older = h('button', {
    id: 'movements-older',
    class: 'secondary',
    text: t('cards.older'),
    attrs: { type: 'button' },
  });
  older.hidden = next === null;
  older.addEventListener('click', async () => {
    const answer = await api<CardAnswer['movements']>(
      'GET',
      `/cards/${encodeURIComponent(cardId)}/movements?before=${encodeURIComponent(next ?? '')}`,
    );
    if (!answer.ok) return;
    body.append(...answer.data.movements.map((m) => movementRow(cardId, m)));
    next = answer.data.next;
    older.hidden = next === null;
  });
  return h('section', { class: 'card' }, h('h2', { text: t('cards.movements') }), wrap, older);
}

function corrections(data: CardAnswer): HTMLElement | null {
  if (data.adjustments.length === 0) return null;
  return h(
    'section',
    { class: 'card' },
    h('h2', { text: t('cards.corrections') }),
    table(
      'card-adjustments',
      adjustmentHeads(false),
      data.adjustments.map((a) => adjustmentRow(a, false)),
    ),
  );
}

export function cardsScreen(session: SessionInfo): HTMLElement {
  const status = statusLine('cards-status');
  const number = input('search', {
    maxlength: '128',
    autocapitalize: 'none',
    autocomplete: 'off',
    inputmode: 'text',
  });
  const result = h('div', { id: 'card-result' });
  const show = async (cardId: string, notice?: string) => {
    const answer = await api<CardAnswer>('GET', `/cards/${encodeURIComponent(cardId)}`);
    if (!answer.ok) {
      result.replaceChildren();
      return status.fail(answer.text);
    }
    if (notice) status.ok(notice);
    else status.clear();
    result.replaceChildren(
      summary(answer.data),
      cardActions(session, answer.data, (text) => void show(cardId, text)),
      lots(answer.data),
      movements(answer.data),
      corrections(answer.data) ?? '',
    );
  };
  const form = h(
    'form',
    { id: 'card-search', class: 'card filters' },
    field('card-number', t('cards.number'), number),
    h(
      'div',
      { class: 'actions' },
      h('button', { id: 'card-find', text: t('cards.find'), attrs: { type: 'submit' } }),
    ),
  );
  /** A phone (it starts with +) finds the cards whose profile holds it; one opens at once. */
  const find = async (text: string) => {
    if (!text.startsWith('+')) return show(text);
    const answer = await api<{ cards: string[] }>('GET', `/cards?phone=${encodeURIComponent(text)}`);
    if (!answer.ok) return status.fail(answer.text);
    const [only] = answer.data.cards;
    if (answer.data.cards.length === 1 && only !== undefined) return show(only);
    status.clear();
    result.replaceChildren(
      answer.data.cards.length === 0
        ? h('p', { class: 'status error', text: t('cards.phone_none') })
        : h(
            'ul',
            { id: 'phone-matches', class: 'card' },
            ...answer.data.cards.map((c) =>
              h('li', {}, h('a', { text: c, attrs: { href: `#/cards?card=${encodeURIComponent(c)}` } })),
            ),
          ),
    );
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = number.value.trim();
    if (text !== '') void find(text);
  });
  // A link from another screen (`#/cards?card=…`) opens that card at once.
  const linked = new URLSearchParams(location.hash.split('?')[1] ?? '').get('card');
  if (linked) {
    number.value = linked;
    void show(linked);
  }
  return h(
    'section',
    { class: 'cards', attrs: { 'aria-labelledby': 'cards-title' } },
    h('h1', { id: 'cards-title', text: t('cards.title') }),
    h('p', { class: 'muted', text: t('cards.intro') }),
    form,
    status.element,
    result,
  );
}
