import { api, type SessionInfo } from '../api';
import { field, h, input, statusLine } from '../dom';
import { t } from '../i18n';

/** The second step: the six-digit code; a code step that expired goes back to the password. */
function codeStep(o: {
  onSignedIn: (session: SessionInfo) => void;
  startOver: (text?: string) => void;
}): HTMLFormElement {
  const code = input('text', {
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9]{6}',
    maxlength: '6',
    required: '',
  });
  const status = statusLine('sign-in-code-status');
  const form = h(
    'form',
    { id: 'sign-in-code-form', class: 'card narrow' },
    h('h1', { text: t('sign_in.code_title') }),
    field('sign-in-code', t('sign_in.code'), code),
    h('button', { id: 'sign-in-code-submit', text: t('sign_in.code_submit'), attrs: { type: 'submit' } }),
    h('button', {
      class: 'secondary',
      text: t('sign_in.start_over'),
      attrs: { type: 'button' },
      on: { click: () => o.startOver() },
    }),
    status.element,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api<SessionInfo>('POST', '/sign-in/totp', { code: code.value.trim() });
    if (answer.ok) return o.onSignedIn(answer.data);
    if (answer.code === 'unauthorized') return o.startOver(answer.text);
    status.fail(answer.text);
    code.select();
  });
  return form;
}

/** Sign in: login and password, then the code when the account has a second factor. */
export function signInScreen(onSignedIn: (session: SessionInfo) => void, notice?: string): HTMLElement {
  const status = statusLine('sign-in-status');
  if (notice) status.fail(notice);
  const login = input('text', {
    autocomplete: 'username',
    required: '',
    maxlength: '64',
    autocapitalize: 'none',
  });
  const password = input('password', { autocomplete: 'current-password', required: '', maxlength: '1024' });
  const submit = h('button', { id: 'sign-in-submit', text: t('sign_in.submit'), attrs: { type: 'submit' } });
  const form = h(
    'form',
    { id: 'sign-in-form', class: 'card narrow' },
    h('h1', { text: t('sign_in.title') }),
    field('sign-in-login', t('sign_in.login'), login),
    field('sign-in-password', t('sign_in.password'), password),
    submit,
    status.element,
  );
  const screen = h('main', { class: 'sign-in' }, form);

  const askCode = () => {
    const codeForm = codeStep({
      onSignedIn,
      startOver: (text?: string) => {
        screen.replaceChildren(form);
        if (text) status.fail(text);
      },
    });
    screen.replaceChildren(codeForm);
    codeForm.querySelector('input')?.focus();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    status.clear();
    const answer = await api<SessionInfo | { stage: 'totp' }>('POST', '/sign-in', {
      login: login.value,
      password: password.value,
    });
    submit.disabled = false;
    password.value = '';
    if (!answer.ok) {
      status.fail(answer.text);
      password.focus();
      return;
    }
    if (answer.data.stage === 'totp') askCode();
    else onSignedIn(answer.data);
  });
  queueMicrotask(() => login.focus());
  return screen;
}
