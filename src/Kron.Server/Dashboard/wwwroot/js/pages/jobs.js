// Jobs: search (name, key, id), filter by tag and state, next fire, last outcome, pause/resume and run now.

import { api, query, rememberJobs } from '../api.js';
import { pauseResumeButton, triggerButton } from '../actions.js';
import { badge, errorBox, h, replace, table, time } from '../dom.js';
import { describeSchedule, describeTarget, isFailing, isLate, jobTitle, number } from '../format.js';
import { registerHelp } from './empty.js';

const PAGE = 100;
const STATES = [
  ['', 'All'],
  ['active', 'Active'],
  ['paused', 'Paused'],
  ['late', 'Late'],
  ['failing', 'Failing'],
];
const seenTags = new Set();

export function render(main, { query: params, ctx }) {
  ctx.title('Jobs');
  const filters = { q: params.get('q') || '', tag: params.get('tag') || '', state: params.get('state') || '' };
  let items = [];
  let cursor = null;
  let total = null;
  let loading = 0;

  const count = h('p.page-sub', '\u00a0');
  const search = h('input#job-search.input.search', {
    type: 'search',
    value: filters.q,
    placeholder: 'Search by name, key or id',
    'aria-keyshortcuts': '/',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const tagSelect = h('select#tag-filter.input.select');
  const stateGroup = h('div.segmented', { role: 'group', 'aria-label': 'State' });
  const results = h('div.results', { 'aria-busy': 'true' });
  const more = h('div.more');
  // Announced to screen readers after a search or filter change only, not on every refresh.
  const status = h('p.visually-hidden', { role: 'status' });
  let announce = false;

  main.append(
    h('div.page-head', h('div', h('h1', 'Jobs'), count)),
    h('div.toolbar', { role: 'search' },
      h('div.field.field-grow', h('label.label', { for: 'job-search' }, 'Search ', h('kbd', '/')), search),
      h('div.field', h('label.label', { for: 'tag-filter' }, 'Tag'), tagSelect),
      h('div.field', h('span.label', { id: 'state-label' }, 'State'), stateGroup)),
    status,
    results,
    more);

  function fillTags() {
    const tags = [...seenTags].sort();
    if (filters.tag && !seenTags.has(filters.tag)) {
      tags.unshift(filters.tag);
    }
    replace(tagSelect, h('option', { value: '' }, 'All tags'), tags.map((t) => h('option', { value: t, selected: t === filters.tag }, t)));
  }

  function fillStates() {
    replace(stateGroup, STATES.map(([value, label]) => h('button.segment', {
      type: 'button',
      'aria-pressed': String(filters.state === value),
      dataset: { key: `state:${value}`, state: value },
      onclick: () => {
        filters.state = value;
        fillStates();
        syncUrl();
        reload();
      },
    }, label)));
  }

  function syncUrl() {
    const text = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
    history.replaceState(null, '', `#/jobs${text ? `?${text}` : ''}`);
  }

  function apiParams(limit, after) {
    const state = filters.state === 'late' ? 'active' : ['active', 'paused'].includes(filters.state) ? filters.state : '';
    return query('v1/jobs', { q: filters.q.trim().slice(0, 200), tag: filters.tag, state, cursor: after, limit });
  }

  // Applied here as well as by the server: a server without ?q= support still narrows the list, and late/failing are
  // properties the API does not filter by.
  function visible(list) {
    const text = filters.q.trim().toLowerCase();
    const now = new Date();
    return list.filter((job) => (!text || [job.name, job.key, job.id].some((v) => v && v.toLowerCase().includes(text)))
      && (filters.state !== 'late' || isLate(job, now))
      && (filters.state !== 'failing' || isFailing(job)));
  }

  async function fetchPage(limit, after) {
    const page = await api(apiParams(limit, after), { signal: ctx.signal });
    rememberJobs(page.items);
    page.items.forEach((job) => job.tags.forEach((t) => seenTags.add(t)));
    return page;
  }

  async function reload({ keep = false } = {}) {
    const ticket = ++loading;
    announce = announce || !keep;
    results.setAttribute('aria-busy', 'true');
    try {
      const wanted = filters.state === 'late' || filters.state === 'failing' ? 500 : Math.min(500, Math.max(PAGE, keep ? items.length : 0));
      const page = await fetchPage(wanted);
      if (ticket !== loading) {
        return;
      }
      items = page.items;
      cursor = page.next_cursor || null;
      if (!filters.q && !filters.tag && !filters.state) {
        total = cursor ? null : items.length;
      }
      draw();
    } catch (error) {
      if (ticket === loading && error.name !== 'AbortError') {
        replace(results, errorBox(error, 'the jobs'));
      }
    } finally {
      if (ticket === loading) {
        results.setAttribute('aria-busy', 'false');
      }
    }
  }

  async function loadMore() {
    const page = await fetchPage(PAGE, cursor);
    items = items.concat(page.items);
    cursor = page.next_cursor || null;
    draw();
  }

  function draw() {
    fillTags();
    const shown = visible(items);
    const filtered = filters.q || filters.tag || filters.state;
    replace(count, filtered
      ? [`${number(shown.length)}${cursor ? '+' : ''} matching \u00b7 `,
        h('button.inline-link', { type: 'button', dataset: { key: 'clear-filters' }, onclick: clear }, 'clear filters')]
      : total !== null ? `${number(total)} registered` : `${number(items.length)}+ registered`);
    if (announce) {
      announce = false;
      status.textContent = `${shown.length === 0 ? 'No' : number(shown.length)} job${shown.length === 1 ? '' : 's'} shown`;
    }

    if (items.length === 0 && !filtered) {
      replace(results, registerHelp());
    } else if (shown.length === 0) {
      replace(results, h('div.empty-state.empty-small',
        h('p', 'No job matches these filters. '),
        h('button.button', { type: 'button', dataset: { key: 'clear' }, onclick: clear }, 'Clear filters')));
    } else {
      replace(results, jobsTable(shown, () => reload({ keep: true })));
    }
    replace(more, cursor ? h('button.button', { type: 'button', dataset: { key: 'more' }, onclick: loadMore }, 'Load more jobs') : null);
  }

  function clear() {
    filters.q = '';
    filters.tag = '';
    filters.state = '';
    search.value = '';
    fillStates();
    syncUrl();
    reload();
    search.focus();
  }

  let debounce;
  search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      filters.q = search.value;
      syncUrl();
      reload();
    }, 200);
  });
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      if (search.value) {
        search.value = '';
        search.dispatchEvent(new Event('input'));
      } else {
        search.blur();
      }
    }
  });
  tagSelect.addEventListener('change', () => {
    filters.tag = tagSelect.value;
    syncUrl();
    reload();
  });

  fillTags();
  fillStates();
  reload();
  ctx.every(5000, () => reload({ keep: true }));
  if (params.get('focus') === 'search') {
    setTimeout(() => search.focus(), 0);
  }
}

/** The jobs table, shared with the overview. */
export function jobsTable(jobs, onChange, { actions = true } = {}) {
  const now = new Date();
  const columns = [
    { label: 'Job' },
    { label: 'Schedule' },
    { label: 'Target' },
    { label: 'State' },
    { label: 'Next fire' },
    { label: 'Last run' },
  ];
  if (actions) {
    columns.push({ label: 'Actions', className: 'actions-col' });
  }
  return table({
    caption: 'Jobs',
    className: 'jobs-table',
    columns,
    rows: jobs.map((job) => jobRow(job, now, onChange, actions)),
  });
}

function jobRow(job, now, onChange, actions) {
  const schedule = describeSchedule(job);
  const late = isLate(job, now);
  const last = job.last_run;
  return h('tr', { dataset: { jobId: job.id } },
    h('td.cell-job',
      h('a.job-link', { href: `#/jobs/${encodeURIComponent(job.id)}` }, jobTitle(job)),
      h('div.cell-sub',
        job.name && job.key ? h('span.mono', job.key) : null,
        job.tags.map((t) => h('span.tag', t)))),
    h('td.cell-schedule',
      h('div', { title: schedule.expression ? `${schedule.expression}${schedule.zone ? ` (${schedule.zone})` : ''}` : null },
        schedule.words || [h('code', schedule.expression), h('span.muted', ` (${schedule.zone})`)]),
      schedule.kind === 'cron'
        ? h('div.cell-sub', schedule.words ? h('span.mono', schedule.expression) : schedule.hashed ? 'H: a value picked per job' : null)
        : null),
    h('td.cell-target',
      h('span.target-type', job.target.type),
      h('span.truncate', { title: describeTarget(job.target) }, describeTarget(job.target))),
    h('td.cell-state', job.paused ? badge('paused') : badge('active'), late ? badge('late') : null),
    h('td.cell-time', job.paused ? h('span.muted', 'paused') : job.next_fire_at ? time(job.next_fire_at) : h('span.muted', 'none')),
    h('td.cell-last', last
      ? h('a.last-run', { href: `#/runs/${encodeURIComponent(last.id)}`, 'aria-label': `Last run: ${last.state}` },
        badge(last.state), ' ', time(last.finished_at || last.scheduled_for))
      : badge('never')),
    actions ? h('td.cell-actions', h('div.actions', pauseResumeButton(job, onChange), triggerButton(job, onChange))) : null);
}
