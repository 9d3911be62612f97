// One run: its state, attempt, timings, node, outcome and output tail, with Retry or Cancel.

import { api, jobById } from '../api.js';
import { runButtons } from '../actions.js';
import { badge, errorBox, h, replace, time } from '../dom.js';
import { compact, describeOutcome, jobTitle, runDuration } from '../format.js';
import { outputBlock } from './runlist.js';

const FINAL = new Set(['succeeded', 'failed', 'dead', 'skipped', 'lost', 'cancelled']);

export function render(main, { params: [id], ctx }) {
  ctx.title(`Run ${id}`);
  const view = h('div');
  main.append(view);
  let jobName = null;
  let settled = false;

  async function load() {
    let run;
    try {
      run = await api(`v1/runs/${encodeURIComponent(id)}`, { signal: ctx.signal });
    } catch (error) {
      if (error.name === 'AbortError') {
        return;
      }
      replace(view, h('div.page-head', h('h1', error.status === 404 ? 'Run not found' : 'Run')),
        error.status === 404 ? h('p', 'There is no run ', h('code', id), '. Finished runs are deleted after 7 days.') : errorBox(error, 'the run'));
      return;
    }
    if (jobName === null) {
      const job = await jobById(run.job_id).catch(() => null);
      jobName = job ? jobTitle(job) : run.job_id;
    }
    settled = FINAL.has(run.state);
    const outcome = describeOutcome(run);
    const facts = [
      ['Job', h('a', { href: `#/jobs/${encodeURIComponent(run.job_id)}` }, jobName)],
      ['State', h('span', badge(run.state), run.cancel_requested ? h('span.chip', 'cancel requested') : null)],
      ['Attempt', `${run.attempt} of ${run.max_attempts}`],
      ['Trigger', run.trigger === 'manual' ? 'manual (run now)' : 'schedule'],
      ['Scheduled for', time(run.scheduled_for, { absolute: true })],
      ['Ready at', time(run.ready_at, { absolute: true })],
      ['Started', time(run.started_at, { absolute: true })],
      ['Finished', time(run.finished_at, { absolute: true })],
      ['Duration', compact(runDuration(run))],
      ['Node', run.node ? h('span.mono', run.node) : '—'],
      run.queue ? ['Queue', h('a', { href: `#/runs?queue=${encodeURIComponent(run.queue)}` }, run.queue)] : null,
      run.lease_expires_at && !FINAL.has(run.state) ? ['Lease until', time(run.lease_expires_at)] : null,
      ['Outcome', outcome || '—'],
      run.skip_reason ? ['Skip reason', run.skip_reason] : null,
    ].filter(Boolean);
    replace(view,
      h('nav.breadcrumb', { 'aria-label': 'Breadcrumb' },
        h('a', { href: `#/jobs/${encodeURIComponent(run.job_id)}` }, jobName), h('span', { 'aria-hidden': 'true' }, ' / '), 'run'),
      h('div.page-head',
        h('div.head-main', h('h1', 'Run ', h('span.mono.h1-id', run.id)), h('div.head-badges', badge(run.state))),
        h('div.head-actions', runButtons(run, load, jobName))),
      h('div.grid-2',
        h('section.card', { 'aria-labelledby': 'run-facts' }, h('h2#run-facts', 'Details'), h('dl.facts', facts.map(([t, v]) => [h('dt', t), h('dd', v)]))),
        h('section.card', { 'aria-labelledby': 'run-output' }, h('h2#run-output', 'Output ', h('span.muted', '(last 64 KiB)')), outputBlock(run))));
  }

  load();
  // A finished run does not change until someone retries it (which reloads): no refresh that would reset the output's scroll.
  ctx.every(3000, () => (settled ? null : load()));
}
