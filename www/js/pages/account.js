// pages/account.js - the logged-in user: name, role and what it allows,
// when the session ends, and the form to change one's own password
// (POST /api/password; webapi wants 10..256 bytes and the current one).

import { h, setChildren } from '../dom.js';
import {
  currentSession, changePassword, utf8Length, ROLES, ROLE_TEXT, roleRank, PASSWORD_MIN, PASSWORD_MAX,
} from '../auth.js';
import { panel, timeEl, badge } from '../ui/common.js';

export default function mount(root) {
  const s = currentSession();
  const who = panel('Your account');
  const rank = roleRank(s.role);
  setChildren(who.body, h('dl', { class: 'kv' },
    h('dt', null, 'User'), h('dd', { id: 'account-name' }, s.user.name),
    h('dt', null, 'Role'), h('dd', null, badge(s.role), ' ', h('span', { class: 'muted' }, ROLE_TEXT[s.role] || '')),
    h('dt', null, 'Session ends'), h('dd', null, timeEl(s.expires_at))),
  h('h3', { class: 'minor' }, 'Roles'),
  h('ul', { class: 'plain-list role-list' }, ROLES.map((r, i) => h('li', { class: i <= rank ? '' : 'muted' },
    h('strong', null, r), ` — ${ROLE_TEXT[r]}`, i === rank ? ' (yours)' : ''))));

  const current = h('input', { id: 'pw-current', type: 'password', autocomplete: 'current-password', required: true, maxlength: '256' });
  const next = h('input', { id: 'pw-new', type: 'password', autocomplete: 'new-password', required: true, maxlength: '256' });
  const confirm = h('input', { id: 'pw-confirm', type: 'password', autocomplete: 'new-password', required: true, maxlength: '256' });
  const submit = h('button', { id: 'pw-submit', type: 'submit', class: 'btn btn-primary' }, 'Change password');
  const message = h('p', { id: 'pw-message', class: 'form-message', role: 'status', 'aria-live': 'polite' });
  const say = (text, kind = '') => {
    message.textContent = text;
    message.className = `form-message ${kind}`.trim();
  };
  const form = h('form', {
    id: 'password-form', class: 'stack-form',
    onsubmit: async (ev) => {
      ev.preventDefault();
      const n = utf8Length(next.value);
      if (n < PASSWORD_MIN || n > PASSWORD_MAX) {
        say(`The new password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} bytes long (it is ${n}).`, 'bad');
        next.focus();
        return;
      }
      if (next.value !== confirm.value) {
        say('The new password and its confirmation differ.', 'bad');
        confirm.focus();
        return;
      }
      submit.disabled = true;
      say('Changing…');
      try {
        await changePassword(current.value, next.value);
        form.reset();
        say('Password changed. Use the new one at your next login.', 'good');
      } catch (err) {
        say(err.status === 403 && err.body && err.body.error === 'wrong password'
          ? 'The current password is not right.' : `Not changed: ${err.message}`, 'bad');
      } finally {
        submit.disabled = false;
      }
    },
  },
  h('label', { class: 'field', for: 'pw-current' }, h('span', { class: 'field-label' }, 'Current password'), current),
  h('label', { class: 'field', for: 'pw-new' }, h('span', { class: 'field-label' }, `New password (${PASSWORD_MIN}–${PASSWORD_MAX} characters)`), next),
  h('label', { class: 'field', for: 'pw-confirm' }, h('span', { class: 'field-label' }, 'New password again'), confirm),
  h('div', null, submit),
  message);
  const pw = panel('Change password');
  pw.body.append(form);

  root.append(h('div', { class: 'page-head' }, h('h1', null, 'Account'), h('span', { class: 'sub' }, `${s.user.name} · ${s.role}`)),
    h('div', { class: 'grid' }, h('div', { class: 'span-6' }, who.el), h('div', { class: 'span-6' }, pw.el)));

  return { update() {}, destroy() {} };
}
