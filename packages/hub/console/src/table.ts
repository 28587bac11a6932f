import { h } from './dom';

/** A table with a header row and a scroll wrapper (narrow screens scroll it sideways). */
export function table(
  id: string,
  heads: readonly string[],
  rows: readonly HTMLTableRowElement[],
  empty?: string,
): HTMLElement {
  const body = h('tbody', {}, ...rows);
  if (rows.length === 0 && empty !== undefined)
    body.append(
      h('tr', {}, h('td', { class: 'muted', text: empty, attrs: { colspan: String(heads.length) } })),
    );
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id },
      h('thead', {}, h('tr', {}, ...heads.map((text) => h('th', { text, attrs: { scope: 'col' } })))),
      body,
    ),
  );
}

/** A row of text cells; numbers are right-aligned by the `num` class. */
export function row(
  cells: ReadonlyArray<string | { text: string; class: string } | Node>,
  attrs: Record<string, string> = {},
): HTMLTableRowElement {
  return h(
    'tr',
    { attrs },
    ...cells.map((c) =>
      typeof c === 'string'
        ? h('td', { text: c })
        : c instanceof Node
          ? h('td', {}, c)
          : h('td', { text: c.text, class: c.class }),
    ),
  );
}

export const num = (text: string) => ({ text, class: 'num' });

/** Label–value pairs: each pair in its own box, so the grid keeps them together. */
export function facts(id: string, pairs: ReadonlyArray<[string, string, string?]>): HTMLElement {
  return h(
    'dl',
    { id, class: 'facts' },
    ...pairs.map(([label, value, valueId]) =>
      h('div', {}, h('dt', { text: label }), h('dd', { text: value, ...(valueId ? { id: valueId } : {}) })),
    ),
  );
}
