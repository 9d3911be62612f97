// DOM building without innerHTML: every text from the API goes in as a text node, so nothing it says can run.

import { absolute, hoverText, instant, relative } from './format.js';

/**
 * h('a#id.link', { href: '#/jobs' }, 'Jobs'): an element with an id, classes, attributes (on* are listeners, `dataset`
 * an object, false/null left out) and children (strings, nodes, arrays, null).
 */
export function h(tag, attributes, ...children) {
  const [head, ...classes] = tag.split('.');
  const [name, id] = head.split('#');
  const element = name === 'svg' || SVG_TAGS.has(name)
    ? document.createElementNS('http://www.w3.org/2000/svg', name)
    : document.createElement(name || 'div');
  if (id) {
    element.id = id;
  }
  if (classes.length) {
    element.setAttribute('class', classes.join(' '));
  }
  if (attributes && (typeof attributes !== 'object' || attributes instanceof Node || Array.isArray(attributes))) {
    children.unshift(attributes);
  } else if (attributes) {
    for (const [key, value] of Object.entries(attributes)) {
      if (value === false || value === null || value === undefined) {
        continue;
      }
      if (key.startsWith('on') && typeof value === 'function') {
        element.addEventListener(key.slice(2).toLowerCase(), value);
      } else if (key === 'dataset') {
        Object.assign(element.dataset, value);
      } else if (key === 'class') {
        element.setAttribute('class', [...classes, value].filter(Boolean).join(' '));
      } else {
        element.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }
  append(element, children);
  return element;
}

const SVG_TAGS = new Set(['g', 'path', 'line', 'rect', 'text', 'polyline', 'circle', 'title', 'defs', 'clipPath']);

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    if (Array.isArray(child)) {
      append(element, child);
    } else {
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
}

const STATE_LABELS = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  dead: 'Dead',
  skipped: 'Skipped',
  lost: 'Lost',
  cancelled: 'Cancelled',
  active: 'Active',
  paused: 'Paused',
  late: 'Late',
  alive: 'Alive',
  down: 'Down',
  never: 'Not run yet',
};

const STATE_ICONS = {
  succeeded: '✓',
  failed: '✕',
  dead: '☠',
  running: '▶',
  queued: '…',
  skipped: '↷',
  lost: '?',
  cancelled: '⊘',
  paused: '❚❚',
  active: '●',
  late: '!',
  alive: '●',
  down: '✕',
  never: '–',
};

/** A state badge: colour and text (and an icon), never colour alone. */
export function badge(state, text) {
  return h(`span.badge.badge-${state}`, { dataset: { state } },
    h('span.badge-icon', { 'aria-hidden': 'true' }, STATE_ICONS[state] || '•'),
    text || STATE_LABELS[state] || state);
}

/** A relative time with the absolute time (local and UTC) on hover; `absolute` also writes the local time out. */
export function time(text, { prefix = '', absolute: showAbsolute = false } = {}) {
  const date = instant(text);
  if (!date) {
    return h('span.muted', '\u2014');
  }
  const element = h('time', { datetime: date.toISOString(), title: hoverText(date), dataset: { relative: text } }, prefix + relative(date));
  return showAbsolute ? h('span.time-both', element, h('span.time-abs', absolute(date))) : element;
}

/** Refreshes every relative time on the page (called every few seconds, no refetch). */
export function tickTimes(root = document) {
  const now = new Date();
  for (const element of root.querySelectorAll('time[data-relative]')) {
    element.textContent = relative(instant(element.dataset.relative), now);
  }
}

/**
 * Replaces `target`'s content with `content`, keeping keyboard focus on the element with the same data-key (a
 * refresh must not throw the user out of the table they are tabbing through).
 */
export function replace(target, ...content) {
  const active = document.activeElement;
  const key = active && target.contains(active) ? active.dataset.key : undefined;
  target.replaceChildren(...content.flat().filter((c) => c !== null && c !== undefined));
  if (key) {
    const again = target.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (again) {
      again.focus({ preventScroll: true });
    }
  }
}

/** A table with a caption (visually hidden when `hideCaption`), column heads and rows. */
export function table({ caption, hideCaption = true, columns, rows, className = '' }) {
  return h(`table.data${className ? `.${className}` : ''}`,
    caption ? h(`caption${hideCaption ? '.visually-hidden' : ''}`, caption) : null,
    h('thead', h('tr', columns.map((c) => h(`th${c.className ? `.${c.className}` : ''}`, { scope: 'col' }, c.label)))),
    h('tbody', rows));
}

/** A short-lived message at the bottom of the page, read out by screen readers. */
export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  const item = h(`div.toast.toast-${kind}`, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 8000 : 4000);
}

/** A block of copyable code with a Copy button. */
export function codeBlock(text, label) {
  const button = h('button.button.button-small.copy', { type: 'button', 'aria-label': `Copy ${label || 'command'}` }, 'Copy');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Select and copy';
    }
  });
  return h('div.code-block', h('pre', h('code', text)), button);
}

/** The message shown where data could not be read. */
export function errorBox(error, what) {
  const detail = error.status === 0
    ? 'The node did not answer. Is it running? The page retries on its own.'
    : error.message;
  return h('div.callout.callout-error', { role: 'alert' }, h('strong', `Could not load ${what}. `), detail);
}
