// The shell: hash routes (#/jobs/ID: no server fallback needed), the navigation, keyboard shortcuts, the sign-in form
// when the API asks for a token, and the per-page refresh timers.

import { api, auth } from './api.js';
import { h, tickTimes } from './dom.js';
import * as overview from './pages/overview.js';
import * as jobs from './pages/jobs.js';
import * as job from './pages/job.js';
import * as runs from './pages/runs.js';
import * as run from './pages/run.js';
import * as cluster from './pages/cluster.js';
import * as signin from './pages/signin.js';

const routes = [
  [/^\/?$/, overview, 'overview'],
  [/^\/jobs\/?$/, jobs, 'jobs'],
  [/^\/jobs\/([^/]+)$/, job, 'jobs'],
  [/^\/runs\/?$/, runs, 'runs'],
  [/^\/dead\/?$/, runs, 'dead'],
  [/^\/runs\/([^/]+)$/, run, 'runs'],
  [/^\/cluster\/?$/, cluster, 'cluster'],
];

const main = document.getElementById('main');
let current = null;
let nodeName = '';
let signingIn = false;

/** What a page gets: its parameters, timers cleared on leaving, an abort signal, and helpers. */
function context(section) {
  const timers = [];
  const controller = new AbortController();
  return {
    section,
    signal: controller.signal,
    every(ms, fn) {
      // Refresh only while the tab is visible; a hidden tab costs the node nothing.
      const id = setInterval(() => {
        if (!document.hidden) {
          fn();
        }
      }, ms);
      timers.push(id);
    },
    title(text) {
      document.title = [text, nodeName, 'Kron'].filter(Boolean).join(' · ');
    },
    dispose() {
      timers.forEach(clearInterval);
      controller.abort();
    },
  };
}

function parseHash() {
  // Split before decoding: a search text may hold an encoded "?" or "&". Path segments are decoded by route().
  const raw = location.hash.replace(/^#/, '') || '/';
  const at = raw.indexOf('?');
  const path = at < 0 ? raw : raw.slice(0, at);
  return { path, query: new URLSearchParams(at < 0 ? '' : raw.slice(at + 1)) };
}

function route() {
  if (signingIn) {
    return;
  }
  const { path, query } = parseHash();
  current?.dispose();
  const match = routes.find(([pattern]) => pattern.test(path));
  for (const link of document.querySelectorAll('[data-nav]')) {
    const on = match && link.dataset.nav === match[2];
    link.classList.toggle('active', Boolean(on));
    if (on) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
  if (!match) {
    main.replaceChildren(h('div.page-head', h('h1', { tabindex: '-1' }, 'Not found')),
      h('p', 'There is no page at ', h('code', `#${path}`), '. ', h('a', { href: '#/' }, 'Go to the overview.')));
    return;
  }
  const [pattern, page, section] = match;
  const params = pattern.exec(path).slice(1).map(decodeURIComponent);
  current = context(section);
  main.replaceChildren();
  page.render(main, { params, query, ctx: current });
}

function focusHeading() {
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

function showSignIn(hadToken) {
  if (signingIn) {
    return;
  }
  signingIn = true;
  current?.dispose();
  current = null;
  main.replaceChildren();
  signin.render(main, {
    rejected: hadToken,
    async submit(token) {
      auth.token = token;
      try {
        await api('v1/cluster');
      } catch (error) {
        if (error.status === 401) {
          auth.token = null;
          return 'That token was not accepted. Check it and try again.';
        }
        return `The node answered: ${error.message}`;
      }
      signingIn = false;
      route();
      focusHeading();
      return null;
    },
  });
}

document.addEventListener('kron:auth-required', (event) => {
  if (event.detail.hadToken) {
    auth.token = null;
  }
  showSignIn(event.detail.hadToken);
});

function syncSignOut() {
  document.getElementById('sign-out').hidden = !auth.token;
}

document.addEventListener('kron:token-changed', syncSignOut);
document.getElementById('sign-out').addEventListener('click', () => {
  auth.token = null;
  signingIn = false;
  showSignIn(false);
});

// Keyboard: "/" searches, "g" then a letter goes to a page, "?" lists the shortcuts.
let pendingG = 0;
const goTo = { o: '#/', j: '#/jobs', r: '#/runs', d: '#/dead', c: '#/cluster' };
document.addEventListener('keydown', (event) => {
  const target = event.target;
  const typing = target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
  if (typing || event.ctrlKey || event.metaKey || event.altKey || signingIn) {
    return;
  }
  if (event.key === '/') {
    event.preventDefault();
    const search = document.getElementById('job-search');
    if (search) {
      search.focus();
      search.select();
    } else {
      location.hash = '#/jobs?focus=search';
    }
  } else if (event.key === '?') {
    document.getElementById('shortcuts').showModal();
  } else if (event.key === 'g') {
    pendingG = Date.now();
  } else if (pendingG && Date.now() - pendingG < 1500 && goTo[event.key]) {
    pendingG = 0;
    location.hash = goTo[event.key];
  } else {
    pendingG = 0;
  }
});

// The skip link must not change the hash (the hash is the route): it moves the focus itself.
document.getElementById('skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

document.getElementById('shortcuts-button').addEventListener('click', () => document.getElementById('shortcuts').showModal());

window.addEventListener('hashchange', () => {
  route();
  focusHeading();
});

// The node's name (the health endpoint stays open even when the API needs a token).
fetch('healthz', { cache: 'no-store' })
  .then((r) => r.json())
  .then((health) => {
    nodeName = health.node || '';
    document.getElementById('node-chip').textContent = nodeName ? `node ${nodeName}` : 'node';
  })
  .catch(() => {
    document.getElementById('node-chip').textContent = 'node unreachable';
  });

// The dead-letter count in the navigation, so that a parked run is noticed from any page.
async function refreshDeadCount() {
  if (signingIn || document.hidden) {
    return;
  }
  const badge = document.getElementById('dead-count');
  try {
    const count = (await api('v1/runs/counts')).dead;
    badge.hidden = count === 0;
    badge.textContent = String(count);
    badge.setAttribute('aria-label', `${badge.textContent} dead runs`);
  } catch {
    badge.hidden = true;
  }
}

setInterval(refreshDeadCount, 10000);
document.addEventListener('kron:changed', refreshDeadCount);
setInterval(() => tickTimes(main), 5000);
syncSignOut();
route();
refreshDeadCount();
