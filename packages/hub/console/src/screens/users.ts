import { type Role, roles } from '../../../src/admin/roles';
import { api, type PublicUser, type SessionInfo } from '../api';
import { field, h, input, statusLine } from '../dom';
import { t } from '../i18n';

function roleSelect(selected: Role): HTMLSelectElement {
  const select = h('select');
  for (const role of roles) {
    const option = h('option', { text: t(`role.${role}`), attrs: { value: role } });
    option.selected = role === selected;
    option.defaultSelected = role === selected;
    select.append(option);
  }
  return select;
}

const storesOf = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

function userRow(u: PublicUser, onEdit: (() => void) | null): HTMLTableRowElement {
  return h(
    'tr',
    { attrs: { 'data-login': u.login } },
    h('td', { text: u.login }),
    h('td', { text: u.displayName }),
    h('td', { text: t(`role.${u.role}`) }),
    h('td', { text: u.role === 'store_manager' ? u.stores.join(', ') : t('users.all_stores') }),
    h(
      'td',
      { text: u.disabled ? t('users.disabled') : t('users.active') },
      u.mustChangePassword ? h('small', { class: 'muted', text: ` · ${t('users.must_change')}` }) : null,
    ),
    h('td', { text: u.totpEnabled ? t('users.on') : t('users.off') }),
    onEdit
      ? h(
          'td',
          {},
          h('button', {
            class: 'secondary small',
            text: t('users.edit'),
            attrs: { type: 'button', 'aria-label': `${t('users.edit')} ${u.login}` },
            on: { click: onEdit },
          }),
        )
      : null,
  );
}

function usersTable(body: HTMLTableSectionElement, canWrite: boolean): HTMLTableElement {
  const heads = [
    'users.login',
    'users.name',
    'users.role',
    'users.stores',
    'users.status',
    'users.two_factor',
  ] as const;
  return h(
    'table',
    { id: 'users-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...heads.map((k) => h('th', { text: t(k), attrs: { scope: 'col' } })),
        canWrite ? h('th', { attrs: { scope: 'col' } }) : null,
      ),
    ),
    body,
  );
}

/** People and roles (administrators): the list, adding a person, changing one. */
export function usersScreen(session: SessionInfo): HTMLElement {
  const canWrite = session.permissions.includes('users.write');
  const status = statusLine('users-status');
  const body = h('tbody');
  const table = usersTable(body, canWrite);
  const editor = h('div', { id: 'user-editor' });
  const load = async () => {
    const answer = await api<{ users: PublicUser[] }>('GET', '/users');
    if (!answer.ok) return status.fail(answer.text);
    const close = () => editor.replaceChildren();
    body.replaceChildren(
      ...answer.data.users.map((u) =>
        userRow(u, canWrite ? () => editor.replaceChildren(editCard(u, load, close)) : null),
      ),
    );
  };
  void load();
  return h(
    'section',
    { class: 'users', attrs: { 'aria-labelledby': 'users-title' } },
    h('h1', { id: 'users-title', text: t('users.title') }),
    h('p', { class: 'muted', text: t('users.intro') }),
    status.element,
    h('div', { class: 'table-wrap' }, table),
    editor,
    canWrite ? addCard(load) : null,
  );
}

function storesField(
  id: string,
  role: HTMLSelectElement,
  value: string[],
): { element: HTMLElement; stores: HTMLInputElement } {
  const stores = input('text', { maxlength: '2000', placeholder: 'msk-014, msk-020' });
  stores.value = value.join(', ');
  const element = field(id, t('users.stores'), stores, t('users.stores_hint'));
  const sync = () => {
    element.hidden = role.value !== 'store_manager';
  };
  role.addEventListener('change', sync);
  sync();
  return { element, stores };
}

function addCard(reload: () => Promise<void>): HTMLElement {
  const status = statusLine('add-user-status');
  const login = input('text', { required: '', maxlength: '64', autocomplete: 'off', autocapitalize: 'none' });
  const name = input('text', { maxlength: '120', autocomplete: 'off' });
  const role = roleSelect('marketer');
  const { element: storesElement, stores } = storesField('add-user-stores', role, []);
  const password = input('password', { required: '', minlength: '12', autocomplete: 'new-password' });
  const form = h(
    'form',
    { id: 'add-user-form', class: 'card' },
    h('h2', { text: t('users.add_title') }),
    h(
      'div',
      { class: 'grid' },
      field('add-user-login', t('users.login'), login),
      field('add-user-name', t('users.name'), name),
      field('add-user-role', t('users.role'), role),
      storesElement,
      field('add-user-password', t('users.initial_password'), password),
    ),
    h('button', { id: 'add-user-submit', text: t('users.add'), attrs: { type: 'submit' } }),
    status.element,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api<{ user: PublicUser }>('POST', '/users', {
      login: login.value,
      ...(name.value.trim() ? { displayName: name.value } : {}),
      role: role.value,
      stores: role.value === 'store_manager' ? storesOf(stores.value) : [],
      password: password.value,
    });
    if (!answer.ok) return status.fail(answer.text);
    status.ok(t('users.added', { login: answer.data.user.login }));
    form.reset();
    role.dispatchEvent(new Event('change'));
    await reload();
  });
  return form;
}

type Done = (answer: { ok: boolean; text?: string }, okText: string) => Promise<void>;
const userPath = (user: PublicUser) => `/users/${encodeURIComponent(user.id)}`;

function saveForm(user: PublicUser, done: Done): HTMLFormElement {
  const name = input('text', { maxlength: '120' });
  name.value = user.displayName;
  const role = roleSelect(user.role);
  const { element: storesElement, stores } = storesField('edit-user-stores', role, user.stores);
  const form = h(
    'form',
    {},
    h(
      'div',
      { class: 'grid' },
      field('edit-user-name', t('users.name'), name),
      field('edit-user-role', t('users.role'), role),
      storesElement,
    ),
    h('button', { id: 'edit-user-save', text: t('users.save'), attrs: { type: 'submit' } }),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api('PATCH', userPath(user), {
      displayName: name.value,
      role: role.value,
      stores: role.value === 'store_manager' ? storesOf(stores.value) : [],
    });
    await done(answer, t('users.saved'));
  });
  return form;
}

function resetForm(user: PublicUser, done: Done): HTMLFormElement {
  const password = input('password', { minlength: '12', required: '', autocomplete: 'new-password' });
  const form = h(
    'form',
    {},
    h('div', { class: 'grid' }, field('edit-user-password', t('users.new_password'), password)),
    h('button', {
      id: 'edit-user-reset',
      class: 'secondary',
      text: t('users.reset_password'),
      attrs: { type: 'submit' },
    }),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api('POST', `${userPath(user)}/password`, { password: password.value });
    password.value = '';
    await done(answer, t('users.password_reset'));
  });
  return form;
}

/** Changing one person: name, role, stores; enable or disable; a new password; second factor off. */
function editCard(user: PublicUser, reload: () => Promise<void>, close: () => void): HTMLElement {
  const status = statusLine('edit-user-status');
  const done: Done = async (answer, okText) => {
    if (!answer.ok) return status.fail(answer.text ?? '');
    status.ok(okText);
    await reload();
  };
  const toggle = h('button', {
    id: 'edit-user-toggle',
    class: 'secondary',
    text: user.disabled ? t('users.enable') : t('users.disable'),
    attrs: { type: 'button' },
    on: {
      click: async () => {
        const answer = await api<{ user: PublicUser }>('PATCH', userPath(user), { disabled: !user.disabled });
        if (answer.ok) user.disabled = answer.data.user.disabled;
        toggle.textContent = user.disabled ? t('users.enable') : t('users.disable');
        await done(answer, t('users.saved'));
      },
    },
  });
  const totp = user.totpEnabled
    ? h('button', {
        id: 'edit-user-totp',
        class: 'secondary',
        text: t('users.reset_totp'),
        attrs: { type: 'button' },
        on: {
          click: async () => done(await api('POST', `${userPath(user)}/totp/reset`), t('users.totp_reset')),
        },
      })
    : null;
  return h(
    'div',
    { id: 'edit-user', class: 'card', attrs: { role: 'region', 'aria-labelledby': 'edit-user-title' } },
    h('h2', { id: 'edit-user-title', text: t('users.edit_title', { login: user.login }) }),
    saveForm(user, done),
    h('div', { class: 'actions' }, toggle, totp),
    resetForm(user, done),
    h('button', {
      class: 'secondary',
      text: t('users.close'),
      attrs: { type: 'button' },
      on: { click: close },
    }),
    status.element,
  );
}
