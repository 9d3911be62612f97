// The runs table shared by the job page, the runs page and the dead letters: state, attempt, times, outcome, the
// output tail one click away, and Retry/Cancel where they apply.

import { jobById } from '../api.js';
import { runButtons } from '../actions.js';
import { badge, h, table, time } from '../dom.js';
import { compact, describeOutcome, jobTitle, runDuration, shortId } from '../format.js';

/**
 * `expanded` is a Set of run ids whose output is open; it outlives a refresh. `showJob` adds the job column (names
 * are filled in as the jobs are read).
 */
export function runsTable(runs, { onChange, expanded, showJob = false, caption = 'Runs' }) {
  const now = new Date();
  const columns = [{ label: 'Run' }];
  if (showJob) {
    columns.push({ label: 'Job' });
  }
  columns.push(
    { label: 'State' },
    { label: 'Attempt', className: 'num' },
    { label: 'Scheduled for' },
    { label: 'Started' },
    { label: 'Duration', className: 'num' },
    { label: 'Node' },
    { label: 'Outcome' },
    { label: 'Actions', className: 'actions-col' });
  const rows = [];
  for (const run of runs) {
    const open = expanded.has(run.id);
    const outputId = `output-${run.id}`;
    const toggle = h('button.button.button-small.button-ghost', {
      type: 'button',
      'aria-expanded': String(open),
      'aria-controls': outputId,
      dataset: { key: `output:${run.id}` },
      onclick: (event) => {
        const nowOpen = !expanded.has(run.id);
        if (nowOpen) {
          expanded.add(run.id);
        } else {
          expanded.delete(run.id);
        }
        event.currentTarget.setAttribute('aria-expanded', String(nowOpen));
        document.getElementById(outputId).hidden = !nowOpen;
      },
    }, 'Output');
    const jobCell = showJob ? h('td.cell-job') : null;
    if (jobCell) {
      const link = h('a', { href: `#/jobs/${encodeURIComponent(run.job_id)}` }, shortId(run.job_id));
      jobCell.append(link);
      jobById(run.job_id).then((job) => {
        if (job) {
          link.textContent = jobTitle(job);
        } else {
          link.after(h('span.muted', ' (deleted)'));
        }
      }).catch(() => {});
    }
    const outcome = describeOutcome(run);
    rows.push(h(`tr${run.state === 'dead' || run.state === 'failed' ? '.row-bad' : ''}`, { dataset: { runId: run.id, state: run.state } },
      h('td.mono', h('a', { href: `#/runs/${encodeURIComponent(run.id)}`, title: run.id }, shortId(run.id)),
        run.trigger === 'manual' ? h('span.chip', { title: 'Started by hand (run now), not by the schedule' }, 'manual') : null),
      jobCell,
      h('td', badge(run.state), run.cancel_requested ? h('span.chip', 'cancel requested') : null),
      h('td.num', `${run.attempt}/${run.max_attempts}`),
      h('td', time(run.scheduled_for)),
      h('td', run.started_at ? time(run.started_at) : h('span.muted', run.state === 'queued' ? 'waiting' : '—')),
      h('td.num', compact(runDuration(run, now))),
      h('td.mono.truncate', { title: run.node || '' }, run.node || '—'),
      h('td.cell-outcome', outcome ? h('span.truncate', { title: run.outcome?.error || outcome }, outcome) : h('span.muted', '—')),
      h('td.cell-actions', h('div.actions', runButtons(run, onChange), toggle))));
    rows.push(h('tr.output-row', { id: outputId, hidden: !open },
      h('td', { colspan: String(columns.length) }, outputBlock(run))));
  }
  return table({ caption, className: 'runs-table', columns, rows });
}

/** The output tail of a run, or what to expect when there is none. */
export function outputBlock(run) {
  const facts = [];
  if (run.outcome?.error) {
    facts.push(h('p.output-error', run.outcome.error));
  }
  if (run.skip_reason) {
    facts.push(h('p.muted', `Skipped: ${run.skip_reason}`));
  }
  if (run.output) {
    facts.push(h('pre.output', { tabindex: '0', 'aria-label': `Output of run ${run.id}` }, run.output));
  } else {
    facts.push(h('p.muted', run.state === 'queued' || run.state === 'running' ? 'No output yet.' : 'This run recorded no output.'));
  }
  return h('div.output-wrap', facts);
}
