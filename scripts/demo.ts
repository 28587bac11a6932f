/**
 * `pnpm start`: quotes the sample baskets (fixtures/baskets/sample-*.json) against the sample
 * programs (fixtures/programs/sample-*.json) and prints what each purchase earns, what may be
 * spent, the tier progress and the offers, with the reasons.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { basketSchema, cardSchema, formatMinor } from '@tillpoint/core';
import { loadProgramFile, type Quote, quote } from '@tillpoint/rules';

const root = resolve(import.meta.dirname, '..');
const tty = process.stdout.isTTY === true;
const paint = (code: number) => (text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = paint(1);
const dim = paint(2);
const green = paint(32);
const yellow = paint(33);
const cyan = paint(36);

interface SampleBasket {
  program: string;
  now: string;
  card: unknown;
  basket: unknown;
  spendPoints?: number;
}

const money = (minor: number, currency: string) => `${formatMinor(minor, currency)} ${currency}`;
const pad = (text: string, width: number) => text.padEnd(width);
const padLeft = (text: string, width: number) => text.padStart(width);

function printQuote(title: string, q: Quote, sample: SampleBasket, zone: string): void {
  const card = cardSchema.parse(sample.card);
  const basket = basketSchema.parse(sample.basket);
  console.log(`\n${bold(`━━ ${title}`)} ${dim(`program ${q.programVersion} · ${q.localDate} (${zone})`)}`);
  const tier = q.tier.current === null ? 'no tier' : `tier ${bold(q.tier.current.name)}`;
  const next =
    q.tier.next === null
      ? ''
      : ` → ${q.tier.next.name}: ${money(q.tier.next.leftToSpendMinor, q.currency)} left`;
  console.log(
    `card ${card.id} (${card.status}) · ${tier}${next} · balance ${card.balance.spendable} spendable, ${card.balance.pending} pending`,
  );
  for (const notice of q.notices) console.log(yellow(`  ! ${notice.text}`));

  const skuWidth = Math.max(4, ...basket.lines.map((l) => l.sku.length));
  console.log(
    dim(
      `  ${pad('sku', skuWidth)}  ${padLeft('amount', 12)}  ${padLeft('points', 6)}  ${padLeft('spent', 5)}  why`,
    ),
  );
  q.lines.forEach((line, i) => {
    const sku = basket.lines[i]?.sku ?? line.lineId;
    const why = line.reasons.map((r) => r.text).join(' ') || dim('no rule applies');
    const spent = line.spentPoints === undefined || line.spentPoints === 0 ? '' : String(line.spentPoints);
    console.log(
      `  ${pad(sku, skuWidth)}  ${padLeft(money(line.amountMinor, q.currency), 12)}  ${padLeft(String(line.earnedPoints), 6)}  ${padLeft(spent, 5)}  ${why}`,
    );
  });
  console.log(dim(`  ${pad('total', skuWidth)}  ${padLeft(money(q.basketTotalMinor, q.currency), 12)}`));

  for (const bonus of q.bonuses)
    console.log(`  ${green('+')} ${bonus.text}${bonus.visibility === 'hidden' ? dim(' (surprise)') : ''}`);
  const { earned, redemption } = q;
  const vests = earned.lots.find((l) => l.points > 0 && l.vestsAt > q.at);
  console.log(
    `  ${bold('earned')} ${green(String(earned.totalPoints))} points: ${earned.spendableNowPoints} spendable now, ${earned.pendingPoints} pending${vests === undefined ? '' : ` (from ${vests.vestsAt.slice(0, 10)})`}${earned.lots[0]?.expiresAt ? `, expire ${earned.lots[0].expiresAt.slice(0, 10)}` : ''}`,
  );
  const limits = redemption.limitedBy.map((l) => l.code).join(', ');
  console.log(
    `  ${bold('may spend')} up to ${redemption.maxPoints} points = ${money(redemption.maxDiscountMinor, q.currency)}${limits === '' ? '' : dim(` (limited by ${limits})`)}`,
  );
  const chosen = redemption.chosen;
  if (chosen !== undefined) {
    console.log(
      chosen.refusal === null
        ? `  ${bold('spends')} ${chosen.points} points = ${money(chosen.discountMinor, q.currency)} off, over ${chosen.lines.length} line(s)`
        : yellow(`  spend of ${chosen.requestedPoints} refused: ${chosen.refusal.text}`),
    );
  }
  for (const offer of q.offers) {
    const coupon =
      offer.coupon === undefined ? '' : cyan(` [${offer.coupon.symbology} ${offer.coupon.code}]`);
    console.log(`  ${offer.kind === 'hidden' ? cyan('★') : '•'} ${offer.text}${coupon}`);
  }
}

const basketsDir = join(root, 'fixtures/baskets');
const names = readdirSync(basketsDir)
  .filter((f) => f.startsWith('sample-') && f.endsWith('.json'))
  .sort();
console.log(bold('Tillpoint rules demo') + dim(` · ${names.length} sample baskets from fixtures/baskets`));
for (const file of names) {
  const sample = JSON.parse(readFileSync(join(basketsDir, file), 'utf8')) as SampleBasket;
  const loaded = await loadProgramFile(join(root, 'fixtures/programs', `${sample.program}.json`));
  if (!loaded.ok) {
    console.error(loaded.message);
    process.exit(1);
  }
  const q = quote(
    basketSchema.parse(sample.basket),
    cardSchema.parse(sample.card),
    loaded.value,
    new Date(sample.now),
    sample.spendPoints === undefined ? {} : { spendPoints: sample.spendPoints },
  );
  printQuote(
    `${loaded.value.program.name} · ${file.replace(/\.json$/, '')}`,
    q,
    sample,
    loaded.value.program.timeZone,
  );
}
