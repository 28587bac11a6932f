import { h } from '../dom';
import { t } from '../i18n';
import type { TextKey } from '../texts';

/** An area not built yet: says what is coming, shows no figures. */
export function comingScreen(title: TextKey, body: TextKey): HTMLElement {
  return h(
    'section',
    { class: 'card coming', attrs: { 'aria-labelledby': 'coming-title' } },
    h('h1', { id: 'coming-title', text: t(title) }),
    h('p', { text: t(body) }),
  );
}
