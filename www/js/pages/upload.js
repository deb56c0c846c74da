// pages/upload.js - upload a capture file: drag and drop or pick a file,
// check it with /api/validate-pcap (only its first 1 MiB travels), upload
// it with a progress bar (XHR upload events), then follow the analysis job
// (/api/jobs/{id}) to the resulting capture. Below: past jobs and captures.
// The job being followed is kept in the URL (?job=N), so a reload resumes.
// The page is for analysts and above (app.js); Delete is for operators.

import { h, setChildren } from '../dom.js';
import { apiGet, apiJson, apiUrl, csrfHeaders, describe, reportAuthRequired, ApiError } from '../api.js';
import { can } from '../auth.js';
import { formatBytes, formatCount, formatPercent, formatDuration, parseTs } from '../format.js';
import { linkTo, patchParams } from '../state.js';
import { panel, timeEl, badge, muted, bytesEl } from '../ui/common.js';
import { ListView } from '../ui/table.js';
import { Rounds } from './util.js';

const VALIDATE_BYTES = 1024 * 1024;
const JOB_POLL_MS = 700;
const STATE_KIND = { queued: '', running: 'warn', done: 'good', failed: 'bad' };

function progressBar(id, label) {
  const fill = h('span', { class: 'progress-fill' });
  const pct = h('span', { class: 'progress-pct' }, '');
  const text = h('span', { class: 'progress-text muted' }, '');
  const track = h('div', {
    class: 'progress-track', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0', 'aria-label': label,
  }, fill);
  const el = h('div', { class: 'progress', id }, h('div', { class: 'progress-head' }, h('strong', null, label), text, pct), track);
  return {
    el,
    set(frac, msg = '', state = '') {
      const f = Math.max(0, Math.min(1, Number.isFinite(frac) ? frac : 0));
      fill.style.width = `${(f * 100).toFixed(1)}%`;
      track.setAttribute('aria-valuenow', String(Math.round(f * 100)));
      pct.textContent = formatPercent(f, 0);
      text.textContent = msg;
      el.classList.toggle('done', state === 'done');
      el.classList.toggle('failed', state === 'failed');
    },
  };
}

export default function mount(root, ctx0) {
  let ctx = ctx0;
  let file = null;
  let validation = null;
  let xhr = null;
  let jobTimer = null;
  const rounds = new Rounds();

  // --- step 1: choose
  const input = h('input', { type: 'file', id: 'upload-file', class: 'file-input', accept: '.pcap,.pcapng,.cap,.dmp,application/vnd.tcpdump.pcap' });
  const drop = h('div', { class: 'dropzone', id: 'dropzone' },
    h('p', { class: 'big' }, 'Drop a .pcap or .pcapng file here'),
    h('p', { class: 'muted' }, 'or'),
    input, h('label', { for: 'upload-file', class: 'btn btn-primary' }, 'Choose a file…'),
    h('p', { class: 'muted' }, 'pcap (µs or ns, either byte order) or pcapng, up to 1 GiB. Checked before it is sent.'));
  const fileInfo = h('div', { id: 'upload-file-info', 'aria-live': 'polite' });
  const validBox = h('div', { id: 'validation', 'aria-live': 'polite' });

  // --- step 2: options and upload
  const nameIn = h('input', { id: 'upload-name', type: 'text', placeholder: 'defaults to the file name', maxlength: '200' });
  const maxIn = h('input', { id: 'upload-max-packets', type: 'number', min: '1', placeholder: 'all', class: 'w-narrow' });
  const storeIn = h('input', { id: 'upload-store-packets', type: 'checkbox', checked: true });
  const filterIn = h('input', { id: 'upload-filter', type: 'text', placeholder: 'BPF, e.g. not port 22', spellcheck: 'false' });
  const uploadBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'upload-start', disabled: true }, 'Upload and analyse');
  const cancelBtn = h('button', { type: 'button', class: 'btn', id: 'upload-cancel', hidden: true, onclick: () => { if (xhr) xhr.abort(); } }, 'Cancel');
  const options = h('form', { class: 'upload-options', onsubmit: (ev) => { ev.preventDefault(); upload(); } },
    h('label', { class: 'field', for: 'upload-name' }, h('span', { class: 'field-label' }, 'Name'), nameIn),
    h('label', { class: 'field', for: 'upload-max-packets' }, h('span', { class: 'field-label' }, 'Max packets'), maxIn),
    h('label', { class: 'field', for: 'upload-filter' }, h('span', { class: 'field-label' }, 'Filter'), filterIn),
    h('label', { class: 'field-inline', for: 'upload-store-packets' }, storeIn, h('span', null, 'store packet rows')),
    uploadBtn, cancelBtn);

  // --- step 3: progress
  const upBar = progressBar('upload-progress', 'Upload');
  const jobBar = progressBar('job-progress', 'Analysis');
  const result = h('div', { id: 'upload-result', 'aria-live': 'polite' });
  const progressBox = h('div', { class: 'upload-steps', hidden: true }, upBar.el, jobBar.el, result);

  const uploadP = panel('Upload a capture');
  uploadP.body.append(h('div', { class: 'upload-steps' }, drop, fileInfo, validBox, options, progressBox));

  // --- lists
  const jobs = new ListView({
    endpoint: '/api/jobs', name: 'jobs', tableId: 'jobs-table', caption: 'Upload jobs', prefix: 'j_', scopeKeys: [],
    filters: [{ key: 'state', label: 'State', type: 'select', options: [['', 'any'], ['queued', 'queued'], ['running', 'running'], ['done', 'done'], ['failed', 'failed']] }],
    apiFilters: ['state'], sorts: ['id'], defaultSort: 'id', pageSize: 20, rowKey: (j) => String(j.id),
    emptyText: 'No uploads yet — drop a file above.',
    columns: [
      { key: 'id', label: 'Job', num: true, sort: 'id', render: (j) => h('a', { href: linkTo('upload', null, { job: String(j.id) }) }, `#${j.id}`) },
      { key: 'file_name', label: 'File', className: 'wrap', render: (j) => j.file_name || '' },
      { key: 'size', label: 'Size', num: true, render: (j) => bytesEl(j.size) },
      { key: 'state', label: 'State', render: (j) => badge(j.state, STATE_KIND[j.state]) },
      { key: 'progress', label: 'Progress', num: true, render: (j) => formatPercent(j.progress, 0) },
      { key: 'packets', label: 'Packets', num: true, render: (j) => formatCount(j.packets_done) },
      { key: 'capture', label: 'Capture', render: (j) => (j.capture_id ? h('a', { href: linkTo('dashboard', null, { capture: String(j.capture_id) }) }, `#${j.capture_id}`) : '') },
      { key: 'created', label: 'Uploaded', render: (j) => timeEl(j.created_at) },
      { key: 'took', label: 'Took', num: true, render: (j) => (j.finished_at && j.started_at ? formatDuration((parseTs(j.finished_at) - parseTs(j.started_at)) / 1000) : '') },
      { key: 'error', label: 'Error', className: 'wrap', render: (j) => (j.error ? h('span', { class: 'bad' }, j.error) : '') },
    ],
  });
  const captures = new ListView({
    endpoint: '/api/captures', name: 'captures', tableId: 'captures-table', caption: 'Captures', prefix: 'c_', scopeKeys: ['from', 'to'],
    filters: [
      { key: 'q', label: 'Source contains', placeholder: 'file or interface' },
      { key: 'kind', label: 'Kind', type: 'select', options: [['', 'any'], ['file', 'file'], ['live', 'live']] },
      { key: 'status', label: 'Status', type: 'select', options: [['', 'any'], ['running', 'running'], ['done', 'done'], ['failed', 'failed']] },
    ],
    apiFilters: ['q', 'kind', 'status'], sorts: ['id', 'started_at', 'packets', 'bytes'], defaultSort: 'id', pageSize: 20,
    rowKey: (c) => String(c.id),
    emptyText: 'No captures yet — upload a file or start a capture.',
    columns: [
      { key: 'id', label: 'Capture', num: true, sort: 'id', render: (c) => h('a', { href: linkTo('dashboard', null, { capture: String(c.id) }) }, `#${c.id}`) },
      { key: 'kind', label: 'Kind', render: (c) => badge(c.kind) },
      { key: 'source', label: 'Source', className: 'wrap', render: (c) => c.source || '' },
      { key: 'status', label: 'Status', render: (c) => badge(c.status, STATE_KIND[c.status] || '') },
      { key: 'packets', label: 'Packets', num: true, sort: 'packets', render: (c) => formatCount(c.packets) },
      { key: 'bytes', label: 'Bytes', num: true, sort: 'bytes', render: (c) => bytesEl(c.bytes) },
      { key: 'flows', label: 'Flows', num: true, render: (c) => formatCount(c.flows) },
      { key: 'started', label: 'Started', sort: 'started_at', render: (c) => timeEl(c.started_at) },
      { key: 'span', label: 'Traffic from', render: (c) => timeEl(c.first_ts) },
      {
        key: 'act', label: '', render: (c) => h('span', { class: 'row-actions' },
          h('a', { class: 'btn btn-small', href: linkTo('flows', null, { capture: String(c.id) }) }, 'Flows'),
          c.status !== 'running' && can('operator') ? h('button', { type: 'button', class: 'btn btn-small btn-danger', dataset: { delete: String(c.id) }, onclick: () => removeCapture(c) }, 'Delete') : null),
      },
    ],
  });
  const jobsP = panel('Uploads and jobs');
  jobsP.body.append(jobs.el);
  const capsP = panel('Captures');
  capsP.body.append(captures.el);
  root.append(h('div', { class: 'page-head' }, h('h1', null, 'Upload'), h('span', { class: 'sub' }, 'Analyse a capture file with the same pipeline as live traffic')),
    uploadP.el, jobsP.el, capsP.el);

  // --- behaviour

  async function removeCapture(c) {
    // eslint-disable-next-line no-alert
    if (!window.confirm(`Delete capture #${c.id} (${c.source}) and all its flows, packets and events?`)) return;
    try {
      const r = await apiJson(`/api/captures/${c.id}`, { method: 'DELETE' });
      capsP.setEmpty(`Deleted capture #${r.deleted} (${formatCount(r.rows && r.rows.flows)} flows, ${formatCount(r.rows && r.rows.packets)} packets).`);
      captures.load(true);
    } catch (err) {
      capsP.setError(`Delete failed: ${err.message}`);
    }
  }

  function chooseFile(f) {
    file = f;
    validation = null;
    uploadBtn.disabled = true;
    setChildren(result);
    if (!f) return;
    setChildren(fileInfo, h('p', null, h('strong', { id: 'chosen-name' }, f.name), ` · ${formatBytes(f.size)} (${formatCount(f.size)} bytes)`));
    if (f.size === 0) {
      setChildren(validBox, h('div', { class: 'result-box bad', role: 'alert' }, 'The file is empty.'));
      return;
    }
    validate(f);
  }

  async function validate(f) {
    setChildren(validBox, h('p', { class: 'muted' }, 'Checking the file…'));
    const sliced = f.size > VALIDATE_BYTES;
    try {
      const v = await apiJson(apiUrl('/api/validate-pcap', { name: f.name }), {
        method: 'POST',
        body: sliced ? f.slice(0, VALIDATE_BYTES) : f,
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      if (file !== f) return;
      validation = v;
      const first = (v.first_packets || [])[0];
      setChildren(validBox, h('div', { class: 'result-box good', id: 'validation-ok' },
        h('p', null, h('strong', null, `Valid ${v.format} file`), ` · ${v.linktype_name || 'linktype'} (${v.linktype}) · ${v.byte_order}-endian${v.precision ? ` · ${v.precision} timestamps` : ''} · version ${v.version || '?'} · snaplen ${formatCount(v.snaplen)}`),
        h('p', { class: 'muted' }, `${formatCount(v.packets_checked)} packets checked in the first ${formatBytes(v.bytes_checked)}`,
          first ? [' · first packet ', timeEl(first.ts)] : ''),
        v.truncated && !sliced ? h('p', { class: 'warn' }, `The file ends inside a packet record${v.warning ? `: ${v.warning}` : ''}. It can still be analysed up to that point.`) : null));
      uploadBtn.disabled = false;
      if (!nameIn.value) nameIn.placeholder = f.name;
    } catch (err) {
      if (file !== f) return;
      setChildren(validBox, h('div', { class: 'result-box bad', role: 'alert', id: 'validation-error' },
        h('strong', null, 'Not a capture PacketSight can read: '), err.message));
    }
  }

  function upload() {
    if (!file || !validation || xhr) return;
    const fd = new FormData();
    fd.append('file', file, file.name);
    if (nameIn.value.trim()) fd.append('name', nameIn.value.trim());
    if (maxIn.value.trim()) fd.append('max_packets', maxIn.value.trim());
    fd.append('store_packets', storeIn.checked ? 'true' : 'false');
    if (filterIn.value.trim()) fd.append('filter', filterIn.value.trim());
    progressBox.hidden = false;
    setChildren(result);
    upBar.set(0, `sending ${formatBytes(file.size)}`);
    jobBar.set(0, 'waits for the upload');
    uploadBtn.disabled = true;
    cancelBtn.hidden = false;
    const started = performance.now();
    xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/upload-pcap');
    xhr.setRequestHeader('Accept', 'application/json');
    for (const [k, v] of Object.entries(csrfHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.addEventListener('progress', (ev) => {
      if (!ev.lengthComputable) return;
      const secs = (performance.now() - started) / 1000;
      const rate = secs > 0 ? ev.loaded / secs : 0;
      upBar.set(ev.loaded / ev.total, `${formatBytes(ev.loaded)} of ${formatBytes(ev.total)}${rate ? ` · ${formatBytes(rate)}/s` : ''}`);
    });
    const finish = () => {
      xhr = null;
      cancelBtn.hidden = true;
      uploadBtn.disabled = !validation;
    };
    xhr.addEventListener('load', () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      const status = xhr.status;
      finish();
      if (status === 202 && body && body.job_id) {
        upBar.set(1, `${formatBytes(body.size)} stored · sha256 ${String(body.sha256 || '').slice(0, 16)}…`, 'done');
        patchParams({ job: String(body.job_id) }, { replace: false });
      } else {
        upBar.set(0, '', 'failed');
        const msg = describe(status, body, '/api/upload-pcap');
        if (status === 401) reportAuthRequired(new ApiError(msg, { status, body, url: '/api/upload-pcap' }));
        setChildren(result, h('div', { class: 'result-box bad', role: 'alert' }, `Upload refused: ${msg}`));
      }
    });
    xhr.addEventListener('error', () => {
      finish();
      upBar.set(0, '', 'failed');
      setChildren(result, h('div', { class: 'result-box bad', role: 'alert' }, 'The upload failed: the connection to the server broke.'));
    });
    xhr.addEventListener('abort', () => {
      finish();
      upBar.set(0, 'cancelled', 'failed');
    });
    xhr.send(fd);
  }

  function stopJobPoll() {
    clearTimeout(jobTimer);
    jobTimer = null;
  }

  async function followJob(id) {
    stopJobPoll();
    progressBox.hidden = false;
    await rounds.run(async (signal) => {
      let j;
      try {
        j = await apiGet(`/api/jobs/${encodeURIComponent(id)}`, null, { signal });
      } catch (err) {
        if (signal.aborted) return;
        jobBar.set(0, '', 'failed');
        setChildren(result, h('div', { class: 'result-box bad', role: 'alert' }, err.status === 404 ? `There is no job #${id}.` : `Job #${id}: ${err.message}`));
        return;
      }
      if (String(ctx.params.job) !== String(id)) return;
      const msg = `job #${j.id} ${j.file_name ? `(${j.file_name}) ` : ''}${j.state}`
        + `${j.packets_done ? ` · ${formatCount(j.packets_done)} packets` : ''}${j.attempts > 1 ? ` · attempt ${j.attempts}/${j.max_attempts}` : ''}`;
      jobBar.set(j.state === 'done' ? 1 : j.progress, msg, j.state);
      jobBar.el.dataset.state = j.state;
      if (j.state === 'done' && !j.capture_id) {
        setChildren(result, h('div', { class: 'result-box', id: 'job-done' }, `Job #${j.id} (${j.file_name}) is done, but its capture has since been deleted.`));
        return;
      }
      if (j.state === 'done') {
        const cap = String(j.capture_id);
        setChildren(result, h('div', { class: 'result-box good', id: 'job-done' },
          h('p', null, h('strong', null, `Done: ${j.file_name} is capture #${cap}`), ` · ${formatCount(j.packets_done)} packets`),
          h('div', { class: 'result-links' },
            h('a', { class: 'btn btn-primary', id: 'job-capture-link', href: linkTo('dashboard', null, { capture: cap, range: '', from: '', to: '' }) }, `Open capture #${cap}`),
            h('a', { class: 'btn', href: linkTo('flows', null, { capture: cap }) }, 'Its flows'),
            h('a', { class: 'btn', href: linkTo('packets', null, { capture: cap }) }, 'Its packets'))));
        jobs.load(true);
        captures.load(true);
        return;
      }
      if (j.state === 'failed') {
        setChildren(result, h('div', { class: 'result-box bad', role: 'alert', id: 'job-failed' }, `The analysis failed: ${j.error || 'no reason recorded'}`));
        jobs.load(true);
        return;
      }
      setChildren(result, muted(j.state === 'queued' ? 'Waiting for a job worker of the captured daemon…' : 'Analysing…'));
      jobTimer = setTimeout(() => followJob(id), JOB_POLL_MS);
    });
  }

  input.addEventListener('change', () => chooseFile(input.files && input.files[0]));
  for (const ev of ['dragenter', 'dragover']) {
    drop.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.add('over'); });
  }
  for (const ev of ['dragleave', 'drop']) drop.addEventListener(ev, () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    const f = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
    if (f) chooseFile(f);
  });

  function sync() {
    jobs.update(ctx.params, ctx.scope);
    captures.update(ctx.params, ctx.scope);
    if (ctx.params.job && /^[1-9][0-9]*$/.test(ctx.params.job)) {
      if (jobBar.el.dataset.following !== ctx.params.job) {
        jobBar.el.dataset.following = ctx.params.job;
        jobBar.set(0, `job #${ctx.params.job}`);
        followJob(ctx.params.job);
      }
    } else {
      stopJobPoll();
      jobBar.el.dataset.following = '';
    }
  }
  sync();

  return {
    update(c) { ctx = c; sync(); },
    refresh(c) { ctx = c; return Promise.all([jobs.refresh(), captures.refresh()]); },
    destroy() {
      stopJobPoll();
      rounds.abort();
      jobs.destroy();
      captures.destroy();
      // An upload in flight goes on: the job appears in the list when done.
    },
  };
}
