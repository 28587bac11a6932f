import { formatAmount, formatPoints } from '@tillpoint/receipt';
import type { AgentEvent } from '../run/events';

/**
 * What the demo tells a newcomer as things happen, in sentences (English or Russian), from the
 * agent's events. Pure: tested with the events the agent publishes.
 */
export type DemoLanguage = 'en' | 'ru';

interface Words {
  product: (code: string) => string;
  misread: (code: string) => string;
  card: (code: string, status: string, spend: string, pending: string) => string;
  tier: (tier: string) => string;
  nextTier: (left: string, next: string) => string;
  cardNew: (code: string) => string;
  cardBlocked: (code: string) => string;
  cardOther: (code: string) => string;
  sale: (receipt: string, earned: string, spent: string) => string;
  spentValue: (points: string) => string;
  nothingSpent: string;
  balanceNow: (spend: string, pending: string) => string;
  returned: (receipt: string) => string;
  printer: (problem: string) => string;
  printerProblems: Record<string, string>;
  loyaltyOff: (reason: string) => string;
  scanner: (device: string, message: string) => string;
  statuses: Record<string, string>;
}

const words: Record<DemoLanguage, Words> = {
  en: {
    product: (code) => `Scanned ${code}: a product barcode, not a loyalty card.`,
    misread: (code) => `Scanned ${code}: a loyalty card misread (wrong check digit); scan it again.`,
    card: (code, status, spend, pending) =>
      `Card ${code}: ${status}, ${spend} points to spend, ${pending} pending`,
    tier: (tier) => `, tier ${tier}`,
    nextTier: (left, next) => ` (${left} more to reach ${next})`,
    cardNew: (code) => `Card ${code} is new: enrol it on the cashier page, or just sell with it.`,
    cardBlocked: (code) => `Card ${code} is blocked: sell without loyalty.`,
    cardOther: (code) => `Card ${code} cannot be read now: see the agent log.`,
    sale: (receipt, earned, spent) => `Sale ${receipt}: ${earned} points earned, ${spent}.`,
    spentValue: (points) => `${points} spent`,
    nothingSpent: 'none spent',
    balanceNow: (spend, pending) => ` The card now has ${spend} points to spend and ${pending} pending.`,
    returned: (receipt) => `Return against ${receipt}.`,
    printer: (problem) => `The printer reports: ${problem}.`,
    printerProblems: {
      paper_out: 'out of paper',
      paper_near_end: 'paper nearly out',
      cover_open: 'cover open',
      offline: 'offline',
      no_response: 'no answer',
      disconnected: 'not connected',
      job_uncertain: 'a slip may not have printed',
    },
    loyaltyOff: (reason) => `Loyalty is OFF on this till (${reason}); sales go on without points.`,
    scanner: (device, message) => `Scanner ${device}: ${message}`,
    statuses: { enrolled: 'enrolled', anonymous: 'anonymous', blocked: 'blocked' },
  },
  ru: {
    product: (code) => `Отсканирован ${code}: штрихкод товара, не карта лояльности.`,
    misread: (code) =>
      `Отсканирован ${code}: карта считалась с ошибкой (неверная контрольная цифра); отсканируйте ещё раз.`,
    card: (code, status, spend, pending) =>
      `Карта ${code}: ${status}, доступно баллов: ${spend}, ожидают начисления: ${pending}`,
    tier: (tier) => `, уровень ${tier}`,
    nextTier: (left, next) => ` (до уровня ${next} осталось ${left})`,
    cardNew: (code) => `Карта ${code} новая: зарегистрируйте её на странице кассира или просто продайте.`,
    cardBlocked: (code) => `Карта ${code} заблокирована: продавайте без программы.`,
    cardOther: (code) => `Карту ${code} сейчас не прочитать: см. журнал агента.`,
    sale: (receipt, earned, spent) => `Продажа ${receipt}: начислено баллов: ${earned}, ${spent}.`,
    spentValue: (points) => `списано: ${points}`,
    nothingSpent: 'ничего не списано',
    balanceNow: (spend, pending) => ` Теперь на карте доступно баллов: ${spend}, ожидают: ${pending}.`,
    returned: (receipt) => `Возврат по чеку ${receipt}.`,
    printer: (problem) => `Принтер сообщает: ${problem}.`,
    printerProblems: {
      paper_out: 'закончилась бумага',
      paper_near_end: 'бумага заканчивается',
      cover_open: 'открыта крышка',
      offline: 'не в сети',
      no_response: 'не отвечает',
      disconnected: 'не подключён',
      job_uncertain: 'слип мог не напечататься',
    },
    loyaltyOff: (reason) =>
      `Программа лояльности на этой кассе ОТКЛЮЧЕНА (${reason}); продажи идут без баллов.`,
    scanner: (device, message) => `Сканер ${device}: ${message}`,
    statuses: { enrolled: 'зарегистрирована', anonymous: 'анонимная', blocked: 'заблокирована' },
  },
};

const num = (value: unknown): number =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : 0;
const named = (value: unknown): string | undefined =>
  value !== null && typeof value === 'object' && typeof (value as { name?: unknown }).name === 'string'
    ? (value as { name: string }).name
    : undefined;

/** One sentence for an event worth telling, or undefined (the rest stays in the agent log). */
export function narrate(event: AgentEvent, language: DemoLanguage, currency: string): string | undefined {
  const w = words[language];
  const d = event.data;
  const pts = (n: unknown) => formatPoints(num(n), language).replaceAll('\u00a0', ' ');
  const balance = (b: unknown) => {
    const { spendablePoints, pendingPoints } = (b ?? {}) as Record<string, unknown>;
    return w.balanceNow(pts(spendablePoints), pts(pendingPoints));
  };
  const code = String(d.code ?? d.cardCode ?? '');
  switch (event.type) {
    case 'scan':
      if (d.card === 'product') return w.product(code);
      return d.card === 'invalid_check_digit' ? w.misread(code) : undefined;
    case 'card': {
      // The agent sends `card` events for codes in a card range with a good check digit only.
      if (d.known !== true) return d.code === 'card_unknown' ? w.cardNew(code) : w.cardOther(code);
      if (d.status === 'blocked') return w.cardBlocked(code);
      const status = w.statuses[String(d.status)] ?? String(d.status);
      const tier = named(d.tier);
      const next = named(d.nextTier);
      const left = num((d.nextTier as { leftToSpendMinor?: unknown } | null)?.leftToSpendMinor);
      return `${w.card(code, status, pts(d.spendablePoints), pts(d.pendingPoints))}${tier === undefined ? '' : w.tier(tier)}${
        next === undefined
          ? ''
          : w.nextTier(formatAmount(left, currency, language).replaceAll('\u00a0', ' '), next)
      }.`;
    }
    case 'sale':
      if (d.returnOf !== undefined) return `${w.returned(String(d.returnOf))}${balance(d.balance)}`;
      return `${w.sale(String(d.receiptId), pts(d.earnedPoints), num(d.spentPoints) > 0 ? w.spentValue(pts(d.spentPoints)) : w.nothingSpent)}${balance(d.balance)}`;
    case 'printer': {
      if (d.state === 'ok' || typeof d.state !== 'string') return undefined;
      return w.printer(w.printerProblems[d.state] ?? d.state);
    }
    case 'loyalty':
      return d.state === 'unavailable' ? w.loyaltyOff(String(d.reason ?? '')) : undefined;
    case 'device':
      return d.error !== undefined
        ? w.scanner(String(d.deviceId ?? ''), String(d.message ?? d.error))
        : undefined;
    default:
      return undefined;
  }
}
