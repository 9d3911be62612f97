// What a new user sees where there is nothing yet: how to register a first job, with this node's address filled in.

import { codeBlock, h } from '../dom.js';

export function registerHelp() {
  const origin = new URL('.', location.href).href.replace(/\/$/, '');
  const curl = `curl -s -X POST ${origin}/v1/jobs -H 'content-type: application/json' \\\n  -d '{"name":"hello","every":"PT30S","target":{"type":"shell","command":"echo hello from $KRON_RUN_ID"}}'`;
  const cli = `kron job add --name hello --every 30s --shell 'echo "hello from $KRON_RUN_ID"'`;
  return h('div.empty-state',
    h('h2', 'No jobs yet'),
    h('p', 'Register a job and it shows up here within seconds. With the ', h('code', 'kron'), ' command:'),
    codeBlock(cli, 'kron command'),
    h('p', 'Or with curl against this node\u2019s REST API:'),
    codeBlock(curl, 'curl command'),
    h('p.muted', 'Cron schedules take ', h('code', '--cron "0 3 * * *" --tz Europe/Berlin'), '; HTTP targets ', h('code', '--http URL'),
      '. The whole API is described at ', h('a', { href: 'openapi/v1.json' }, '/openapi/v1.json'), '.'));
}
