import type { Permission } from '../../src/admin/roles';
import { api, rememberSession, type SessionInfo, whenSignedOut } from './api';
import { h } from './dom';
import { isTextKey, language, setLanguage, t } from './i18n';
import { accountScreen } from './screens/account';
import { approvalsScreen } from './screens/approvals';
import { auditScreen } from './screens/audit';
import { cardsScreen } from './screens/cards';
import { fraudScreen } from './screens/fraud';
import { reportsScreen } from './screens/reports';
import { rulesScreen } from './screens/rules';
import { settingsScreen } from './screens/settings';
import { signInScreen } from './screens/sign-in';
import { usersScreen } from './screens/users';
import { type Language, languages, type TextKey } from './texts';

/**
 * The head-office console: one page, screens by the URL's hash (#/users, #/audit, ...).
 * A person sees only the screens their role's permissions open; the API refuses the rest anyway.
 */
interface Screen {
  path: string;
  label: TextKey;
  /** Shown to a person holding any of these. */
  needs: Permission | Permission[];
  render(session: SessionInfo): HTMLElement;
}

const screens: Screen[] = [
  { path: 'users', label: 'nav.users', needs: 'users.read', render: usersScreen },
  { path: 'audit', label: 'nav.audit', needs: 'audit.read', render: auditScreen },
  { path: 'cards', label: 'nav.cards', needs: 'cards.read', render: cardsScreen },
  { path: 'approvals', label: 'nav.approvals', needs: 'cards.adjust.approve', render: approvalsScreen },
  { path: 'fraud', label: 'nav.fraud', needs: 'fraud.read', render: fraudScreen },
  { path: 'reports', label: 'nav.reports', needs: 'reports.read', render: () => reportsScreen() },
  { path: 'tills', label: 'nav.tills', needs: 'tills.read', render: () => reportsScreen('tills') },
  { path: 'rules', label: 'nav.rules', needs: 'rules.publish', render: () => rulesScreen() },
  {
    path: 'settings',
    label: 'nav.settings',
    needs: ['reports.budget', 'cards.policy'],
    render: settingsScreen,
  },
  { path: 'account', label: 'nav.account', needs: 'session', render: (s) => accountScreen(s, signedIn) },
];

const root = document.getElementById('app') as HTMLElement;
let session: SessionInfo | null = null;
let notice: string | undefined;

function signedIn(next: SessionInfo): void {
  session = next;
  rememberSession(next);
  notice = undefined;
  render();
}

function languageSwitch(): HTMLElement {
  const select = h('select', { id: 'language', attrs: { 'aria-label': t('app.language') } });
  for (const code of languages) {
    const option = h('option', {
      text: code === 'en' ? 'English' : 'Русский',
      attrs: { value: code, lang: code },
    });
    option.selected = code === language();
    select.append(option);
  }
  select.addEventListener('change', () => {
    setLanguage(select.value as Language);
    render();
  });
  return select;
}

function render(): void {
  document.title = t('app.title');
  document.documentElement.lang = language();
  if (session === null) {
    root.replaceChildren(
      h('header', { class: 'top' }, h('span', { class: 'brand', text: t('app.title') }), languageSwitch()),
      signInScreen(signedIn, notice),
    );
    return;
  }
  const current = session;
  const open = current.user.mustChangePassword
    ? screens.filter((s) => s.path === 'account')
    : screens.filter((s) => [s.needs].flat().some((p) => current.permissions.includes(p)));
  const wanted = location.hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  const screen = open.find((s) => s.path === wanted) ?? (open[0] as Screen);
  if (wanted !== screen.path) history.replaceState(null, '', `#/${screen.path}`);
  const signOut = h('button', {
    id: 'sign-out',
    class: 'secondary',
    text: t('app.sign_out'),
    attrs: { type: 'button' },
  });
  signOut.addEventListener('click', async () => {
    await api('POST', '/sign-out');
    session = null;
    rememberSession(null);
    render();
  });
  const who = t('app.signed_in_as', { name: current.user.displayName, role: t(`role.${current.user.role}`) });
  root.replaceChildren(
    h(
      'header',
      { class: 'top' },
      h('span', { class: 'brand', text: t('app.title') }),
      h(
        'nav',
        { attrs: { 'aria-label': t('app.main_navigation') } },
        ...open.map((s) =>
          h('a', {
            id: `nav-${s.path}`,
            text: t(s.label),
            attrs: { href: `#/${s.path}`, ...(s === screen ? { 'aria-current': 'page' } : {}) },
          }),
        ),
      ),
      h('span', { id: 'who', class: 'who', text: who, attrs: { title: who } }),
      languageSwitch(),
      signOut,
    ),
    h('main', { id: 'screen' }, screen.render(current)),
  );
}

whenSignedOut((code) => {
  session = null;
  rememberSession(null);
  const key = `error.${code}`;
  notice = isTextKey(key) ? t(key) : t('sign_in.ended');
  render();
});
window.addEventListener('hashchange', () => session !== null && render());

async function start(): Promise<void> {
  root.replaceChildren(h('p', { class: 'muted', text: t('app.loading') }));
  const answer = await api<SessionInfo>('GET', '/session');
  notice = undefined;
  if (answer.ok) signedIn(answer.data);
  else {
    session = null;
    render();
  }
}
void start();
