// The overview: counts that say whether anything needs attention (late jobs, failing jobs, dead letters), the live
// fire-lag and throughput chart of this node, and what needs a look first.

import { api, jobById, listAll, rememberJobs } from '../api.js';
import { latest, legend, timeChart } from '../chart.js';
import { badge, errorBox, h, replace, time } from '../dom.js';
import { describeOutcome, isFailing, isLate, jobTitle, number } from '../format.js';
import { registerHelp } from './empty.js';

const MAX_JOBS = 2000;
const LAG_SERIES = [
  { key: 'lag_p50_seconds', label: 'p50', className: 'series-1' },
  { key: 'lag_p99_seconds', label: 'p99', className: 'series-2' },
  { key: 'lag_max_seconds', label: 'max', className: 'series-3' },
];
const RATE_SERIES = [
  { key: 'succeeded', label: 'finished ok', className: 'series-4', kind: 'bar' },
  { key: 'failed', label: 'failed', className: 'series-bad', kind: 'bar' },
  { key: 'started', label: 'started', className: 'series-started', kind: 'legend' },
];

function seconds(v) {
  if (v === 0) {
    return '0';
  }
  if (v < 0.001) {
    return `${Math.round(v * 1e6)} \u00b5s`;
  }
  return v < 1 ? `${+(v * 1000).toPrecision(3)} ms` : `${+v.toPrecision(3)} s`;
}

function perSecond(v) {
  return v >= 1000 ? `${+(v / 1000).toPrecision(3)}k` : `${+v.toPrecision(3)}`;
}

export function render(main, { ctx }) {
  ctx.title('Overview');
  const sub = h('p.page-sub', 'Every job and run in the store, at a glance.');
  const cards = h('div.stat-cards');
  const chartBody = h('div.chart-body');
  const chartSummary = h('span.muted');
  const chartScope = h('span.muted', '(last 5 minutes)');
  const chartMissing = h('div');
  const attention = h('div');
  const recent = h('div');
  const lower = h('div.grid-2',
    h('section.card', { 'aria-labelledby': 'attention-title' }, h('h2#attention-title', 'Needs attention'), attention),
    h('section.card', { 'aria-labelledby': 'recent-title' },
      h('div.card-head', h('h2#recent-title', 'Recent runs'), h('a', { href: '#/runs' }, 'All runs')), recent));
  const help = h('div');

  main.append(
    h('div.page-head', h('div', h('h1', 'Overview'), sub)),
    cards,
    help,
    h('section.card.card-chart', { 'aria-labelledby': 'chart-title' },
      h('div.card-head', h('h2#chart-title', 'Fire lag and throughput ', chartScope), chartSummary),
      chartMissing,
      chartBody),
    lower);

  let statsPoints = null;
  let statsMissing = false;

  function card(label, value, detail, { href, tone = '', key } = {}) {
    const content = [h('span.stat-label', label), h('span.stat-value', value), h('span.stat-detail', detail)];
    return href
      ? h(`a.stat-card${tone ? `.stat-${tone}` : ''}`, { href, dataset: { key, stat: key } }, content)
      : h(`div.stat-card${tone ? `.stat-${tone}` : ''}`, { dataset: { stat: key } }, content);
  }

  async function loadCounts() {
    let jobs;
    let runs;
    let latest;
    try {
      [jobs, runs, latest] = await Promise.all([
        listAll('v1/jobs', {}, MAX_JOBS, ctx.signal),
        api('v1/runs/counts', { signal: ctx.signal }),
        api('v1/runs?limit=8', { signal: ctx.signal }),
      ]);
    } catch (error) {
      if (error.name !== 'AbortError') {
        replace(cards, errorBox(error, 'the counts'));
      }
      return;
    }
    rememberJobs(jobs.items);
    const now = new Date();
    const all = jobs.items;
    const plus = jobs.truncated ? '+' : '';
    const paused = all.filter((j) => j.paused).length;
    const late = all.filter((j) => isLate(j, now));
    const failing = all.filter((j) => isFailing(j));

    replace(cards,
      card('Jobs', `${number(all.length)}${plus}`, `${number(all.length - paused)} active · ${number(paused)} paused`, { href: '#/jobs', key: 'jobs' }),
      card('Late', number(late.length), late.length ? 'active jobs past their next fire time' : 'every active job is on time',
        { href: '#/jobs?state=late', tone: late.length ? 'warn' : 'ok', key: 'late' }),
      card('Failing', number(failing.length), failing.length ? 'jobs whose last run failed' : 'no job\u2019s last run failed',
        { href: '#/jobs?state=failing', tone: failing.length ? 'bad' : 'ok', key: 'failing' }),
      card('Running now', number(runs.running), `${number(runs.queued)} queued`, { href: '#/runs?state=running', key: 'running' }),
      card('Dead letters', number(runs.dead), runs.dead ? 'runs out of attempts: retry them' : 'nothing parked',
        { href: '#/dead', tone: runs.dead ? 'bad' : 'ok', key: 'dead' }));
    if (jobs.truncated) {
      sub.textContent = `Counts over the newest ${number(MAX_JOBS)} jobs.`;
    }

    replace(help, all.length === 0 ? h('section.card', registerHelp()) : null);
    drawAttention(late, failing, runs.dead);
    drawRecent(latest.items);
  }

  function drawAttention(late, failing, dead) {
    const items = [
      dead
        ? h('li',
          h('a', { href: '#/dead' }, `${number(dead)} dead letter${dead === 1 ? '' : 's'}`),
          badge('dead'),
          h('span.muted', 'runs out of attempts; retry them once fixed'))
        : null,
      ...failing.slice(0, 6).map((job) => h('li',
        h('a', { href: `#/jobs/${encodeURIComponent(job.id)}` }, jobTitle(job)),
        badge(job.last_run.state),
        h('span.muted', 'last run ', time(job.last_run.finished_at || job.last_run.scheduled_for)))),
      ...late.slice(0, 6).map((job) => h('li',
        h('a', { href: `#/jobs/${encodeURIComponent(job.id)}` }, jobTitle(job)),
        badge('late'),
        h('span.muted', 'was due ', time(job.next_fire_at)))),
    ].filter(Boolean);
    replace(attention, items.length
      ? h('ul.attention-list', items)
      : h('p.all-good', h('span.badge.badge-succeeded', h('span.badge-icon', { 'aria-hidden': 'true' }, '\u2713'), 'All good'),
        ' No late jobs, no failing jobs, no dead letters.'));
  }

  function drawRecent(runs) {
    if (runs.length === 0) {
      replace(recent, h('p.muted', 'No runs yet.'));
      return;
    }
    const list = h('ul.recent-list', runs.map((run) => {
      const name = h('a', { href: `#/runs/${encodeURIComponent(run.id)}` }, run.job_id.slice(0, 8));
      jobById(run.job_id).then((job) => { if (job) { name.textContent = jobTitle(job); } }).catch(() => {});
      const outcome = run.state === 'succeeded' ? '' : describeOutcome(run);
      return h('li', badge(run.state), name, outcome ? h('span.muted.truncate', outcome) : null, h('span.recent-time', time(run.finished_at || run.started_at || run.scheduled_for)));
    }));
    replace(recent, list);
  }

  async function loadStats() {
    if (statsMissing) {
      return;
    }
    try {
      const stats = await api('v1/stats', { signal: ctx.signal });
      statsPoints = stats.points || [];
      // In a cluster the serving node merges every live node's series; a node that did not answer is missing from it.
      const nodes = stats.nodes || [stats.node];
      replace(chartScope, nodes.length > 1 ? `(${nodes.length} nodes, last 5 minutes)` : `(node ${nodes[0]}, last 5 minutes)`);
      replace(chartMissing, stats.unreachable?.length
        ? h('p.callout.callout-warn', `Not counted: ${stats.unreachable.join(', ')} did not answer in time.`)
        : null);
    } catch (error) {
      if (error.name === 'AbortError') {
        return;
      }
      if (error.status === 404) {
        statsMissing = true;
        replace(chartBody, h('p.muted.chart-missing', 'Live statistics are not available on this node (it has no ', h('code', 'GET /v1/stats'), '). Upgrade the node to see fire lag and throughput here.'));
        return;
      }
      replace(chartBody, errorBox(error, 'the live statistics'));
      return;
    }
    drawCharts();
  }

  function drawCharts() {
    if (!statsPoints) {
      return;
    }
    // Failed attempts are part of the finished ones: the bars stack the successes and the failures.
    const points = statsPoints.map((p) => ({ ...p, succeeded: Math.max(0, p.finished - p.failed) }));
    const lastMinute = points.slice(-60);
    const sum = (key) => lastMinute.reduce((a, p) => a + (p[key] || 0), 0);
    const worstP99 = Math.max(0, ...lastMinute.map((p) => p.lag_p99_seconds ?? 0));
    replace(chartSummary, `last minute: ${number(sum('finished'))} runs finished, ${number(sum('failed'))} failed, p99 lag up to ${seconds(worstP99)}`);
    const lag = h('div.chart-panel', h('div.chart-title', h('h3', 'Fire lag ', h('span.muted', '(start \u2212 due)')),
      legend(LAG_SERIES, (s) => { const v = latest(points, s.key); return v === null ? '\u2014' : seconds(v); })));
    const rate = h('div.chart-panel', h('div.chart-title', h('h3', 'Runs per second'),
      legend(RATE_SERIES, (s) => `${number(sum(s.key))}/min`)));
    replace(chartBody, lag, rate);
    // Drawn after layout, at the width the panel really has (no scaling of the text).
    lag.append(timeChart({
      points, series: LAG_SERIES, width: lag.clientWidth || 500, format: seconds,
      label: `Fire lag over the last 5 minutes; latest p99 ${seconds(latest(points, 'lag_p99_seconds') ?? 0)}`,
    }));
    rate.append(timeChart({
      points, series: RATE_SERIES, width: rate.clientWidth || 500, format: perSecond, integer: true,
      label: `Runs per second over the last 5 minutes; ${number(sum('finished'))} finished in the last minute`,
    }));
  }

  let resizeTimer;
  const onResize = () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(drawCharts, 150);
  };
  window.addEventListener('resize', onResize);
  ctx.signal.addEventListener('abort', () => window.removeEventListener('resize', onResize));

  loadCounts();
  loadStats();
  ctx.every(5000, loadCounts);
  ctx.every(2000, loadStats);
}
