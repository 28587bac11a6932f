import { api, type SessionInfo } from '../api';
import { field, h, input, statusLine } from '../dom';
import { t } from '../i18n';

/** My account: change my password (forced after a reset), set up or turn off the second factor. */
export function accountScreen(session: SessionInfo, onSession: (session: SessionInfo) => void): HTMLElement {
  const forced = session.user.mustChangePassword;
  const status = statusLine('password-status');
  const current = input('password', { autocomplete: 'current-password', required: '' });
  const next = input('password', { autocomplete: 'new-password', required: '', minlength: '12' });
  const passwordForm = h(
    'form',
    { id: 'password-form', class: 'card' },
    h('h2', { text: t('account.password_title') }),
    forced ? h('p', { class: 'status error', text: t('account.must_change') }) : null,
    field('password-current', t('account.current_password'), current),
    field('password-new', t('account.new_password'), next),
    h('button', { id: 'password-submit', text: t('account.change_password'), attrs: { type: 'submit' } }),
    status.element,
  );
  passwordForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api<SessionInfo>('POST', '/me/password', {
      currentPassword: current.value,
      newPassword: next.value,
    });
    current.value = '';
    next.value = '';
    if (!answer.ok) return status.fail(answer.text);
    onSession(answer.data);
    status.ok(t('account.password_changed'));
  });
  return h(
    'section',
    { class: 'account', attrs: { 'aria-labelledby': 'account-title' } },
    h('h1', { id: 'account-title', text: t('account.title') }),
    passwordForm,
    forced ? null : totpCard(session),
  );
}

function totpCard(session: SessionInfo): HTMLElement {
  const status = statusLine('totp-status');
  const card = h('div', { id: 'totp-card', class: 'card' });
  const code = () =>
    input('text', { inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: '6', required: '' });

  const showOn = () => {
    const value = code();
    const form = h(
      'form',
      {},
      field('totp-off-code', t('account.code'), value),
      h('button', { id: 'totp-disable', text: t('account.totp_disable'), attrs: { type: 'submit' } }),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const answer = await api('POST', '/me/totp/disable', { code: value.value.trim() });
      if (!answer.ok) return status.fail(answer.text);
      showOff();
      status.ok(t('account.totp_disabled'));
    });
    card.replaceChildren(
      h('h2', { text: t('account.totp_title') }),
      h('p', { text: t('account.totp_on') }),
      form,
      status.element,
    );
  };

  const showOff = () => {
    const start = h('button', { id: 'totp-start', text: t('account.totp_start'), attrs: { type: 'button' } });
    start.addEventListener('click', async () => {
      const answer = await api<{ secret: string; uri: string }>('POST', '/me/totp');
      if (!answer.ok) return status.fail(answer.text);
      const value = code();
      const form = h(
        'form',
        {},
        h('p', { text: t('account.totp_key') }),
        h('p', {
          id: 'totp-secret',
          class: 'secret',
          text: answer.data.secret.replace(/(.{4})/g, '$1 ').trim(),
        }),
        field('totp-confirm-code', t('account.code'), value),
        h('button', { id: 'totp-confirm', text: t('account.totp_confirm'), attrs: { type: 'submit' } }),
      );
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const confirmed = await api('POST', '/me/totp/confirm', { code: value.value.trim() });
        if (!confirmed.ok) return status.fail(confirmed.text);
        showOn();
        status.ok(t('account.totp_enabled'));
      });
      card.replaceChildren(h('h2', { text: t('account.totp_title') }), form, status.element);
    });
    card.replaceChildren(
      h('h2', { text: t('account.totp_title') }),
      h('p', { text: t('account.totp_off') }),
      start,
      status.element,
    );
  };

  if (session.user.totpEnabled) showOn();
  else showOff();
  return card;
}
