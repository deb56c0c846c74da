// pages/admin.js - accounts, API tokens and the audit log (admin only; the
// router shows a refusal to other roles and webapi refuses them anyway).
// Users: create (a password is generated when none is given), change role,
// disable/enable, reset the password, delete. Tokens: create (the secret is
// shown once, with a copy button), revoke. Audit: newest first, paged.
// Secrets shown once live only in the DOM of this page until it is left.

import { h, setChildren } from '../dom.js';
import { apiJson, apiPostJson } from '../api.js';
import { currentSession, ROLES, PASSWORD_MIN, PASSWORD_MAX, utf8Length } from '../auth.js';
import { panel, timeEl, badge, muted } from '../ui/common.js';
import { ListView } from '../ui/table.js';

const TOKEN_STATE_KIND = { active: 'good', expired: 'warn', revoked: 'bad' };
const MAX_TOKEN_DAYS = 3650;

/** 20 random characters from a 61-symbol alphabet (about 118 bits). */
export function randomPassword() {
  const abc = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.+';
  const bytes = new Uint8Array(20);
  crypto.getRandomValues(bytes);
  // The modulo bias (256 % 61) costs a fraction of a bit; it does not matter here.
  return Array.from(bytes, (b) => abc[b % abc.length]).join('');
}

function roleSelect(id, value, label) {
  const sel = h('select', { id, 'aria-label': label }, ROLES.map((r) => h('option', { value: r }, r)));
  sel.value = value;
  return sel;
}

/** A secret shown once: monospace, selectable, with a Copy button. */
function secretBox(id, intro, secret) {
  const code = h('code', { id, class: 'secret' }, secret);
  const copied = h('span', { class: 'muted copy-note', 'aria-live': 'polite' });
  const copy = h('button', {
    type: 'button', class: 'btn btn-small', dataset: { copy: id },
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(secret);
        copied.textContent = 'copied';
      } catch {
        // No clipboard permission (plain http): select it for Ctrl+C.
        const range = document.createRange();
        range.selectNodeContents(code);
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        copied.textContent = 'selected — press Ctrl+C';
      }
    },
  }, 'Copy');
  return h('div', { class: 'result-box good secret-box', role: 'status' },
    h('p', null, intro), h('p', { class: 'secret-line' }, code, copy, copied),
    h('p', { class: 'muted' }, 'It is shown only this once; webapi keeps only its hash.'));
}

function field(id, label, input) {
  return h('label', { class: 'field', for: id }, h('span', { class: 'field-label' }, label), input);
}

export default function mount(root, ctx0) {
  let ctx = ctx0;
  const me = currentSession();

  // --- users
  const usersP = panel('Users');
  const uName = h('input', { id: 'user-new-name', type: 'text', required: true, maxlength: '128', autocomplete: 'off', spellcheck: 'false' });
  const uRole = roleSelect('user-new-role', 'viewer', 'role of the new user');
  const uPass = h('input', { id: 'user-new-password', type: 'password', autocomplete: 'new-password', maxlength: '256', placeholder: 'generate one' });
  const uResult = h('div', { id: 'user-result', 'aria-live': 'polite' });
  const uForm = h('form', {
    id: 'user-create', class: 'inline-form',
    onsubmit: async (ev) => {
      ev.preventDefault();
      const body = { name: uName.value.trim(), role: uRole.value };
      if (uPass.value) {
        const n = utf8Length(uPass.value);
        if (n < PASSWORD_MIN || n > PASSWORD_MAX) {
          setChildren(uResult, h('p', { class: 'result-box bad', role: 'alert' }, `A password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} bytes long (this one is ${n}); leave it empty to generate one.`));
          return;
        }
        body.password = uPass.value;
      }
      try {
        const r = await apiPostJson('/api/users', body);
        uForm.reset();
        setChildren(uResult, r.password && !body.password
          ? secretBox('new-user-password', `User ${r.user.name} (${r.user.role}) created. Their password:`, r.password)
          : h('p', { class: 'result-box good', role: 'status' }, `User ${r.user.name} (${r.user.role}) created with the password you gave.`));
        users.load(true);
      } catch (err) {
        setChildren(uResult, h('p', { class: 'result-box bad', role: 'alert' }, `Not created: ${err.message}`));
      }
    },
  },
  field('user-new-name', 'Name', uName), field('user-new-role', 'Role', uRole), field('user-new-password', 'Password (optional)', uPass),
  h('button', { type: 'submit', class: 'btn btn-primary', id: 'user-create-submit' }, 'Create user'));

  async function patchUser(u, change, done) {
    try {
      await apiJson(`/api/users/${u.id}`, { method: 'PATCH', body: JSON.stringify(change), headers: { 'Content-Type': 'application/json' } });
      setChildren(uResult, done);
      usersP.clearStatus();
    } catch (err) {
      usersP.setError(`User ${u.name}: ${err.message}`);
    }
    users.table.signature = null; // redraw even when nothing changed (a refused role change)
    users.load(true);
  }

  async function resetPassword(u) {
    // eslint-disable-next-line no-alert
    if (!window.confirm(`Give ${u.name} a new random password? Their sessions end.`)) return;
    const pw = randomPassword();
    await patchUser(u, { password: pw }, secretBox('reset-password', `New password of ${u.name}:`, pw));
  }

  async function removeUser(u) {
    // eslint-disable-next-line no-alert
    if (!window.confirm(`Delete user ${u.name}? Their sessions end; the audit log keeps their name.`)) return;
    try {
      await apiJson(`/api/users/${u.id}`, { method: 'DELETE' });
      setChildren(uResult, h('p', { class: 'result-box', role: 'status' }, `User ${u.name} deleted.`));
      usersP.clearStatus();
    } catch (err) {
      usersP.setError(`Delete ${u.name}: ${err.message}`);
    }
    users.load(true);
  }

  const users = new ListView({
    endpoint: '/api/users', name: 'users', tableId: 'users-table', caption: 'Users', prefix: 'u_', scopeKeys: [],
    filters: [
      { key: 'q', label: 'Name contains' },
      { key: 'role', label: 'Role', type: 'select', options: [['', 'any'], ...ROLES.map((r) => [r, r])] },
    ],
    apiFilters: ['q', 'role'], sorts: ['id'], defaultSort: 'id', pageSize: 25, rowKey: (u) => String(u.id),
    emptyText: 'No users match.',
    columns: [
      { key: 'id', label: 'Id', num: true, sort: 'id' },
      { key: 'name', label: 'Name', render: (u) => h('strong', null, u.name, u.id === me.user.id ? h('span', { class: 'muted' }, ' (you)') : null) },
      {
        key: 'role', label: 'Role', render: (u) => {
          const sel = roleSelect(null, u.role, `role of ${u.name}`);
          sel.dataset.userRole = u.name;
          sel.addEventListener('change', () => patchUser(u, { role: sel.value },
            h('p', { class: 'result-box good', role: 'status' }, `${u.name} is now ${sel.value}.`)));
          return sel;
        },
      },
      { key: 'disabled', label: 'State', render: (u) => (u.disabled ? badge('disabled', 'bad') : badge('active', 'good')) },
      { key: 'created', label: 'Created', render: (u) => timeEl(u.created_at) },
      { key: 'last', label: 'Last login', render: (u) => (u.last_login_at ? timeEl(u.last_login_at) : muted('never')) },
      {
        key: 'act', label: '', render: (u) => h('span', { class: 'row-actions' },
          h('button', {
            type: 'button', class: 'btn btn-small', dataset: { toggleUser: u.name },
            onclick: () => patchUser(u, { disabled: !u.disabled },
              h('p', { class: 'result-box good', role: 'status' }, `${u.name} ${u.disabled ? 'enabled' : 'disabled'}.`)),
          }, u.disabled ? 'Enable' : 'Disable'),
          h('button', { type: 'button', class: 'btn btn-small', dataset: { resetUser: u.name }, onclick: () => resetPassword(u) }, 'Reset password'),
          h('button', { type: 'button', class: 'btn btn-small btn-danger', dataset: { deleteUser: u.name }, onclick: () => removeUser(u) }, 'Delete')),
      },
    ],
  });
  usersP.body.append(uForm, uResult, users.el);

  // --- tokens
  const tokensP = panel('API tokens', { subtitle: 'for scripts: Authorization: Bearer pst_…' });
  const tName = h('input', { id: 'token-new-name', type: 'text', required: true, maxlength: '128', autocomplete: 'off', spellcheck: 'false' });
  const tRole = roleSelect('token-new-role', 'viewer', 'role of the new token');
  const tDays = h('input', { id: 'token-new-days', type: 'number', min: '1', max: String(MAX_TOKEN_DAYS), placeholder: 'never', class: 'w-narrow' });
  const tResult = h('div', { id: 'token-result', 'aria-live': 'polite' });
  const tForm = h('form', {
    id: 'token-create', class: 'inline-form',
    onsubmit: async (ev) => {
      ev.preventDefault();
      const body = { name: tName.value.trim(), role: tRole.value };
      if (tDays.value.trim()) body.expires_in_days = Number(tDays.value);
      try {
        const r = await apiPostJson('/api/tokens', body);
        tForm.reset();
        setChildren(tResult, secretBox('new-token',
          `Token ${r.name} (${r.role}) created${r.expires_at ? `, valid until ${new Date(r.expires_at).toLocaleString()}` : ', valid until revoked'}:`, r.token));
        tokens.load(true);
      } catch (err) {
        setChildren(tResult, h('p', { class: 'result-box bad', role: 'alert' }, `Not created: ${err.message}`));
      }
    },
  },
  field('token-new-name', 'Name', tName), field('token-new-role', 'Role', tRole), field('token-new-days', 'Expires after (days)', tDays),
  h('button', { type: 'submit', class: 'btn btn-primary', id: 'token-create-submit' }, 'Create token'));

  async function revoke(t) {
    // eslint-disable-next-line no-alert
    if (!window.confirm(`Revoke token ${t.name} (${t.prefix}…)? Scripts using it stop working at once.`)) return;
    try {
      await apiJson(`/api/tokens/${t.id}`, { method: 'DELETE' });
      setChildren(tResult, h('p', { class: 'result-box', role: 'status' }, `Token ${t.name} revoked.`));
      tokensP.clearStatus();
    } catch (err) {
      tokensP.setError(`Revoke ${t.name}: ${err.message}`);
    }
    tokens.load(true);
  }

  const tokens = new ListView({
    endpoint: '/api/tokens', name: 'tokens', tableId: 'tokens-table', caption: 'API tokens', prefix: 't_', scopeKeys: [],
    filters: [
      { key: 'q', label: 'Name contains' },
      { key: 'state', label: 'State', type: 'select', options: [['', 'any'], ['active', 'active'], ['expired', 'expired'], ['revoked', 'revoked']] },
    ],
    apiFilters: ['q', 'state'], sorts: ['id'], defaultSort: 'id', pageSize: 25, rowKey: (t) => String(t.id),
    emptyText: 'No tokens match.',
    columns: [
      { key: 'id', label: 'Id', num: true, sort: 'id' },
      { key: 'name', label: 'Name', render: (t) => h('strong', null, t.name) },
      { key: 'prefix', label: 'Starts with', render: (t) => h('code', null, `${t.prefix}…`) },
      { key: 'role', label: 'Role', render: (t) => badge(t.role) },
      { key: 'state', label: 'State', render: (t) => badge(t.state, TOKEN_STATE_KIND[t.state] || '') },
      { key: 'by', label: 'Made by', render: (t) => t.created_by || muted('command line') },
      { key: 'created', label: 'Created', render: (t) => timeEl(t.created_at) },
      { key: 'expires', label: 'Expires', render: (t) => (t.expires_at ? timeEl(t.expires_at) : muted('never')) },
      { key: 'used', label: 'Last used', render: (t) => (t.last_used_at ? timeEl(t.last_used_at) : muted('never')) },
      {
        key: 'act', label: '', render: (t) => (t.state === 'revoked' ? null
          : h('button', { type: 'button', class: 'btn btn-small btn-danger', dataset: { revoke: t.name }, onclick: () => revoke(t) }, 'Revoke')),
      },
    ],
  });
  tokensP.body.append(tForm, tResult, tokens.el);

  // --- audit
  const auditP = panel('Audit log', { subtitle: 'newest first' });
  const audit = new ListView({
    endpoint: '/api/audit', name: 'audit', tableId: 'audit-table', caption: 'Audit log', prefix: 'a_', scopeKeys: [],
    filters: [
      { key: 'actor', label: 'Actor contains' },
      { key: 'q', label: 'Action contains', placeholder: 'e.g. login' },
      { key: 'actor_kind', label: 'Kind', type: 'select', options: [['', 'any'], ['user', 'user'], ['token', 'token'], ['anonymous', 'anonymous'], ['cli', 'command line']] },
    ],
    apiFilters: ['actor', 'q', 'actor_kind'], sorts: ['id'], defaultSort: 'id', pageSize: 50, rowKey: (a) => String(a.id),
    emptyText: 'No audit entries match.',
    columns: [
      { key: 'at', label: 'When', render: (a) => timeEl(a.at) },
      { key: 'actor', label: 'Actor', render: (a) => a.actor || muted('anonymous') },
      { key: 'kind', label: 'Kind', render: (a) => a.actor_kind },
      { key: 'role', label: 'Role', render: (a) => a.role || '' },
      { key: 'action', label: 'Action', className: 'wrap', render: (a) => h('code', null, a.action) },
      { key: 'status', label: 'Status', num: true, render: (a) => (a.status === null || a.status === undefined ? '' : badge(String(a.status), a.status >= 400 ? 'bad' : 'good')) },
      { key: 'client', label: 'Client', render: (a) => (a.client_addr ? h('span', { class: 'mono' }, a.client_addr) : '') },
      { key: 'detail', label: 'Detail', className: 'wrap', render: (a) => (a.detail ? h('code', { class: 'audit-detail' }, JSON.stringify(a.detail)) : '') },
    ],
  });
  auditP.body.append(audit.el);

  root.append(h('div', { class: 'page-head' }, h('h1', null, 'Admin'), h('span', { class: 'sub' }, 'Users, API tokens and the audit log')),
    usersP.el, tokensP.el, auditP.el);

  const lists = [users, tokens, audit];
  const sync = () => { for (const l of lists) l.update(ctx.params, {}); };
  sync();
  return {
    update(c) { ctx = c; sync(); },
    destroy() { for (const l of lists) l.destroy(); },
  };
}
