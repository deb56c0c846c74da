// ui/table.js - data tables. DataTable draws rows (replacing them only when
// the data changed, so live refreshes neither flicker nor lose the scroll
// position or the selected row). ListView binds a DataTable to a list
// endpoint: filters, sort and keyset cursor in the URL, Prev/Next, and
// CSV/JSON export links for the whole filtered result (analyst and above;
// for other roles the export helpers return an empty fragment).

import { h, setChildren } from '../dom.js';
import { apiGet, apiUrl, isAbort } from '../api.js';
import { can } from '../auth.js';
import { patchParams, pick } from '../state.js';
import { formatCount } from '../format.js';

let tableSeq = 0;

export class DataTable {
  /**
   * columns: [{key, label, render?(row) -> Node|string, num?, sort?, title?, className?}]
   * opts: {caption, rowKey(row), onSelect(row), emptyText, sortKey, order, onSort(key)}
   */
  constructor(columns, opts = {}) {
    tableSeq += 1;
    this.columns = columns;
    this.opts = opts;
    this.rows = [];
    this.signature = null;
    this.selectedKey = null;
    this.thead = h('thead');
    this.tbody = h('tbody');
    this.table = h('table', { class: 'data', id: opts.id || null },
      opts.caption ? h('caption', { class: 'sr-only' }, opts.caption) : null, this.thead, this.tbody);
    this.wrap = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': opts.caption || 'table' }, this.table);
    this.el = this.wrap;
    this.renderHead();
  }

  renderHead() {
    const { sortKey, order, onSort } = this.opts;
    const cells = this.columns.map((c) => {
      const cls = [c.num ? 'num' : '', c.className || ''].join(' ').trim() || null;
      if (c.sort && onSort) {
        const active = sortKey === c.sort;
        const arrow = active ? (order === 'asc' ? ' ▲' : ' ▼') : '';
        const btn = h('button', {
          type: 'button', class: 'sort-btn', dataset: { sort: c.sort },
          title: `sort by ${c.label}`, onclick: () => onSort(c.sort),
        }, c.label, h('span', { class: 'sort-arrow', 'aria-hidden': 'true' }, arrow));
        return h('th', { scope: 'col', class: cls, 'aria-sort': active ? (order === 'asc' ? 'ascending' : 'descending') : null }, btn);
      }
      return h('th', { scope: 'col', class: cls, title: c.title || null }, c.label);
    });
    setChildren(this.thead, h('tr', null, cells));
  }

  setSort(sortKey, order) {
    this.opts.sortKey = sortKey;
    this.opts.order = order;
    this.renderHead();
  }

  /** Draws rows unless they equal what is shown (by JSON). */
  setRows(rows, { force = false } = {}) {
    const sig = JSON.stringify(rows);
    if (!force && sig === this.signature) return false;
    this.signature = sig;
    this.rows = rows;
    if (rows.length === 0) {
      setChildren(this.tbody, h('tr', { class: 'empty-row' },
        h('td', { colspan: String(this.columns.length) }, this.opts.emptyText || 'Nothing matches.')));
      return true;
    }
    const { rowKey, onSelect } = this.opts;
    const trs = rows.map((row, i) => {
      const key = rowKey ? rowKey(row) : String(i);
      const tr = h('tr', { dataset: { key } });
      if (onSelect) {
        tr.classList.add('selectable');
        tr.addEventListener('click', (ev) => {
          if (ev.target.closest('a, button, input, select')) return;
          this.select(key);
        });
      }
      if (key === this.selectedKey) tr.classList.add('selected');
      for (const c of this.columns) {
        const v = c.render ? c.render(row) : row[c.key];
        const td = h('td', { class: [c.num ? 'num' : '', c.className || ''].join(' ').trim() || null });
        if (v === null || v === undefined || v === '') td.append(h('span', { class: 'muted' }, '—'));
        else if (v instanceof Node) td.append(v);
        else td.textContent = String(v);
        tr.append(td);
      }
      return tr;
    });
    this.tbody.replaceChildren(...trs);
    return true;
  }

  /** Marks the row with this key selected and tells onSelect. */
  select(key, { notify = true } = {}) {
    this.selectedKey = key;
    for (const tr of this.tbody.rows) tr.classList.toggle('selected', tr.dataset.key === key);
    const row = this.rows.find((r, i) => (this.opts.rowKey ? this.opts.rowKey(r) : String(i)) === key);
    if (notify && row && this.opts.onSelect) this.opts.onSelect(row);
  }

  /** Moves the selection by delta rows (keyboard navigation). */
  move(delta) {
    const keys = Array.from(this.tbody.rows).map((tr) => tr.dataset.key).filter(Boolean);
    if (keys.length === 0) return;
    let i = keys.indexOf(this.selectedKey);
    i = i < 0 ? 0 : Math.max(0, Math.min(keys.length - 1, i + delta));
    this.select(keys[i]);
    const tr = this.tbody.rows[i];
    if (tr) tr.scrollIntoView({ block: 'nearest' });
  }
}

// --- export ------------------------------------------------------------------

// Exports are for analysts and above: webapi refuses format= to viewers, and
// the browser-made files follow the same rule so every role sees one policy.
const mayExport = () => can('analyst');

/** CSV/JSON links to a list endpoint's export (whole filtered result); nothing without the role. */
export function exportLinks(endpoint, params, label = '') {
  if (!mayExport()) return document.createDocumentFragment();
  const mk = (fmt) => h('a', {
    class: 'btn btn-small export', href: apiUrl(endpoint, { ...params, format: fmt }),
    download: '', dataset: { format: fmt }, title: `Download ${label || 'the table'} as ${fmt.toUpperCase()} (every matching row)`,
  }, fmt.toUpperCase());
  return h('span', { class: 'export-group', role: 'group', 'aria-label': 'export' }, mk('csv'), mk('json'));
}

function csvField(v) {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV (RFC 4180) of plain objects, columns from the first row. */
export function toCsv(rows) {
  if (rows.length === 0) return '';
  const keys = Object.keys(rows[0]);
  const lines = [keys.map(csvField).join(',')];
  for (const r of rows) lines.push(keys.map((k) => csvField(r[k])).join(','));
  return lines.join('\r\n') + '\r\n';
}

/**
 * CSV/JSON buttons for a table whose data came from an overview or detail
 * endpoint (no list export there): the file is made in the browser.
 * getRows() returns the plain objects to save.
 */
export function clientExport(name, getRows) {
  if (!mayExport()) return document.createDocumentFragment();
  const save = (fmt) => {
    const rows = getRows() || [];
    const blob = fmt === 'csv'
      ? new Blob([toCsv(rows)], { type: 'text/csv;charset=utf-8' })
      : new Blob([JSON.stringify(rows, null, 1)], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: `packetsight-${name}.${fmt}` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  };
  const mk = (fmt) => h('button', {
    type: 'button', class: 'btn btn-small export', dataset: { format: fmt },
    title: `Download this table as ${fmt.toUpperCase()}`, onclick: () => save(fmt),
  }, fmt.toUpperCase());
  return h('span', { class: 'export-group', role: 'group', 'aria-label': 'export' }, mk('csv'), mk('json'));
}

// --- filters -------------------------------------------------------------------

/**
 * A filter form. fields: [{key, label, type: 'text'|'select'|'number', options: [[value, text]], placeholder, width}]
 * Values apply on submit (Enter / Apply) and on select change; they go to
 * the URL with the given prefix, which resets the cursor.
 */
export function filterForm(fields, prefix, getParams) {
  const inputs = {};
  const controls = fields.map((f) => {
    const id = `f-${prefix}${f.key}`.replace(/[^a-zA-Z0-9_-]/g, '-');
    let input;
    if (f.type === 'select') {
      input = h('select', { id, name: f.key }, f.options.map(([v, t]) => h('option', { value: v }, t)));
    } else {
      input = h('input', {
        id, name: f.key, type: f.type === 'number' ? 'number' : 'search', placeholder: f.placeholder || '',
        min: f.min ?? null, max: f.max ?? null, autocomplete: 'off', spellcheck: 'false',
        inputmode: f.inputmode || null, size: f.size || null,
      });
    }
    if (f.width) input.classList.add(`w-${f.width}`);
    inputs[f.key] = input;
    return h('label', { class: 'field', for: id }, h('span', { class: 'field-label' }, f.label), input);
  });
  const apply = () => {
    const patch = { [`${prefix}cursor`]: null };
    for (const f of fields) patch[`${prefix}${f.key}`] = inputs[f.key].value.trim() || null;
    patchParams(patch);
  };
  const reset = () => {
    const patch = { [`${prefix}cursor`]: null };
    for (const f of fields) patch[`${prefix}${f.key}`] = null;
    patchParams(patch);
  };
  for (const f of fields) if (f.type === 'select') inputs[f.key].addEventListener('change', apply);
  const form = h('form', { class: 'filters', role: 'search', onsubmit: (ev) => { ev.preventDefault(); apply(); } },
    controls,
    h('div', { class: 'filter-buttons' },
      h('button', { type: 'submit', class: 'btn btn-primary' }, 'Apply'),
      h('button', { type: 'button', class: 'btn', onclick: reset }, 'Clear')));
  // On phones the form folds away behind "Filters (n)"; wide screens always show it.
  const count = h('span', { class: 'filter-count' });
  const fold = h('details', { class: 'filters-fold' }, h('summary', null, 'Filters ', count), form);
  const wide = window.matchMedia('(min-width: 761px)');
  const openIfWide = () => { if (wide.matches) fold.open = true; };
  wide.addEventListener('change', openIfWide);
  openIfWide();
  let first = true;
  const sync = () => {
    const p = getParams();
    let active = 0;
    for (const f of fields) {
      const v = p[`${prefix}${f.key}`] || '';
      if (v) active += 1;
      if (document.activeElement !== inputs[f.key]) inputs[f.key].value = v;
    }
    count.textContent = active ? `(${active} active)` : '';
    if (first && active) fold.open = true;
    first = false;
  };
  return { el: fold, inputs, sync };
}

// --- ListView --------------------------------------------------------------------

/**
 * A filtered, sorted, paged list bound to the URL.
 * spec: {endpoint, name, filters, apiFilters (keys sent to the API besides
 *   scope), sorts: [key...], defaultSort, columns, pageSize, prefix,
 *   rowKey, onSelect, emptyText, caption, scopeKeys (default capture/from/to),
 *   fixed: {} (extra API parameters always sent)}
 */
export class ListView {
  constructor(spec) {
    this.spec = { pageSize: 50, prefix: '', scopeKeys: ['capture', 'from', 'to'], fixed: {}, ...spec };
    const p = this.spec.prefix;
    this.cursorStack = [];
    this.lastCursor = undefined;
    this.params = {};
    this.scope = {};
    this.ctl = null;
    this.form = spec.filters && spec.filters.length
      ? filterForm(spec.filters, p, () => this.params) : null;
    this.table = new DataTable(spec.columns, {
      caption: spec.caption, id: spec.tableId, rowKey: spec.rowKey, onSelect: spec.onSelect,
      emptyText: spec.emptyText, sortKey: this.sort(), order: this.order(),
      onSort: spec.sorts ? (k) => this.toggleSort(k) : null,
    });
    this.info = h('span', { class: 'list-info', 'aria-live': 'polite' });
    this.exportSlot = h('span', { class: 'export-slot' });
    this.prevBtn = h('button', { type: 'button', class: 'btn btn-small', dataset: { page: 'prev' }, onclick: () => this.prev() }, '‹ Prev');
    this.firstBtn = h('button', { type: 'button', class: 'btn btn-small', dataset: { page: 'first' }, onclick: () => this.first() }, '« First');
    this.nextBtn = h('button', { type: 'button', class: 'btn btn-small', dataset: { page: 'next' }, onclick: () => this.next() }, 'Next ›');
    this.error = h('div', { class: 'panel-status error', role: 'alert', hidden: true });
    this.el = h('div', { class: 'list-view', dataset: { list: spec.name } },
      this.form ? this.form.el : null,
      h('div', { class: 'list-toolbar' }, this.info,
        h('span', { class: 'pager' }, this.firstBtn, this.prevBtn, this.nextBtn), this.exportSlot),
      this.error,
      this.table.el);
    this.nextCursor = null;
    this.signatureless = true; // the first update always loads
  }

  key(k) { return `${this.spec.prefix}${k}`; }
  sort() { return this.params[this.key('sort')] || this.spec.defaultSort || (this.spec.sorts && this.spec.sorts[0]) || null; }
  order() { return this.params[this.key('order')] || 'desc'; }
  cursor() { return this.params[this.key('cursor')] || null; }

  toggleSort(k) {
    const order = this.sort() === k && this.order() === 'desc' ? 'asc' : 'desc';
    this.cursorStack = [];
    patchParams({ [this.key('sort')]: k === this.spec.defaultSort ? null : k, [this.key('order')]: order === 'desc' ? null : order, [this.key('cursor')]: null });
  }

  next() {
    if (!this.nextCursor) return;
    this.cursorStack.push(this.cursor());
    patchParams({ [this.key('cursor')]: this.nextCursor });
  }

  prev() {
    if (this.cursorStack.length === 0) return this.first();
    const c = this.cursorStack.pop();
    patchParams({ [this.key('cursor')]: c });
  }

  first() {
    this.cursorStack = [];
    patchParams({ [this.key('cursor')]: null });
  }

  /** The API parameters of the current filters (without sort/cursor). */
  filterParams() {
    const out = { ...pick(this.scope, this.spec.scopeKeys), ...this.spec.fixed };
    for (const k of this.spec.apiFilters || []) {
      const v = this.params[this.key(k)];
      if (v) out[k] = v;
    }
    return out;
  }

  /** Call with the page's URL params and the resolved scope; fetches when they changed. */
  update(params, scope, problem = null) {
    if (problem) {
      if (this.ctl) this.ctl.abort();
      this.params = params;
      this.signatureless = true;
      this.error.hidden = false;
      this.error.className = 'panel-status empty';
      this.error.textContent = problem;
      this.table.setRows([]);
      this.info.textContent = '';
      return Promise.resolve();
    }
    this.error.className = 'panel-status error';
    const before = JSON.stringify([this.filterParams(), this.sort(), this.order(), this.cursor()]);
    this.params = params;
    this.scope = scope;
    if (this.form) this.form.sync();
    this.table.setSort(this.sort(), this.order());
    const after = JSON.stringify([this.filterParams(), this.sort(), this.order(), this.cursor()]);
    const fp = this.filterParams();
    const sortParams = this.spec.sorts ? { sort: this.sort(), order: this.order() } : {};
    this.exportSlot.replaceChildren(exportLinks(this.spec.endpoint, { ...fp, ...sortParams }, this.spec.name));
    if (before !== after || this.signatureless) {
      this.signatureless = false;
      if (!this.cursor()) this.cursorStack = [];
      return this.load(false);
    }
    return Promise.resolve();
  }

  /** Live refresh: only the first page follows new rows. */
  refresh() {
    if (this.cursor() || this.signatureless) return Promise.resolve();
    return this.load(true);
  }

  async load(quiet) {
    if (this.ctl) this.ctl.abort();
    const ctl = new AbortController();
    this.ctl = ctl;
    const q = { ...this.filterParams(), limit: this.spec.pageSize };
    if (this.spec.sorts) { q.sort = this.sort(); q.order = this.order(); }
    if (this.cursor()) q.cursor = this.cursor();
    if (!quiet) this.el.classList.add('loading');
    try {
      const page = await apiGet(this.spec.endpoint, q, { signal: ctl.signal });
      if (ctl.signal.aborted) return;
      this.error.hidden = true;
      this.nextCursor = page.next_cursor || null;
      this.table.setRows(page.items || []);
      const n = (page.items || []).length;
      const pageNo = this.cursorStack.length + 1;
      this.info.textContent = n === 0 ? 'no rows'
        : `${formatCount(n)} row${n === 1 ? '' : 's'} · page ${this.cursor() && this.cursorStack.length === 0 ? '…' : pageNo}${this.nextCursor ? ' · more' : ''}`;
      this.nextBtn.disabled = !this.nextCursor;
      this.prevBtn.disabled = !this.cursor();
      this.firstBtn.disabled = !this.cursor();
      if (this.spec.onLoad) this.spec.onLoad(page.items || []);
    } catch (err) {
      if (isAbort(err)) return;
      this.error.hidden = false;
      this.error.textContent = err.message;
      if (!quiet) {
        this.table.setRows([]);
        this.info.textContent = '';
      }
    } finally {
      if (this.ctl === ctl) {
        this.ctl = null;
        this.el.classList.remove('loading');
      }
    }
  }

  destroy() {
    if (this.ctl) this.ctl.abort();
  }
}
