// statusbar.js - the capture bar under the header: the sensor's state and
// heartbeat, live numbers while a capture runs (packets, bytes, rates,
// drops), and Start/Stop with an interface and a BPF filter chosen from
// what the sensor offers (/api/interfaces). Start/Stop become request rows
// that the daemon answers; we poll /api/capture-requests/{id} for the answer.
// The controls exist only for operators and admins (setControls); everyone
// else sees the state and the numbers.

import { h, setChildren } from './dom.js';
import { apiGet, apiPostJson, isAbort } from './api.js';
import { formatAge, formatBytes, formatCount, formatPacketRate, formatBitRate } from './format.js';
import { linkTo } from './state.js';

const STALE_S = 30;

/** Sums what the daemon reports for its running captures (read defensively). */
export function liveNumbers(sensor) {
  const st = sensor && sensor.status && typeof sensor.status === 'object' ? sensor.status : {};
  const caps = Array.isArray(st.captures) ? st.captures : [];
  const sum = { packets: 0, bytes: 0, drops: 0, flows: 0, interfaces: [], captureIds: [] };
  for (const c of caps) {
    sum.packets += Number(c.packets) || 0;
    sum.bytes += Number(c.bytes) || 0;
    sum.drops += Number(c.drops) || 0;
    sum.flows += Number(c.flows) || 0;
    if (c.interface) sum.interfaces.push(c.interface);
    if (c.capture_id) sum.captureIds.push(c.capture_id);
  }
  return sum;
}

/**
 * How many packets/bytes the running captures in scope hold beyond what
 * their capture rows say: the daemon counts live in sensors.status but
 * fills captures.packets/bytes only when a capture ends. captureId null
 * means every running capture. Returns {packets, bytes} to add.
 */
export function liveSurplus(status, captureId = null) {
  const out = { packets: 0, bytes: 0 };
  if (!status) return out;
  const rows = new Map((status.live_captures || []).map((c) => [String(c.id), c]));
  for (const s of status.sensors || []) {
    const caps = s && s.status && Array.isArray(s.status.captures) ? s.status.captures : [];
    for (const c of caps) {
      const id = String(c.capture_id || '');
      if (!id || (captureId && id !== String(captureId))) continue;
      const row = rows.get(id) || { packets: 0, bytes: 0 };
      out.packets += Math.max(0, (Number(c.packets) || 0) - (row.packets || 0));
      out.bytes += Math.max(0, (Number(c.bytes) || 0) - (row.bytes || 0));
    }
  }
  return out;
}

export class StatusBar {
  /** onChange(status) is called after every poll with the parsed answer. */
  constructor(root, { onChange }) {
    this.root = root;
    this.onChange = onChange;
    this.status = null;
    this.prevSample = null;
    this.rates = { pps: null, bps: null };
    this.busy = false;

    this.dot = h('span', { class: 'dot dot-unknown', 'aria-hidden': 'true' });
    this.stateText = h('span', { id: 'capture-state', class: 'cap-state-text' }, 'checking the sensor…');
    this.nums = {
      packets: h('strong', { id: 'live-packets', 'data-value': '' }, '—'),
      bytes: h('strong', { id: 'live-bytes', 'data-value': '' }, '—'),
      pps: h('strong', { id: 'live-pps' }, '—'),
      bps: h('strong', { id: 'live-bps' }, '—'),
      drops: h('strong', { id: 'live-drops', 'data-value': '' }, '—'),
    };
    this.numsEl = h('dl', { class: 'live-numbers', hidden: true, 'aria-live': 'off' },
      h('div', null, h('dt', null, 'packets'), h('dd', null, this.nums.packets)),
      h('div', null, h('dt', null, 'bytes'), h('dd', null, this.nums.bytes)),
      h('div', null, h('dt', null, 'rate'), h('dd', null, this.nums.pps, ' · ', this.nums.bps)),
      h('div', null, h('dt', null, 'drops'), h('dd', null, this.nums.drops)));
    this.iface = h('select', { id: 'capture-interface', 'aria-label': 'interface to capture on' },
      h('option', { value: '' }, 'loading interfaces…'));
    this.filter = h('input', {
      id: 'capture-filter', type: 'text', placeholder: 'BPF filter, e.g. tcp port 443', 'aria-label': 'capture filter (BPF)',
      autocomplete: 'off', spellcheck: 'false', maxlength: '1024',
    });
    this.startBtn = h('button', { id: 'capture-start', type: 'submit', class: 'btn btn-primary' }, 'Start');
    this.stopBtn = h('button', { id: 'capture-stop', type: 'button', class: 'btn btn-danger', onclick: () => this.stop() }, 'Stop');
    this.message = h('span', { id: 'capture-message', class: 'cap-message', role: 'status', 'aria-live': 'polite' });
    this.controlsOn = false;
    this.interfacesLoaded = false;
    const form = h('form', { class: 'cap-controls', id: 'capture-controls', onsubmit: (ev) => { ev.preventDefault(); this.start(); } },
      this.iface, this.filter, this.startBtn, this.stopBtn);
    // On phones the controls fold away behind this button (CSS shows it).
    this.toggle = h('button', {
      type: 'button', class: 'btn btn-small cap-toggle', id: 'capture-toggle', 'aria-expanded': 'false', 'aria-controls': 'capture-controls',
      onclick: () => {
        const open = !root.classList.contains('open');
        root.classList.toggle('open', open);
        this.toggle.setAttribute('aria-expanded', String(open));
      },
    }, 'Capture…');
    this.form = form;
    setChildren(root,
      h('div', { class: 'cap-state' }, this.dot, this.stateText, this.toggle),
      this.numsEl, form, this.message);
    this.setControls(false);
  }

  /** Shows (operator and above) or removes Start/Stop; interfaces load on first show. */
  setControls(on) {
    this.controlsOn = !!on;
    // Not in the document at all when off: nothing to find, focus or submit.
    if (on && !this.form.isConnected) this.numsEl.after(this.form);
    if (!on) this.form.remove();
    this.toggle.hidden = !on;
    if (!on) {
      this.root.classList.remove('open');
      this.say('');
    }
    if (on && !this.interfacesLoaded) {
      this.interfacesLoaded = true;
      this.loadInterfaces();
    }
  }

  async loadInterfaces() {
    try {
      const r = await apiGet('/api/interfaces');
      const list = Array.isArray(r.interfaces) ? r.interfaces : [];
      const up = list.filter((i) => i.up !== false);
      const down = list.filter((i) => i.up === false);
      const opt = (i) => h('option', { value: i.name },
        `${i.name}${i.addresses && i.addresses.length ? ` (${i.addresses.slice(0, 2).join(', ')})` : ''}${i.description ? ` — ${i.description}` : ''}`);
      const prev = this.iface.value;
      if (list.length === 0) {
        setChildren(this.iface, h('option', { value: '' }, 'no interfaces reported'));
      } else {
        setChildren(this.iface, up.map(opt), down.length ? h('optgroup', { label: 'down' }, down.map(opt)) : null);
        const lo = list.find((i) => i.loopback);
        const firstReal = up.find((i) => !i.loopback && i.name !== 'any');
        this.iface.value = prev || (firstReal || lo || list[0]).name;
      }
    } catch (err) {
      this.interfacesLoaded = false; // try again on the next setControls(true)
      setChildren(this.iface, h('option', { value: '' }, 'interfaces unavailable'));
      if (this.controlsOn) this.say(`Interfaces: ${err.message}`, 'error');
    }
  }

  say(text, kind = '') {
    this.message.textContent = text;
    this.message.className = `cap-message ${kind}`.trim();
  }

  sensor() {
    const s = this.status && Array.isArray(this.status.sensors) ? this.status.sensors : [];
    if (s.length === 0) return null;
    return s.slice().sort((a, b) => (a.heartbeat_age_s ?? 1e9) - (b.heartbeat_age_s ?? 1e9))[0];
  }

  async poll() {
    let st;
    try {
      st = await apiGet('/api/capture-status', null, { timeout: 8000 });
    } catch (err) {
      if (isAbort(err)) return this.status;
      this.dot.className = 'dot dot-bad';
      this.stateText.textContent = `Capture status unavailable: ${err.message}`;
      this.onChange(null, err);
      return null;
    }
    this.status = st;
    this.render();
    this.onChange(st, null);
    return st;
  }

  render() {
    const s = this.sensor();
    const capturing = !!(s && s.capturing);
    const age = s ? s.heartbeat_age_s : null;
    const stale = s && typeof age === 'number' && age > STALE_S;
    this.root.classList.toggle('capturing', capturing && !stale);
    if (!s) {
      this.dot.className = 'dot dot-unknown';
      this.stateText.textContent = 'No sensor has reported — is the captured daemon running?';
    } else if (stale) {
      this.dot.className = 'dot dot-bad';
      this.stateText.textContent = `Sensor ${s.name} is silent (last heartbeat ${formatAge(age)} ago)`;
    } else if (capturing) {
      const n = liveNumbers(s);
      this.dot.className = 'dot dot-live';
      const live = (this.status.live_captures || [])[0];
      setChildren(this.stateText, `Capturing on ${n.interfaces.join(', ') || '?'} `,
        live ? h('a', { href: linkTo('dashboard', null, { capture: String(live.id) }) }, `capture #${live.id}`) : null,
        live && live.filter ? h('code', { class: 'cap-filter' }, live.filter) : null);
    } else {
      this.dot.className = 'dot dot-idle';
      this.stateText.textContent = `Sensor ${s.name} idle · heartbeat ${formatAge(age)} ago`;
    }
    this.numsEl.hidden = !capturing;
    if (capturing) this.renderNumbers(s);
    else this.prevSample = null;
    this.stopBtn.disabled = !capturing || this.busy;
    this.startBtn.disabled = !s || this.busy;
  }

  renderNumbers(s) {
    const n = liveNumbers(s);
    // The live capture row may be fresher than the heartbeat: take the larger.
    for (const c of (this.status.live_captures || [])) {
      if (n.captureIds.length === 0 || n.captureIds.includes(c.id)) {
        if (n.captureIds.length <= 1 && (c.packets || 0) > n.packets) {
          n.packets = c.packets;
          n.bytes = c.bytes;
        }
      }
    }
    const t = Date.parse(s.last_seen) || Date.now();
    if (this.prevSample && t > this.prevSample.t && n.packets >= this.prevSample.packets) {
      const dt = (t - this.prevSample.t) / 1000;
      this.rates = { pps: (n.packets - this.prevSample.packets) / dt, bps: (n.bytes - this.prevSample.bytes) / dt };
    }
    if (!this.prevSample || t !== this.prevSample.t) this.prevSample = { t, packets: n.packets, bytes: n.bytes };
    this.nums.packets.dataset.value = String(n.packets);
    this.nums.packets.textContent = formatCount(n.packets);
    this.nums.bytes.dataset.value = String(n.bytes);
    this.nums.bytes.textContent = formatBytes(n.bytes);
    this.nums.pps.textContent = formatPacketRate(this.rates.pps);
    this.nums.bps.textContent = formatBitRate(this.rates.bps);
    this.nums.drops.dataset.value = String(n.drops);
    this.nums.drops.textContent = formatCount(n.drops);
    this.nums.drops.classList.toggle('bad', n.drops > 0);
  }

  /** Polls a capture request until the daemon answers (or 20 s pass). */
  async waitRequest(id) {
    const until = Date.now() + 20000;
    while (Date.now() < until) {
      const r = await apiGet(`/api/capture-requests/${id}`);
      if (r.state && r.state !== 'pending') return r;
      await new Promise((res) => setTimeout(res, 400));
    }
    return { state: 'pending', answer: 'the sensor has not answered yet' };
  }

  async request(action, body) {
    this.busy = true;
    this.render();
    this.say(action === 'start' ? 'Asking the sensor to start…' : 'Asking the sensor to stop…');
    try {
      const r = await apiPostJson(`/api/${action}-capture`, body);
      const ans = await this.waitRequest(r.request_id);
      if (ans.state === 'done') {
        this.say(action === 'start'
          ? `Capture started on ${body.interface}${ans.capture_id ? ` (capture #${ans.capture_id})` : ''}.`
          : `Capture stopped${ans.answer ? `: ${ans.answer}` : '.'}`, 'good');
      } else if (ans.state === 'failed') {
        this.say(`The sensor refused: ${ans.answer || 'no reason given'}`, 'error');
      } else {
        this.say(`Still waiting: ${ans.answer}`, 'warn');
      }
    } catch (err) {
      this.say(`${action === 'start' ? 'Start' : 'Stop'} failed: ${err.message}`, 'error');
    } finally {
      this.busy = false;
      await this.poll();
    }
  }

  start() {
    const iface = this.iface.value;
    if (!iface) {
      this.say('Choose an interface first.', 'error');
      return;
    }
    const body = { interface: iface };
    const f = this.filter.value.trim();
    if (f) body.filter = f;
    const s = this.sensor();
    if (s) body.sensor = s.name;
    this.request('start', body);
  }

  stop() {
    const s = this.sensor();
    const body = s ? { sensor: s.name } : {};
    this.request('stop', body);
  }
}
