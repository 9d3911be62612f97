// The cluster: nodes with heartbeats, the shard map coloured by owner, and the queues and workers of queue targets.

import { api } from '../api.js';
import { badge, errorBox, h, replace, table, time } from '../dom.js';
import { number } from '../format.js';

const PALETTE = 8;

export function render(main, { ctx }) {
  ctx.title('Cluster');
  const sub = h('p.page-sub', '\u00a0');
  const view = h('div');
  main.append(h('div.page-head', h('div', h('h1', 'Cluster'), sub)), view);
  let self = '';
  fetch('healthz', { cache: 'no-store' }).then((r) => r.json()).then((health) => { self = health.node || ''; }).catch(() => {});

  async function load() {
    let cluster;
    let queues = { queues: [] };
    let workers = { workers: [] };
    try {
      [cluster, queues, workers] = await Promise.all([
        api('v1/cluster', { signal: ctx.signal }),
        api('v1/queues', { signal: ctx.signal }).catch(() => queues),
        api('v1/workers', { signal: ctx.signal }).catch(() => workers),
      ]);
    } catch (error) {
      if (error.name !== 'AbortError') {
        replace(view, errorBox(error, 'the cluster'));
      }
      return;
    }
    const alive = cluster.nodes.filter((n) => n.alive).length;
    sub.textContent = cluster.mode === 'embedded'
      ? 'Embedded: one node on its SQLite file, holding every shard.'
      : `Cluster on PostgreSQL: ${alive} of ${cluster.nodes.length} nodes alive, ${cluster.shards.length} shards.`;

    const owners = [...new Set(cluster.nodes.map((n) => n.id).concat(cluster.shards.map((s) => s.owner).filter(Boolean)))].sort();
    const colour = (owner) => (owner ? `owner-${owners.indexOf(owner) % PALETTE}` : 'owner-none');
    const held = new Map();
    for (const shard of cluster.shards) {
      held.set(shard.owner, (held.get(shard.owner) || 0) + 1);
    }
    const unowned = held.get(null) || held.get(undefined) || 0;

    replace(view,
      h('section.card', { 'aria-labelledby': 'nodes-title' },
        h('h2#nodes-title', 'Nodes'),
        table({
          caption: 'Nodes',
          className: 'nodes-table',
          columns: [{ label: 'Node' }, { label: 'Status' }, { label: 'Address' }, { label: 'Version' }, { label: 'Started' }, { label: 'Heartbeat' }, { label: 'Shards', className: 'num' }],
          rows: cluster.nodes.map((n) => h('tr', { dataset: { node: n.id } },
            h('td', h(`span.swatch.${colour(n.id)}`, { 'aria-hidden': 'true' }), h('strong.mono', n.id), n.id === self ? h('span.chip', 'this node') : null),
            h('td', n.alive ? badge('alive') : badge('down')),
            h('td.mono', n.address ? h('a', { href: n.address }, n.address) : '—'),
            h('td.mono', n.version),
            h('td', time(n.started_at)),
            h('td', time(n.heartbeat_at)),
            h('td.num', number(n.shards)))),
        })),
      h('section.card', { 'aria-labelledby': 'shards-title' },
        h('div.card-head', h('h2#shards-title', 'Shard map'),
          h('span.muted', `${cluster.shards.length} shards; each job belongs to one, and the shard\u2019s owner fires it`)),
        h('ul.legend', owners.filter((o) => held.get(o)).map((o) => h('li', h(`span.swatch.${colour(o)}`, { 'aria-hidden': 'true' }), h('span.mono', o), ' ', h('strong', number(held.get(o))))),
          unowned ? h('li', h('span.swatch.owner-none', { 'aria-hidden': 'true' }), 'no owner (being taken over) ', h('strong', number(unowned))) : null),
        h('div.shard-grid', { role: 'img', 'aria-label': `Shard map: ${owners.map((o) => `${o} owns ${held.get(o) || 0}`).join(', ')}${unowned ? `, ${unowned} without owner` : ''}` },
          cluster.shards.map((s) => h(`span.shard.${colour(s.owner)}`, {
            title: `Shard ${s.shard}: ${s.owner || 'no owner'}${s.owner ? `, epoch ${s.epoch}` : ''}${s.expires_at ? `, lease until ${new Date(s.expires_at).toLocaleTimeString()}` : ''}`,
          })))),
      h('div.grid-2',
        h('section.card', { 'aria-labelledby': 'queues-title' },
          h('h2#queues-title', 'Queues'),
          queues.queues.length === 0
            ? h('p.muted', 'No queue targets yet. Jobs with a queue target wait in a queue until a worker (Kron.Worker SDK) leases them.')
            : table({
              caption: 'Queues',
              columns: [{ label: 'Queue' }, { label: 'Queued', className: 'num' }, { label: 'Leased', className: 'num' }, { label: 'Limit', className: 'num' }],
              rows: queues.queues.map((q) => h('tr',
                h('td', h('a', { href: `#/runs?queue=${encodeURIComponent(q.name)}` }, q.name)),
                h('td.num', number(q.queued)),
                h('td.num', number(q.running)),
                h('td.num', q.max_leased ? number(q.max_leased) : 'none'))),
            })),
        h('section.card', { 'aria-labelledby': 'workers-title' },
          h('h2#workers-title', 'Workers'),
          workers.workers.length === 0
            ? h('p.muted', 'No worker has asked for runs recently.')
            : table({
              caption: 'Workers',
              columns: [{ label: 'Worker' }, { label: 'Status' }, { label: 'Queues' }, { label: 'Last seen' }, { label: 'Runs held', className: 'num' }],
              rows: workers.workers.map((w) => h('tr',
                h('td.mono', w.id),
                h('td', w.alive ? badge('alive') : badge('down')),
                h('td', w.queues.join(', ')),
                h('td', time(w.last_seen_at)),
                h('td.num', number(w.runs.length)))),
            }))));
  }

  load();
  ctx.every(5000, load);
}
