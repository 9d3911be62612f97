// A job: its schedule in words with the next 10 occurrences in its own zone (with UTC offsets, so daylight saving
// changes show), its definition, its latest failure with the output, and its run history.

import { api, query } from '../api.js';
import { pauseResumeButton, retryDeadButton, triggerButton } from '../actions.js';
import { badge, errorBox, h, replace, time } from '../dom.js';
import {
  compact, describeOutcome, describeSchedule, describeTarget, durationSeconds, inZone, instant, isLate, jobTitle, relative,
} from '../format.js';
import { outputBlock, runsTable } from './runlist.js';

const RUN_STATES = ['', 'queued', 'running', 'succeeded', 'failed', 'dead', 'skipped', 'lost', 'cancelled'];

export function render(main, { params: [id], ctx }) {
  const expanded = new Set();
  let runState = '';
  let occurrencesFor = null;

  const head = h('div.page-head');
  const body = h('div.job-body');
  const occurrences = h('div.occurrences');
  const failure = h('div');
  const runsBox = h('div.results');
  const bulk = h('span');
  const stateSelect = h('select#run-state.input.select', RUN_STATES.map((s) => h('option', { value: s }, s ? s[0].toUpperCase() + s.slice(1) : 'All states')));
  stateSelect.addEventListener('change', () => {
    runState = stateSelect.value;
    loadRuns();
  });

  main.append(
    h('nav.breadcrumb', { 'aria-label': 'Breadcrumb' }, h('a', { href: '#/jobs' }, '\u2190 All jobs')),
    head,
    body,
    failure,
    h('section.card', { 'aria-labelledby': 'runs-title' },
      h('div.card-head', h('h2#runs-title', 'Run history'),
        h('div.card-tools', bulk, h('div.field.field-inline', h('label.label', { for: 'run-state' }, 'State'), stateSelect))),
      runsBox));

  async function loadJob() {
    let job;
    try {
      job = await api(`v1/jobs/${encodeURIComponent(id)}`, { signal: ctx.signal });
    } catch (error) {
      if (error.name === 'AbortError') {
        return;
      }
      replace(head, h('div', h('h1', error.status === 404 ? 'Job not found' : 'Job')));
      replace(body, error.status === 404
        ? h('p', 'There is no job ', h('code', id), '. It may have been deleted. ', h('a', { href: '#/jobs' }, 'Back to the jobs.'))
        : errorBox(error, 'the job'));
      return;
    }
    ctx.title(jobTitle(job));
    drawHead(job);
    drawBody(job);
    const key = `${job.cron}|${job.time_zone}|${job.every}|${job.next_fire_at}|${job.schedule_time}`;
    if (key !== occurrencesFor) {
      occurrencesFor = key;
      loadOccurrences(job);
    }
  }

  function drawHead(job) {
    const late = isLate(job);
    replace(head,
      h('div.head-main',
        h('h1', jobTitle(job)),
        h('div.head-badges', job.paused ? badge('paused') : badge('active'), late ? badge('late', 'Late: due ' + relative(instant(job.next_fire_at))) : null),
        h('p.page-sub',
          h('span.mono', { title: 'Job id' }, job.id),
          job.key ? [' · key ', h('span.mono', job.key)] : null,
          job.tags.length ? [' · ', job.tags.map((t) => h('a.tag', { href: `#/jobs?tag=${encodeURIComponent(t)}` }, t))] : null)),
      h('div.head-actions', pauseResumeButton(job, refresh), triggerButton(job, refresh)));
  }

  function drawBody(job) {
    const schedule = describeSchedule(job);
    const target = job.target;
    const retry = job.retry || {};
    const rows = [
      ['Target', h('span', h('span.target-type', target.type), ' ', h('span.mono.break', describeTarget(target)))],
      target.user ? ['Runs as', h('span.mono', target.user)] : null,
      target.working_directory ? ['Directory', h('span.mono', target.working_directory)] : null,
      ['Retries', job.retries === 0 ? 'none: a failure goes straight to the dead letters'
        : `${job.retries}, backoff ${compact(durationSeconds(retry.initial_interval))} ×${retry.multiplier ?? 2} up to ${compact(durationSeconds(retry.max_interval))} (${retry.jitter || 'full'} jitter)`],
      ['Timeout', compact(durationSeconds(job.timeout))],
      ['Concurrency', job.concurrency + (job.max_concurrent ? `, at most ${job.max_concurrent}` : '')],
      ['Misfire', job.misfire.replace('_', ' ') + (job.starting_deadline ? `, starting deadline ${compact(durationSeconds(job.starting_deadline))}` : '')],
      ['Delivery', job.delivery.replace(/_/g, ' ')],
      job.priority ? ['Priority', String(job.priority)] : null,
      ['Registered', time(job.created_at, { absolute: true })],
      ['Changed', h('span', time(job.updated_at, { absolute: true }), h('span.muted', ` version ${job.version}`))],
    ].filter(Boolean);

    replace(body,
      h('section.card.card-schedule', { 'aria-labelledby': 'schedule-title' },
        h('h2#schedule-title', 'Schedule'),
        h('p.schedule-words', schedule.words || h('span', 'Cron ', h('code', schedule.expression), ` (${schedule.zone})`)),
        schedule.kind === 'cron'
          ? h('p.muted', schedule.words
            ? [h('code', schedule.expression), ` in ${schedule.zone}`]
            : schedule.hashed
              ? 'H fields take a value hashed from the job\u2019s id, the same every time; the occurrences below show what it picked.'
              : 'No description in words for this expression; the occurrences below show when it fires.')
          : null,
        h('dl.facts.facts-inline',
          h('dt', 'Next fire'),
          h('dd', job.paused ? h('span', 'paused; due ', time(job.next_fire_at), ' when resumed') : time(job.next_fire_at, { absolute: true }))),
        occurrences),
      h('section.card', { 'aria-labelledby': 'definition-title' },
        h('h2#definition-title', 'Definition'),
        h('dl.facts', rows.map(([term, value]) => [h('dt', term), h('dd', value)])),
        job.payload !== undefined ? h('details.payload', h('summary', 'Payload'), h('pre.output', JSON.stringify(job.payload, null, 2))) : null));
  }

  async function loadOccurrences(job) {
    const zone = job.time_zone || 'UTC';
    let list = [];
    try {
      if (job.cron) {
        const answer = await api(query('v1/cron/next', { expr: job.cron, time_zone: zone, count: 10, seed: job.id }), { signal: ctx.signal });
        list = answer.occurrences;
      } else if (job.every && job.next_fire_at) {
        const step = durationSeconds(job.every) * 1000;
        const first = instant(job.next_fire_at).getTime();
        list = Array.from({ length: 10 }, (_, i) => new Date(first + i * step).toISOString().replace('Z', '+00:00'));
      } else if (job.schedule_time) {
        list = [job.schedule_time];
      }
    } catch (error) {
      if (error.name !== 'AbortError') {
        replace(occurrences, errorBox(error, 'the next occurrences'));
      }
      return;
    }
    const title = list.length === 1 ? 'Occurrence' : `Next ${list.length} occurrences`;
    if (list.length === 0) {
      replace(occurrences, h('p.muted', 'This schedule has no occurrence left.'));
      return;
    }
    let previous = null;
    const now = new Date();
    replace(occurrences,
      h('h3', `${title} `, h('span.muted', `(${zone})`)),
      h('ol.occurrence-list', list.map((text) => {
        const at = inZone(text, zone);
        const changed = previous !== null && previous !== at.offset;
        const item = h(`li${changed ? '.offset-change' : ''}`,
          h('span.occ-day', at.weekday),
          h('span.occ-date.mono', at.date),
          h('span.occ-time.mono', at.time),
          h('span.occ-offset.mono', at.offset),
          h('span.occ-rel.muted', relative(instant(text), now, { dates: false })),
          changed ? h('span.chip.chip-warn', { title: 'The zone\u2019s UTC offset changes before this occurrence (daylight saving)' }, `offset was ${previous}`) : null);
        previous = at.offset;
        return item;
      })));
  }

  async function loadRuns() {
    let page;
    try {
      page = await api(query(`v1/jobs/${encodeURIComponent(id)}/runs`, { state: runState, limit: 50 }), { signal: ctx.signal });
    } catch (error) {
      if (error.name !== 'AbortError' && error.status !== 404) {
        replace(runsBox, errorBox(error, 'the runs'));
      }
      return;
    }
    const runs = page.items;
    const lastFailure = runState === '' ? runs.find((r) => ['failed', 'dead', 'lost'].includes(r.state)) : undefined;
    const lastSuccess = runs.find((r) => r.state === 'succeeded');
    if (lastFailure && !(lastSuccess && instant(lastSuccess.scheduled_for) > instant(lastFailure.scheduled_for))) {
      const outcome = describeOutcome(lastFailure);
      replace(failure, h('section.card.card-failure', { 'aria-labelledby': 'failure-title' },
        h('div.card-head',
          h('h2#failure-title', 'Latest failure'),
          h('a', { href: `#/runs/${encodeURIComponent(lastFailure.id)}` }, 'Open the run')),
        h('p.failure-line', badge(lastFailure.state), outcome ? h('strong.failure-outcome', outcome) : null,
          ' finished ', time(lastFailure.finished_at), ` · attempt ${lastFailure.attempt} of ${lastFailure.max_attempts}`),
        outputBlock(lastFailure)));
    } else if (runState === '') {
      replace(failure);
    }
    replace(bulk, runs.some((r) => r.state === 'dead') ? retryDeadButton(id, refresh) : null);
    replace(runsBox, runs.length === 0
      ? h('p.empty-small.muted', runState ? `No ${runState} runs.` : 'This job has not run yet. Use \u201cRun now\u201d to start one outside the schedule.')
      : runsTable(runs, { onChange: refresh, expanded, caption: 'Run history' }));
  }

  function refresh() {
    return Promise.all([loadJob(), loadRuns()]);
  }

  refresh();
  ctx.every(4000, refresh);
}
