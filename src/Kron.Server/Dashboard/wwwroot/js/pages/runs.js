// Runs across all jobs, filtered by state; #/dead is the dead-letter view: runs that failed on every attempt, each
// with a Retry button that puts it back in the queue with a fresh set of attempts.

import { api, query } from '../api.js';
import { errorBox, h, replace } from '../dom.js';
import { number } from '../format.js';
import { runsTable } from './runlist.js';

const STATES = [
  ['', 'All'],
  ['queued', 'Queued'],
  ['running', 'Running'],
  ['succeeded', 'Succeeded'],
  ['failed', 'Failed'],
  ['dead', 'Dead'],
  ['skipped', 'Skipped'],
  ['lost', 'Lost'],
  ['cancelled', 'Cancelled'],
];
const PAGE = 50;

export function render(main, { query: params, ctx }) {
  const dead = ctx.section === 'dead';
  let state = dead ? 'dead' : params.get('state') || '';
  const queue = params.get('queue') || '';
  const expanded = new Set();
  let items = [];
  let cursor = null;
  let ticket = 0;

  ctx.title(dead ? 'Dead letters' : 'Runs');
  const sub = h('p.page-sub', '\u00a0');
  const results = h('div.results');
  const more = h('div.more');
  const stateGroup = h('div.segmented', { role: 'group', 'aria-label': 'Run state' });

  main.append(h('div.page-head', h('div', h('h1', dead ? 'Dead letters' : 'Runs'), sub)));
  if (dead) {
    main.append(h('p.intro', 'Runs that failed on every attempt they had. Fix the cause, then ', h('strong', 'Retry'),
      ': the run goes back to the queue with a fresh set of attempts and keeps its id, so targets see the same idempotency key.'));
  } else {
    main.append(h('div.toolbar', h('div.field', h('span.label', 'State'), stateGroup),
      queue ? h('div.field', h('span.label', 'Queue'), h('span.chip', queue), h('a', { href: '#/runs' }, 'all queues')) : null));
  }
  main.append(results, more);

  function fillStates() {
    replace(stateGroup, STATES.map(([value, label]) => h('button.segment', {
      type: 'button',
      'aria-pressed': String(state === value),
      dataset: { key: `state:${value}`, state: value },
      onclick: () => {
        state = value;
        history.replaceState(null, '', `#/runs${value ? `?state=${value}` : ''}`);
        fillStates();
        items = [];
        load();
      },
    }, label)));
  }

  async function load({ keep = false } = {}) {
    const mine = ++ticket;
    try {
      const limit = Math.min(500, Math.max(PAGE, keep ? items.length : 0));
      const page = await api(query('v1/runs', { state, queue, limit }), { signal: ctx.signal });
      if (mine !== ticket) {
        return;
      }
      items = page.items;
      cursor = page.next_cursor || null;
      draw();
    } catch (error) {
      if (mine === ticket && error.name !== 'AbortError') {
        replace(results, errorBox(error, 'the runs'));
      }
    }
  }

  async function loadMore() {
    const page = await api(query('v1/runs', { state, queue, limit: PAGE, cursor }), { signal: ctx.signal });
    items = items.concat(page.items);
    cursor = page.next_cursor || null;
    draw();
  }

  function draw() {
    sub.textContent = dead
      ? items.length ? `${number(items.length)}${cursor ? '+' : ''} parked` : 'Nothing parked'
      : `${number(items.length)}${cursor ? '+' : ''} ${state ? `${state} ` : ''}runs, newest first`;
    if (items.length === 0) {
      replace(results, h('div.empty-state.empty-small',
        dead
          ? [h('h2', 'No dead letters'), h('p', 'Every run either succeeded or still has attempts left. Runs land here after their last retry fails.')]
          : [h('h2', state ? `No ${state} runs` : 'No runs yet'), h('p', state ? 'Pick another state above.' : 'Runs appear here as jobs fire. Register a job, or use \u201cRun now\u201d on one.')]));
    } else {
      replace(results, runsTable(items, {
        onChange: () => load({ keep: true }),
        expanded,
        showJob: true,
        caption: dead ? 'Dead letters' : 'Runs',
      }));
    }
    replace(more, cursor ? h('button.button', { type: 'button', dataset: { key: 'more' }, onclick: loadMore }, 'Load more runs') : null);
  }

  if (!dead) {
    fillStates();
  }
  load();
  ctx.every(4000, () => load({ keep: true }));
}
