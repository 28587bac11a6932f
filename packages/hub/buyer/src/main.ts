import { appCodeText, formatRotatingCode, rotatingCodeStep, rotatingCodeStepMs } from '@tillpoint/core';
import bwipjs from 'bwip-js/browser';

/**
 * The buyer page: sign in with the link texted to the card's phone, then the card's points and
 * a QR code that changes every 30 s. The page makes its own Ed25519 key pair (the private half
 * never leaves this browser), head office signs the public half for the card, and each code is
 * the page's signature of the current time step: a till checks both offline.
 */
const texts = {
  en: {
    title: 'Loyalty card',
    phone: 'Your phone, with the country code',
    sendLink: 'Send me a sign-in link',
    linkSent: 'If a card has this phone, a sign-in link is on its way by SMS.',
    balance: 'Points to spend',
    pending: 'Pending: {n}',
    codeNote: 'Show this code at the till',
    countdown: 'New code in {s} s',
    problem: 'Something went wrong: {m}',
    linkExpired: 'This link was used or is too old: ask for a new one.',
    tier: 'Tier: {tier}',
    rewards: 'Rewards for your points',
    reward: '{name}: {n} points',
    offers: 'Offers for you',
  },
  ru: {
    title: 'Карта лояльности',
    phone: 'Ваш телефон с кодом страны',
    sendLink: 'Прислать ссылку для входа',
    linkSent: 'Если карта с этим телефоном есть, ссылка для входа придёт по SMS.',
    balance: 'Можно списать',
    pending: 'Ожидают начисления: {n}',
    codeNote: 'Покажите этот код на кассе',
    countdown: 'Новый код через {s} с',
    problem: 'Что-то пошло не так: {m}',
    linkExpired: 'Ссылка уже использована или устарела: запросите новую.',
    tier: 'Уровень: {tier}',
    rewards: 'Награды за ваши баллы',
    reward: '{name}: {n} баллов',
    offers: 'Предложения для вас',
  },
} as const;
type Key = keyof (typeof texts)['en'];
const language = navigator.language.toLowerCase().startsWith('ru') ? 'ru' : 'en';
const t = (key: Key, params: Record<string, string> = {}) =>
  texts[language][key].replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? '');
const $ = (id: string) => document.getElementById(id) as HTMLElement;
const say = (id: string, text: string) => {
  $(id).textContent = text;
};

interface Certificate {
  cardId: string;
  appKey: string;
  keyExpiresAt: number;
  hubSignature: string;
}
const store = {
  get session() {
    return localStorage.getItem('tp.session');
  },
  set session(v: string | null) {
    if (v === null) localStorage.removeItem('tp.session');
    else localStorage.setItem('tp.session', v);
  },
};

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const session = store.session;
  const res = await fetch(path, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(session === null ? {} : { authorization: `Buyer ${session}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as T & { code?: string; message?: string };
  if (!res.ok) throw Object.assign(new Error(json.message ?? `HTTP ${res.status}`), { status: res.status });
  return json;
}

const b64url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** The page's key pair (kept in this browser only) and head office's signature on its public half. */
async function keyAndCertificate(): Promise<{ privateKey: CryptoKey; cert: Certificate }> {
  const saved = localStorage.getItem('tp.key');
  const savedCert = localStorage.getItem('tp.cert');
  if (saved !== null && savedCert !== null) {
    const cert = JSON.parse(savedCert) as Certificate;
    if (cert.keyExpiresAt - Date.now() > 86_400_000) {
      const privateKey = await crypto.subtle.importKey(
        'jwk',
        JSON.parse(saved) as JsonWebKey,
        'Ed25519',
        false,
        ['sign'],
      );
      return { privateKey, cert };
    }
  }
  const pair = (await crypto.subtle.generateKey('Ed25519', true, ['sign', 'verify'])) as CryptoKeyPair;
  const publicKey = b64url(await crypto.subtle.exportKey('raw', pair.publicKey));
  const cert = await api<Certificate>('POST', '/buyer/v1/app-key', { publicKey });
  localStorage.setItem('tp.key', JSON.stringify(await crypto.subtle.exportKey('jwk', pair.privateKey)));
  localStorage.setItem('tp.cert', JSON.stringify(cert));
  return { privateKey: pair.privateKey, cert };
}

async function showCode(privateKey: CryptoKey, cert: Certificate, step: number): Promise<void> {
  const signature = await crypto.subtle.sign(
    'Ed25519',
    privateKey,
    new TextEncoder().encode(appCodeText(cert.cardId, step)),
  );
  const text = formatRotatingCode({ ...cert, step, appSignature: b64url(signature) });
  const canvas = $('qr') as HTMLCanvasElement;
  bwipjs.toCanvas(canvas, { bcid: 'qrcode', text, scale: 4 });
  canvas.dataset.code = text;
}

interface BuyerCard {
  availablePoints: number;
  pendingPoints: number;
  tier: { name: string | null; text: { en: string; ru: string } } | null;
  rewards: { rewardId: string; name: string; costPoints: number }[];
  offers: { id: string; text: string }[];
}

/** Fills a list with one item a row (text only: nothing the server sends is read as HTML). */
function fill(listId: string, sectionId: string, rows: readonly { id: string; text: string }[]): void {
  const list = $(listId);
  list.replaceChildren(
    ...rows.map((row) => {
      const item = document.createElement('li');
      item.dataset.id = row.id;
      item.textContent = row.text;
      return item;
    }),
  );
  $(sectionId).hidden = rows.length === 0;
}

/** The tier and what is left to the next one (as the slip says it), the rewards within reach, the offers. */
function showStanding(card: BuyerCard): void {
  $('tier').hidden = card.tier === null;
  say('tier-name', card.tier?.name == null ? '' : t('tier', { tier: card.tier.name }));
  say('tier-next', card.tier?.text[language] ?? '');
  fill(
    'reward-list',
    'rewards',
    card.rewards.map((r) => ({
      id: r.rewardId,
      text: t('reward', { name: r.name, n: String(r.costPoints) }),
    })),
  );
  fill('offer-list', 'offers', card.offers);
}

async function showCard(): Promise<void> {
  $('card').hidden = false;
  const card = await api<BuyerCard>('GET', '/buyer/v1/card');
  say('balance', String(card.availablePoints));
  say('pending', card.pendingPoints > 0 ? t('pending', { n: String(card.pendingPoints) }) : '');
  showStanding(card);
  const { privateKey, cert } = await keyAndCertificate();
  let shown = -1;
  const tick = async () => {
    const now = Date.now();
    const step = rotatingCodeStep(now);
    say(
      'countdown',
      t('countdown', { s: String(Math.ceil(((step + 1) * rotatingCodeStepMs - now) / 1000)) }),
    );
    if (step === shown) return;
    shown = step;
    await showCode(privateKey, cert, step);
  };
  await tick();
  setInterval(() => void tick().catch(problem), 1000);
}

function problem(error: unknown): void {
  say('problem', t('problem', { m: error instanceof Error ? error.message : String(error) }));
}

async function start(): Promise<void> {
  document.documentElement.lang = language;
  for (const [id, key] of [
    ['title', 'title'],
    ['phone-label', 'phone'],
    ['send-link', 'sendLink'],
    ['balance-label', 'balance'],
    ['code-note', 'codeNote'],
    ['rewards-title', 'rewards'],
    ['offers-title', 'offers'],
  ] as const)
    say(id, t(key));
  const token = /^#t=([A-Za-z0-9_-]{32})$/.exec(location.hash)?.[1];
  if (token !== undefined) {
    history.replaceState(null, '', location.pathname);
    try {
      const signed = await api<{ session: string }>('POST', '/buyer/v1/session', { token });
      store.session = signed.session;
      for (const k of ['tp.key', 'tp.cert']) localStorage.removeItem(k);
    } catch {
      say('problem', t('linkExpired'));
    }
  }
  if (store.session !== null) {
    try {
      return await showCard();
    } catch (error) {
      if ((error as { status?: number }).status !== 401) return problem(error);
      store.session = null;
    }
  }
  $('sign-in').hidden = false;
  $('sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    const phone = ($('phone') as HTMLInputElement).value.replace(/[\s\-().]/g, '');
    api('POST', '/buyer/v1/sign-in', { phone })
      .then(() => say('sign-in-note', t('linkSent')))
      .catch(problem);
  });
}

void start().catch(problem);
