// The buttons that change things: pause, resume, trigger, retry, cancel. Each one calls the API, says what happened
// in a toast, and asks the page to refresh.

import { api } from './api.js';
import { h, toast } from './dom.js';
import { jobTitle } from './format.js';

const REDRIVABLE = new Set(['dead', 'failed', 'lost', 'cancelled']);

function button(label, { key, kind = '', ariaLabel, run, onDone }) {
  const element = h(`button.button.button-small${kind ? `.${kind}` : ''}`, { type: 'button', 'aria-label': ariaLabel, dataset: { key } }, label);
  let busy = false;
  element.addEventListener('click', async (event) => {
    event.stopPropagation();
    // Not `disabled`: a disabled button drops the keyboard focus, and the refreshed row should get it back.
    if (busy) {
      return;
    }
    busy = true;
    element.setAttribute('aria-disabled', 'true');
    try {
      const message = await run();
      toast(message, 'success');
      document.dispatchEvent(new Event('kron:changed'));
      await onDone?.();
    } catch (error) {
      if (error.status !== 401) {
        toast(`${label} failed: ${error.message}`, 'error');
      }
    } finally {
      busy = false;
      element.removeAttribute('aria-disabled');
    }
  });
  return element;
}

export function pauseResumeButton(job, onDone) {
  const name = jobTitle(job);
  const id = encodeURIComponent(job.id);
  return job.paused
    ? button('Resume', {
      key: `pause-resume:${job.id}`,
      ariaLabel: `Resume ${name}`,
      run: async () => { await api(`v1/jobs/${id}/resume`, { method: 'POST' }); return `Resumed ${name}`; },
      onDone,
    })
    : button('Pause', {
      key: `pause-resume:${job.id}`,
      ariaLabel: `Pause ${name}`,
      run: async () => { await api(`v1/jobs/${id}/pause`, { method: 'POST' }); return `Paused ${name}`; },
      onDone,
    });
}

export function triggerButton(job, onDone, label = 'Run now') {
  const name = jobTitle(job);
  return button(label, {
    key: `trigger:${job.id}`,
    ariaLabel: `Run ${name} now`,
    run: async () => {
      const run = await api(`v1/jobs/${encodeURIComponent(job.id)}/trigger`, { method: 'POST' });
      return `Started a run of ${name} (${run.state})`;
    },
    onDone,
  });
}

/** Redrives every dead run of a job at once (POST /v1/runs/retry with the job's id). */
export function retryDeadButton(jobId, onDone) {
  return button('Retry all dead runs', {
    key: `retry-dead:${jobId}`,
    run: async () => {
      const result = await api('v1/runs/retry', { method: 'POST', body: { job_id: jobId, states: ['dead'] } });
      return `${result.redriven} run${result.redriven === 1 ? '' : 's'} queued again`;
    },
    onDone,
  });
}

export function runButtons(run, onDone, name) {
  const buttons = [];
  const label = name ? ` of ${name}` : '';
  if (REDRIVABLE.has(run.state)) {
    buttons.push(button('Retry', {
      key: `retry:${run.id}`,
      kind: 'button-primary',
      ariaLabel: `Retry run ${run.id}${label}`,
      run: async () => {
        const again = await api(`v1/runs/${encodeURIComponent(run.id)}/retry`, { method: 'POST' });
        return `Run queued again (attempt ${again.attempt})`;
      },
      onDone,
    }));
  }
  if ((run.state === 'queued' || run.state === 'running') && !run.cancel_requested) {
    buttons.push(button('Cancel', {
      key: `cancel:${run.id}`,
      kind: 'button-danger',
      ariaLabel: `Cancel run ${run.id}${label}`,
      run: async () => {
        await api(`v1/runs/${encodeURIComponent(run.id)}/cancel`, { method: 'POST' });
        return 'Cancellation requested';
      },
      onDone,
    }));
  }
  return buttons;
}
