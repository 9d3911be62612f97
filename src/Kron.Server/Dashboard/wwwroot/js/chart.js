// A small time-series chart in inline SVG (no library): lines for some series, bars for others, a y axis with round
// ticks, minute ticks on the x axis, gaps where a value is null. Colours come from CSS classes (dark mode included).

import { h } from './dom.js';

/** A round step for about `ticks` intervals up to `max`: 1, 2, 2.5 or 5 times a power of ten. */
function niceStep(max, ticks, integer) {
  if (!(max > 0)) {
    return 1;
  }
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= raw) * magnitude;
  return integer ? Math.max(1, Math.ceil(step)) : step;
}

/**
 * points: [{ at, ...values }] oldest first; series: [{ key, label, className, kind: 'line' | 'bar' | 'legend' }]
 * ('legend': listed, not drawn);
 * window: seconds shown, ending at the last point; format: y value to text.
 */
export function timeChart({ points, series, windowSeconds = 300, width, height = 170, format, label, integer = false }) {
  const pad = { left: 56, right: 10, top: 10, bottom: 24 };
  const innerW = Math.max(100, width - pad.left - pad.right);
  const innerH = height - pad.top - pad.bottom;
  const end = points.length ? new Date(points[points.length - 1].at).getTime() : Date.now();
  const start = end - windowSeconds * 1000;
  const x = (t) => pad.left + ((t - start) / (end - start)) * innerW;
  const bars = series.filter((s) => s.kind === 'bar');
  let max = 0;
  for (const p of points) {
    let stacked = 0;
    for (const s of series) {
      const v = p[s.key];
      if (typeof v !== 'number' || s.kind === 'legend') {
        continue;
      }
      if (s.kind === 'bar') {
        stacked += v;
      } else if (v > max) {
        max = v;
      }
    }
    max = Math.max(max, stacked);
  }
  const step = niceStep(max, 4, integer);
  const ticks = Math.max(1, Math.ceil(max / step));
  const top = step * ticks;
  const y = (v) => pad.top + innerH - (v / top) * innerH;

  const svg = h('svg.chart', {
    width: String(width),
    height: String(height),
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': label,
  });

  const grid = h('g.chart-grid');
  for (let i = 0; i <= ticks; i += 1) {
    const value = step * i;
    const yy = y(value);
    grid.append(
      h('line', { x1: String(pad.left), x2: String(pad.left + innerW), y1: String(yy), y2: String(yy) }),
      h('text.chart-label', { x: String(pad.left - 6), y: String(yy + 4), 'text-anchor': 'end' }, format(value)));
  }
  for (let m = 0; m <= windowSeconds / 60; m += 1) {
    const t = end - m * 60000;
    const xx = x(t);
    grid.append(
      h('line.chart-vline', { x1: String(xx), x2: String(xx), y1: String(pad.top), y2: String(pad.top + innerH) }),
      h('text.chart-label', { x: String(xx), y: String(height - 6), 'text-anchor': m === 0 ? 'end' : 'middle' }, m === 0 ? 'now' : `\u2212${m} min`));
  }
  svg.append(grid);

  // Bars are stacked in the order given, one per interval, ending at the interval's instant.
  // Touching (a hair wider than an interval), so that a steady rate reads as an area, not as stripes.
  const barWidth = innerW / windowSeconds + 0.4;
  const groups = new Map(bars.map((s) => [s.key, h(`g.${s.className}`)]));
  for (const p of points) {
    let base = 0;
    const t = new Date(p.at).getTime();
    for (const s of bars) {
      const v = p[s.key];
      if (typeof v === 'number' && v > 0) {
        groups.get(s.key).append(h('rect', { x: String(x(t) - barWidth), y: String(y(base + v)), width: String(barWidth), height: String(Math.max(1, y(base) - y(base + v))) }));
        base += v;
      }
    }
  }
  svg.append(...groups.values());
  for (const s of series) {
    if (s.kind === 'bar' || s.kind === 'legend') {
      continue;
    }
    let segment = [];
    const segments = [];
    for (const p of points) {
      const v = p[s.key];
      if (typeof v === 'number') {
        segment.push(`${x(new Date(p.at).getTime()).toFixed(1)},${y(v).toFixed(1)}`);
      } else if (segment.length) {
        segments.push(segment);
        segment = [];
      }
    }
    if (segment.length) {
      segments.push(segment);
    }
    const group = h(`g.${s.className}`);
    for (const part of segments) {
      if (part.length === 1) {
        const [cx, cy] = part[0].split(',');
        group.append(h('circle', { cx, cy, r: '2.5' }));
      } else {
        group.append(h('polyline', { points: part.join(' ') }));
      }
    }
    svg.append(group);
  }
  svg.append(h('line.chart-axis', { x1: String(pad.left), x2: String(pad.left + innerW), y1: String(pad.top + innerH), y2: String(pad.top + innerH) }));
  return svg;
}

/** The legend of a chart: a swatch, the label and a value (`valueOf(series)`) of each series. */
export function legend(series, valueOf) {
  return h('ul.legend', series.map((s) => h('li', h(`span.swatch.${s.className}`, { 'aria-hidden': 'true' }), s.label, ' ', h('strong', valueOf(s)))));
}

/** The latest number of a series, or null. */
export function latest(points, key) {
  for (let i = points.length - 1; i >= 0; i -= 1) {
    if (typeof points[i][key] === 'number') {
      return points[i][key];
    }
  }
  return null;
}
