/**
 * A small element builder. Text always goes in as text (textContent), never as HTML: nothing
 * a person typed, or the API answered, can become markup.
 */
type Child = Node | string | null | undefined | false;

export interface Props {
  class?: string;
  id?: string;
  text?: string;
  attrs?: Record<string, string>;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class) element.className = props.class;
  if (props.id) element.id = props.id;
  if (props.text !== undefined) element.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) element.setAttribute(name, value);
  for (const [event, handler] of Object.entries(props.on ?? {}))
    element.addEventListener(event, handler as EventListener);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** A labelled form field: the label names the control (for screen readers and tests). */
export function field(
  id: string,
  label: string,
  control: HTMLInputElement | HTMLSelectElement,
  hint?: string,
): HTMLElement {
  control.id = id;
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h(
    'div',
    { class: 'field' },
    h('label', { text: label, attrs: { for: id } }),
    control,
    hint ? h('small', { id: `${id}-hint`, text: hint }) : null,
  );
}

export function input(type: string, attrs: Record<string, string> = {}): HTMLInputElement {
  return h('input', { attrs: { type, ...attrs } });
}

/** A line saying how the last action went (polite live region). */
export function statusLine(id: string): {
  element: HTMLElement;
  ok(text: string): void;
  fail(text: string): void;
  clear(): void;
} {
  const element = h('p', { id, class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } });
  return {
    element,
    ok(text) {
      element.className = 'status ok';
      element.textContent = text;
    },
    fail(text) {
      element.className = 'status error';
      element.textContent = text;
    },
    clear() {
      element.className = 'status';
      element.textContent = '';
    },
  };
}
