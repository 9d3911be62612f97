// Times, durations and schedules in words. Instants arrive as RFC 3339 with an offset; relative times are shown with
// the absolute time (local and UTC) on hover.

export function instant(text) {
  return text ? new Date(text) : null;
}

const units = [
  ['d', 86400],
  ['h', 3600],
  ['min', 60],
  ['s', 1],
];

/** "in 4 min", "12 s ago", "now"; past 45 days the date instead, unless `dates` is false. */
export function relative(date, now = new Date(), { dates = true } = {}) {
  if (!date) {
    return '—';
  }
  const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 2) {
    return 'now';
  }
  if (dates && abs > 45 * 86400) {
    const p = partsInZone(date, browserZone());
    return `${p.year}-${p.month}-${p.day}`;
  }
  for (const [unit, size] of units) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      return seconds > 0 ? `in ${n} ${unit}` : `${n} ${unit} ago`;
    }
  }
  return 'now';
}

function pad(n, width = 2) {
  return String(n).padStart(width, '0');
}

/** Wall-clock parts of `date` in `timeZone` (IANA) and the zone's offset there, e.g. "+02:00". */
export function partsInZone(date, timeZone) {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  });
  const parts = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : parts.timeZoneName.replace('GMT', '').replace('\u2212', '-');
  return { ...parts, offset };
}

/** "2026-11-23 22:00:01 +01:00" in the browser's zone (or `timeZone`). */
export function absolute(date, timeZone) {
  if (!date) {
    return '—';
  }
  const p = partsInZone(date, timeZone || browserZone());
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.offset}`;
}

/** The tooltip of a time: local and UTC. */
export function hoverText(date) {
  if (!date) {
    return '';
  }
  return `${absolute(date)} (${browserZone()})\n${date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')} UTC`;
}

export function browserZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * An occurrence as the job's zone sees it, "Sun 2026-03-29 03:00 +02:00". The server writes each occurrence with the
 * zone's offset at that instant, so the text is read as it is (the browser's zone data never overrides the server's);
 * an instant in UTC ("Z") is converted with the browser's zone data.
 */
export function inZone(text, timeZone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?([+-]\d{2}:\d{2})$/.exec(text);
  if (match && !(match[6] === '+00:00' && timeZone && timeZone !== 'UTC')) {
    const [, y, mo, d, h, mi, offset] = match;
    const weekday = new Date(Date.UTC(+y, +mo - 1, +d)).toLocaleDateString('en-GB', { weekday: 'short', timeZone: 'UTC' });
    return { weekday, date: `${y}-${mo}-${d}`, time: `${h}:${mi}`, offset };
  }
  const p = partsInZone(new Date(text), timeZone || 'UTC');
  return { weekday: p.weekday, date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}`, offset: p.offset };
}

/** Seconds of an ISO 8601 duration (PT30S, PT1H30M, P1D, PT0.01S); null if unreadable. */
export function durationSeconds(text) {
  const match = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text || '');
  if (!match) {
    return null;
  }
  const [, d = 0, h = 0, m = 0, s = 0] = match;
  return +d * 86400 + +h * 3600 + +m * 60 + +s;
}

/** "30 seconds", "5 minutes", "1 h 30 min", "250 ms". */
export function spoken(seconds) {
  if (seconds === null || seconds === undefined) {
    return '—';
  }
  if (seconds < 1) {
    return `${Math.round(seconds * 1000)} ms`;
  }
  const whole = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ].find(([size]) => seconds % size === 0 && seconds >= size);
  if (whole) {
    const n = seconds / whole[0];
    return n === 1 ? `1 ${whole[1]}` : `${n} ${whole[1]}s`;
  }
  return compact(seconds);
}

/** A duration as "1 h 5 min", "12.3 s", "45 ms". */
export function compact(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) {
    return '—';
  }
  if (seconds < 1) {
    return `${Math.round(seconds * 1000)} ms`;
  }
  if (seconds < 60) {
    return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  }
  const parts = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
  }
  return parts.join(' ');
}

/** The time a run took, from its start to its end (or to now while it runs). */
export function runDuration(run, now = new Date()) {
  if (!run.started_at) {
    return null;
  }
  const end = run.finished_at ? instant(run.finished_at) : now;
  return Math.max(0, (end - instant(run.started_at)) / 1000);
}

/**
 * A schedule in words: { words, expression, zone }. Cron with cronstrue (Vixie semantics: day-of-month and
 * day-of-week ORed when both are restricted, as Kron does); an expression cronstrue cannot read (Kron's H) keeps
 * only the expression.
 */
export function describeSchedule(job) {
  if (job.cron) {
    const zone = job.time_zone || 'UTC';
    let words = null;
    try {
      words = globalThis.cronstrue?.toString(job.cron, {
        use24HourTimeFormat: true,
        throwExceptionOnParseError: true,
        dayOfWeekStartIndexZero: true,
      });
    } catch {
      words = null;
    }
    return { kind: 'cron', words: words ? `${words} (${zone})` : null, expression: job.cron, zone, hashed: /H/.test(job.cron) };
  }
  if (job.every) {
    const seconds = durationSeconds(job.every);
    return { kind: 'every', words: `Every ${spoken(seconds)}`, expression: job.every, zone: null };
  }
  if (job.schedule_time) {
    return { kind: 'once', words: `Once, at ${absolute(instant(job.schedule_time), 'UTC').replace('+00:00', 'UTC')}`, expression: null, zone: 'UTC' };
  }
  return { kind: 'none', words: 'No schedule', expression: null, zone: null };
}

/** What a target does, in a few words. */
export function describeTarget(target) {
  switch (target?.type) {
    case 'http':
      return `${target.method || 'POST'} ${target.url}`;
    case 'shell':
      return target.command;
    case 'queue':
      return `${target.job_type} on queue ${target.queue}`;
    case 'noop':
      return `noop${target.duration ? `, ${compact(durationSeconds(target.duration))}` : ''}${target.fail_rate ? `, fails ${Math.round(target.fail_rate * 100)}%` : ''}`;
    default:
      return target?.type || '—';
  }
}

/** The outcome of an attempt in a few words: "exit 3", "HTTP 503", or the error. */
export function describeOutcome(run) {
  const outcome = run.outcome;
  if (!outcome) {
    return run.skip_reason ? `skipped: ${run.skip_reason}` : '';
  }
  const parts = [];
  if (outcome.exit_code !== undefined && outcome.exit_code !== null) {
    parts.push(`exit ${outcome.exit_code}`);
  }
  if (outcome.http_status !== undefined && outcome.http_status !== null) {
    parts.push(`HTTP ${outcome.http_status}`);
  }
  if (outcome.error && parts.length === 0) {
    parts.push(outcome.error);
  }
  return parts.join(', ');
}

export function jobTitle(job) {
  return job?.name || job?.key || job?.id || '';
}

/** The distinguishing end of an id (ids start with their timestamp, so their beginnings look alike). */
export function shortId(id) {
  return id && id.length > 12 ? `\u2026${id.slice(-8)}` : id;
}

export function number(n) {
  return new Intl.NumberFormat('en-US').format(n);
}

/** Active jobs whose next slot is in the past by more than a grace period: the engine is behind on them. */
export function isLate(job, now = new Date(), graceSeconds = 5) {
  if (job.paused || !job.next_fire_at) {
    return false;
  }
  return now - instant(job.next_fire_at) > graceSeconds * 1000;
}

export function isFailing(job) {
  return ['failed', 'dead', 'lost'].includes(job.last_run?.state);
}
