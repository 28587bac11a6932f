/**
 * The purchase lines the cashier types: an amount and, when the program names categories, a
 * category per line. Read as the basket the API takes (integer minor units).
 */
import { parseAmountMinor } from './format.js';
import { $, digits, settings, t } from './page.js';

export const linesMax = 20;

/** Rebuilds `count` lines, keeping what was typed; `changed` runs on every edit. */
export function buildLines(count, changed) {
  const lines = $('lines');
  const kept = [...lines.querySelectorAll('.line')].map((row) => ({
    amount: row.querySelector('.amount').value,
    category: row.querySelector('select')?.value ?? '',
  }));
  lines.replaceChildren();
  for (let i = 0; i < count; i++) lines.append(lineRow(i + 1, count, kept[i], changed));
  $('add-line').disabled = count >= linesMax;
}

function lineRow(n, count, kept, changed) {
  const row = document.createElement('div');
  row.className = 'line';
  const amountId = `line-${n}-amount`;
  const amountLabel = document.createElement('label');
  amountLabel.htmlFor = amountId;
  amountLabel.textContent = t('lineAmount', { n });
  const amount = document.createElement('input');
  amount.id = amountId;
  amount.className = 'amount';
  amount.inputMode = 'decimal';
  amount.autocomplete = 'off';
  amount.maxLength = 24;
  amount.value = kept?.amount ?? '';
  amount.addEventListener('input', changed);
  row.append(amountLabel, amount);
  if (settings.categories.length > 0) {
    const categoryId = `line-${n}-category`;
    const categoryLabel = document.createElement('label');
    categoryLabel.htmlFor = categoryId;
    categoryLabel.textContent = t('lineCategory', { n });
    const select = document.createElement('select');
    select.id = categoryId;
    select.append(new Option(t('categoryOther'), ''));
    for (const c of settings.categories) select.append(new Option(c, c));
    select.value = kept?.category ?? '';
    select.addEventListener('change', changed);
    row.append(categoryLabel, select);
  }
  if (count > 1) {
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'quiet remove';
    remove.textContent = '×';
    remove.setAttribute('aria-label', t('lineRemove', { n }));
    remove.addEventListener('click', () => {
      row.remove();
      buildLines($('lines').querySelectorAll('.line').length, changed);
      changed();
    });
    row.append(remove);
  }
  return row;
}

export const firstAmountInput = () => $('line-1-amount');

/** The basket as the API takes it, or the number of the first line that is not an amount. */
export function readBasket() {
  const rows = [...$('lines').querySelectorAll('.line')];
  const lines = [];
  for (const [i, row] of rows.entries()) {
    const amountMinor = parseAmountMinor(row.querySelector('.amount').value, digits);
    if (amountMinor === null || amountMinor === 0) return { badLine: i + 1 };
    const category = row.querySelector('select')?.value ?? '';
    lines.push({
      id: String(i + 1),
      sku: category === '' ? 'page-item' : `page-${category}`,
      ...(category === '' ? {} : { category }),
      quantity: 1,
      unitPriceMinor: amountMinor,
      amountMinor,
    });
  }
  return { basket: { currency: settings.currency, lines } };
}
