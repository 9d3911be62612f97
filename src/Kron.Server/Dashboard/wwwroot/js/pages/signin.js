// Shown when the API answers 401: the server is configured with API tokens (Kron:Auth:Tokens). The token is kept in
// sessionStorage for this tab only and sent as "Authorization: Bearer" with every API call.

import { h } from '../dom.js';

export function render(main, { rejected, submit }) {
  document.title = 'Sign in · Kron';
  const input = h('input#token.input', {
    type: 'password',
    name: 'token',
    autocomplete: 'current-password',
    required: true,
    spellcheck: 'false',
    'aria-describedby': 'token-help',
  });
  const message = h('p.form-error', { id: 'signin-error', role: 'alert' }, rejected ? 'Your token is no longer accepted. Sign in again.' : '');
  const submitButton = h('button.button.button-primary', { type: 'submit' }, 'Sign in');
  const form = h('form.signin-form', { 'aria-labelledby': 'signin-title' },
    h('h1#signin-title', { tabindex: '-1' }, 'Sign in to Kron'),
    h('p.muted', 'This node requires an API token for its API. The dashboard sends it with every request and forgets it when you close this tab.'),
    h('label.label', { for: 'token' }, 'API token'),
    input,
    h('p.help', { id: 'token-help' }, 'One of the tokens configured on the server (Kron:Auth:Tokens). Ask whoever runs this node.'),
    message,
    submitButton);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submitButton.disabled = true;
    message.textContent = '';
    const problem = await submit(input.value.trim());
    submitButton.disabled = false;
    if (problem) {
      message.textContent = problem;
      input.focus();
      input.select();
    }
  });
  main.append(h('div.signin', form));
  input.focus();
}
