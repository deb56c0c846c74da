// login.js - the login form shown instead of any page while nobody is
// logged in (at start, after a logout, or when any request answers 401).
// The URL hash is left alone, so after login the app opens the page that
// was asked for.

import { h, setChildren } from './dom.js';
import { login } from './auth.js';

/**
 * Draws the form into root. note: a sentence shown above the form (e.g.
 * "Your session has ended"). onLoggedIn(session) is called after success.
 */
export function renderLogin(root, { note = '', onLoggedIn }) {
  const name = h('input', {
    id: 'login-name', name: 'username', type: 'text', autocomplete: 'username', required: true,
    autocapitalize: 'none', spellcheck: 'false', maxlength: '128',
  });
  const password = h('input', {
    id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: '256',
  });
  const submit = h('button', { id: 'login-submit', type: 'submit', class: 'btn btn-primary' }, 'Log in');
  const error = h('p', { id: 'login-error', class: 'login-error', role: 'alert', hidden: true });
  let retryTimer = null;

  const showError = (text) => {
    error.hidden = !text;
    error.textContent = text || '';
  };

  // While locked out, count down and keep the button off until it may work again.
  const lockFor = (seconds) => {
    clearInterval(retryTimer);
    let left = seconds;
    const tick = () => {
      if (left <= 0 || !root.isConnected) {
        clearInterval(retryTimer);
        submit.disabled = false;
        if (root.isConnected) showError('You can try again now.');
        return;
      }
      submit.disabled = true;
      showError(`Too many failed logins for this name: try again in ${left} s.`);
      left -= 1;
    };
    tick();
    retryTimer = setInterval(tick, 1000);
  };

  const form = h('form', {
    id: 'login-form', class: 'login-form', 'aria-labelledby': 'login-title',
    onsubmit: async (ev) => {
      ev.preventDefault();
      if (submit.disabled) return;
      showError('');
      submit.disabled = true;
      submit.textContent = 'Logging in…';
      try {
        const s = await login(name.value.trim(), password.value);
        clearInterval(retryTimer);
        onLoggedIn(s);
        return;
      } catch (err) {
        password.value = '';
        if (err.status === 401) {
          showError('Wrong user name or password.');
          password.focus();
        } else if (err.status === 429) {
          const m = err.body && typeof err.body.detail === 'string' ? /(\d+)\s*s\b/.exec(err.body.detail) : null;
          const secs = err.retryAfter ?? (m ? Number(m[1]) : null);
          if (secs) lockFor(secs);
          else showError('Too many login attempts: wait a moment and try again.');
          submit.textContent = 'Log in';
          return;
        } else {
          showError(`Login failed: ${err.message}`);
        }
      }
      submit.disabled = false;
      submit.textContent = 'Log in';
    },
  },
  h('label', { class: 'field', for: 'login-name' }, h('span', { class: 'field-label' }, 'User name'), name),
  h('label', { class: 'field', for: 'login-password' }, h('span', { class: 'field-label' }, 'Password'), password),
  error,
  submit);

  setChildren(root, h('section', { class: 'panel login-panel', id: 'login' },
    h('h1', { id: 'login-title' }, 'Log in to PacketSight'),
    note ? h('p', { class: 'login-note', id: 'login-note' }, note) : null,
    form,
    h('p', { class: 'muted login-help' }, 'Accounts are made by an administrator (admin page, or webapi --set-user).')));
  name.focus();
  return { destroy: () => clearInterval(retryTimer) };
}
