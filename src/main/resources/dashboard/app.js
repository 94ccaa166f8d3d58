// Warden dashboard: plain JS, no dependencies. Every value is written with textContent (never
// innerHTML), so nothing a tenant or client controls can become markup. The credential lives in
// this tab's sessionStorage only and is sent as a bearer token to the admin API.
'use strict';

const state = { credential: null, who: null, tenants: [], traffic: {}, history: {}, auditNext: null, timers: [] };
const HISTORY = 30; // points of 5 s

const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

async function api(path, options = {}) {
  const res = await fetch(path, { ...options, headers: { Authorization: 'Bearer ' + state.credential,
    ...(options.body ? { 'Content-Type': 'application/json' } : {}) } });
  if (res.status === 401) { signOut('Your credential was refused; sign in again.'); throw new Error('unauthenticated'); }
  const type = res.headers.get('Content-Type') || '';
  const body = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const msg = body && body.detail ? body.detail : 'HTTP ' + res.status;
    throw new Error(msg);
  }
  return body;
}

function status(msg) { $('#status').textContent = msg || ''; }
const money = (micros) => (micros / 1e6).toLocaleString(undefined, { style: 'decimal', minimumFractionDigits: 2, maximumFractionDigits: 4 });
// An axis of money scaled to its largest value: whole units, thousands of micro-units (k µ) or micro-units (µ).
const moneyAxis = (max) => (v) => max >= 1e6 ? (v / 1e6).toLocaleString(undefined, { maximumFractionDigits: max >= 1e8 ? 0 : 2 })
  : max >= 1e4 ? (v / 1e3).toLocaleString(undefined, { maximumFractionDigits: 1 }) + 'k µ' : Math.round(v) + ' µ';
const when = (iso) => iso ? new Date(iso).toLocaleString() : '';
const badge = (text) => el('span', { class: 'badge ' + text }, text);

// ------------------------------------------------------------------ sign in / out

async function signIn(credential) {
  state.credential = credential;
  try {
    state.who = await api('/admin/v1/whoami');
  } catch (e) {
    state.credential = null;
    $('#login-error').textContent = e.message === 'unauthenticated' ? 'That credential was refused.' : e.message;
    return;
  }
  sessionStorage.setItem('warden.credential', credential);
  $('#login').classList.add('hidden');
  $('#app').classList.remove('hidden');
  $('#sign-out').classList.remove('hidden');
  $('#who').textContent = state.who.name + ' · ' + state.who.kind + (state.who.tenants && state.who.tenants.length ? ' of ' + state.who.tenants.join(', ') : '');
  const auditor = state.who.kind === 'platform-auditor';
  for (const t of document.querySelectorAll('.tab')) t.classList.toggle('hidden', auditor && t.dataset.tab !== 'audit');
  show(auditor ? 'audit' : 'overview');
  if (!auditor) {
    await loadTenants();
    refreshTraffic();
    state.timers.push(setInterval(refreshTraffic, 5000));
  }
}

function signOut(message) {
  sessionStorage.removeItem('warden.credential');
  state.timers.forEach(clearInterval);
  state.timers = [];
  state.credential = null;
  $('#app').classList.add('hidden');
  $('#login').classList.remove('hidden');
  $('#sign-out').classList.add('hidden');
  $('#who').textContent = '';
  $('#login-error').textContent = message || '';
}

function show(tab) {
  for (const t of document.querySelectorAll('.tab')) t.classList.toggle('active', t.dataset.tab === tab);
  for (const b of document.querySelectorAll('.tab-body')) b.classList.toggle('hidden', b.id !== 'tab-' + tab);
  status('');
  const load = { spend: loadSpend, alerts: loadAlerts, audit: () => loadAudit(true), keys: loadKeys }[tab];
  if (load) load().catch((e) => status(e.message));
}

// ------------------------------------------------------------------ overview: tenants and live traffic

async function loadTenants() {
  const body = await api('/admin/v1/tenants');
  state.tenants = body.tenants;
  for (const sel of [$('#spend-tenant'), $('#keys-tenant')]) {
    sel.replaceChildren(...state.tenants.map((t) => el('option', { value: t.id }, t.id)));
  }
  await pickSpendTenant();
  renderTenants();
}

// The spend tab opens on a tenant worth looking at: one with an active alert, else the one that spent most today.
async function pickSpendTenant() {
  try {
    const alerts = await api('/admin/v1/alerts');
    let pick = alerts.active.length ? alerts.active[0].tenant : null;
    if (!pick) {
      const traffic = await api('/admin/v1/traffic');
      const top = traffic.tenants.filter((t) => t.costTodayMicros > 0).sort((a, b) => b.costTodayMicros - a.costTodayMicros)[0];
      pick = top ? top.tenant : null;
    }
    if (pick && state.tenants.some((t) => t.id === pick)) $('#spend-tenant').value = pick;
  } catch (e) {
    // a principal that may not read alerts or traffic keeps the first tenant
  }
}

async function refreshTraffic() {
  try {
    const body = await api('/admin/v1/traffic');
    for (const t of body.tenants) {
      const prev = state.traffic[t.tenant];
      const refused = Object.values(t.refusals).reduce((a, b) => a + b, 0);
      if (prev) {
        const secs = Math.max(1, (body.at - prev.at) / 1000);
        const h = state.history[t.tenant] || (state.history[t.tenant] = []);
        h.push({ req: (t.requests - prev.requests) / secs, refused: (refused - prev.refused) / secs });
        if (h.length > HISTORY) h.shift();
      }
      state.traffic[t.tenant] = { at: body.at, requests: t.requests, refused, costTodayMicros: t.costTodayMicros };
    }
    renderTenants();
  } catch (e) {
    status(e.message);
  }
}

function sparkline(points) {
  const s = svg('svg', { class: 'spark', viewBox: '0 0 140 28', preserveAspectRatio: 'none' });
  const max = Math.max(1, ...points.map((p) => Math.max(p.req, p.refused)));
  for (const [field, cls] of [['req', ''], ['refused', 'refused']]) {
    const pts = points.map((p, i) => `${(i * 140) / (HISTORY - 1)},${27 - (p[field] / max) * 25}`).join(' ');
    s.append(svg('polyline', { points: pts, class: cls }));
  }
  return s;
}

function renderTenants() {
  const rows = state.tenants.map((t) => {
    const h = state.history[t.id] || [];
    const last = h.length ? h[h.length - 1] : { req: 0, refused: 0 };
    const traffic = state.traffic[t.id];
    return el('tr', { 'data-tenant': t.id },
      el('td', {}, el('b', {}, t.id)), el('td', {}, t.tier), el('td', {}, badge(t.status)),
      el('td', {}, t.regions.join(', ')), el('td', { class: 'num' }, t.keys),
      el('td', { class: 'num' }, last.req.toFixed(1)), el('td', { class: 'num' }, last.refused.toFixed(1)),
      el('td', {}, sparkline(h)), el('td', { class: 'num' }, traffic && traffic.costTodayMicros != null ? money(traffic.costTodayMicros) : '–'));
  });
  $('#tenants tbody').replaceChildren(...rows);
}

// ------------------------------------------------------------------ spend: chart with budget and forecast

async function loadSpend() {
  const tenant = $('#spend-tenant').value;
  if (!tenant) return;
  const now = new Date();
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const monthEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const from = monthStart.toISOString().slice(0, 10);
  const [usage, spend] = await Promise.all([
    api(`/admin/v1/tenants/${tenant}/usage?groupBy=day&from=${from}`),
    api(`/admin/v1/tenants/${tenant}/spend`)]);
  const month = spend.budgets.find((b) => b.period === 'month');
  let total = 0;
  const points = [{ t: monthStart.getTime(), v: 0 }];
  for (const row of usage.rows) {
    total += row.costMicros;
    points.push({ t: Date.parse(row.group + 'T23:59:59Z'), v: total });
  }
  points[points.length - 1].t = Math.min(points[points.length - 1].t, now.getTime());
  const projected = month ? month.projectedMicros : total;
  const summary = [['Spent this month', money(total)], ['Today', money(spend.today.costMicros)]];
  if (month) {
    summary.push(['Budget', money(month.limitMicros)], ['Remaining', money(month.remainingMicros)],
      ['Projected at month end', money(projected)],
      ['Runs out', month.exhausted ? 'now' : month.projectedExhaustion ? when(month.projectedExhaustion) : 'not this month']);
  } else {
    summary.push(['Budget', 'none set']);
  }
  $('#spend-summary').replaceChildren(...summary.map(([k, v]) => el('div', {}, el('span', { class: 'muted' }, k), el('b', {}, v))));
  drawSpend($('#spend-chart'), points, monthStart.getTime(), monthEnd.getTime(), month ? month.limitMicros : null,
    { t: now.getTime(), v: total }, { t: monthEnd.getTime(), v: Math.max(total, projected) }, moneyAxis);
  drawGpuHours(usage.rows, spend.gpuHours || [], monthStart.getTime(), monthEnd.getTime(), now.getTime());
}

// Jobs' GPU time this month: the ledger's rows by day, the tier's monthly quota and its forecast.
function drawGpuHours(rows, quotas, t0, t1, now) {
  const hours = (ms) => ms / 3600000;
  let total = 0;
  const points = [{ t: t0, v: 0 }];
  for (const row of rows) {
    total += hours(row.gpuMs || 0);
    points.push({ t: Math.min(Date.parse(row.group + 'T23:59:59Z'), now), v: total });
  }
  const month = quotas.find((q) => q.period === 'month');
  const day = quotas.find((q) => q.period === 'day');
  const gpu = (v) => v.toFixed(2) + ' h';
  const summary = [['GPU-hours this month', gpu(total)]];
  for (const q of [day, month].filter(Boolean)) {
    summary.push([`Quota (${q.period})`, `${gpu(q.usedGpuHours)} of ${gpu(q.limitGpuHours)}`],
      [`Committed (${q.period})`, gpu(q.committedGpuHours)],
      [`Runs out (${q.period})`, q.exhausted ? 'now' : q.projectedExhaustion ? when(q.projectedExhaustion) : 'not this ' + q.period]);
  }
  if (!quotas.length) summary.push(['Quota', 'none set']);
  $('#gpu-summary').replaceChildren(...summary.map(([k, v]) => el('div', {}, el('span', { class: 'muted' }, k), el('b', {}, v))));
  const committed = month ? Math.max(total, month.committedGpuHours) : total;
  const projected = month ? Math.max(committed, month.projectedGpuHours) : total;
  drawSpend($('#gpu-chart'), points, t0, t1, month ? month.limitGpuHours : null, { t: now, v: committed }, { t: t1, v: projected },
    () => gpu);
}

// axisFormat: the largest value -> a label format for the y axis (scaled so small amounts do not all read 0).
function drawSpend(chart, points, t0, t1, budget, forecastFrom, forecastTo, axisFormat) {
  const W = 720, H = 260, L = 60, R = 12, T = 12, B = 28;
  const max = Math.max(1, budget || 0, forecastTo.v, ...points.map((p) => p.v)) * 1.1;
  const format = axisFormat(max);
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (v) => H - B - (v / max) * (H - T - B);
  const parts = [svg('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }), svg('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B })];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const label = svg('text', { x: 4, y: y(v) + 4 });
    label.textContent = format(v);
    parts.push(label);
  }
  const days = new Date(t1).getUTCDate() === 1 ? Math.round((t1 - t0) / 86400000) : 31;
  for (let d = 1; d <= days; d += 7) {
    const label = svg('text', { x: x(t0 + (d - 1) * 86400000), y: H - 8 });
    label.textContent = 'day ' + d;
    parts.push(label);
  }
  if (budget) parts.push(svg('line', { class: 'budget', x1: L, y1: y(budget), x2: W - R, y2: y(budget) }));
  parts.push(svg('polyline', { class: 'forecast', points: `${x(forecastFrom.t)},${y(forecastFrom.v)} ${x(forecastTo.t)},${y(forecastTo.v)}` }));
  parts.push(svg('polyline', { class: 'spent', points: points.map((p) => `${x(p.t)},${y(p.v)}`).join(' ') }));
  chart.replaceChildren(...parts);
}

// ------------------------------------------------------------------ alerts

async function loadAlerts() {
  const body = await api('/admin/v1/alerts');
  const row = (a) => el('tr', {}, el('td', {}, badge(a.severity)), el('td', {}, a.tenant), el('td', {}, a.kind),
    el('td', {}, a.message), el('td', {}, when(a.raisedAt)));
  $('#alerts-active tbody').replaceChildren(...(body.active.length ? body.active.map(row) : [el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'No active alerts.'))]));
  $('#alerts-recent tbody').replaceChildren(...body.recent.map(row));
}

// ------------------------------------------------------------------ audit viewer

async function loadAudit(fresh) {
  const form = new FormData($('#audit-filters'));
  const params = new URLSearchParams();
  for (const [k, v] of form.entries()) if (v) params.set(k, v);
  params.set('limit', '50');
  if (!fresh && state.auditNext) params.set('before', state.auditNext);
  const body = await api('/admin/v1/audit?' + params);
  const rows = body.records.map((r) => el('tr', {}, el('td', { class: 'num' }, r.seq), el('td', {}, when(r.at)),
    el('td', {}, r.tenant || '–'), el('td', {}, r.principal || '–'), el('td', {}, r.action), el('td', {}, badge(r.decision)),
    el('td', {}, r.reason), el('td', {}, el('code', {}, r.requestId || '')), el('td', {}, r.source || '')));
  if (fresh) $('#audit tbody').replaceChildren(...rows); else $('#audit tbody').append(...rows);
  state.auditNext = body.next;
  $('#audit-more').classList.toggle('hidden', !body.next);
  if (fresh && state.who.kind !== 'tenant-admin') {
    const v = await api('/admin/v1/audit/verify');
    $('#audit-verify').textContent = v.intact ? `Chain intact: ${v.records} records, head #${v.headSeq}.`
      : `CHAIN BROKEN at record #${v.firstBadSeq}: ${v.problem}`;
    $('#audit-verify').className = v.intact ? 'muted' : 'error';
  }
}

// ------------------------------------------------------------------ keys

async function loadKeys() {
  const tenant = $('#keys-tenant').value;
  if (!tenant) return;
  const body = await api(`/admin/v1/tenants/${tenant}/keys`);
  $('#keys tbody').replaceChildren(...body.keys.map((k) => el('tr', { 'data-key': k.keyId },
    el('td', {}, el('code', {}, k.keyId)), el('td', {}, k.role), el('td', {}, (k.models || ['all']).join(', ')), el('td', {}, k.source),
    el('td', {}, when(k.createdAt)), el('td', {}, when(k.lastUsedAt) || '–'),
    el('td', {}, badge(k.state || (k.revoked ? 'revoked' : 'valid')), k.validUntil ? el('span', { class: 'muted small' }, ' until ' + when(k.validUntil)) : ''),
    el('td', {}, k.source === 'store' && !k.revoked
      ? el('button', { class: 'danger revoke', type: 'button', onclick: () => revokeKey(tenant, k.keyId) }, 'Revoke') : ''))));
}

async function issueKey() {
  const tenant = $('#keys-tenant').value;
  const issued = await api(`/admin/v1/tenants/${tenant}/keys`, { method: 'POST', body: JSON.stringify({ role: $('#issue-role').value }) });
  $('#issued-key').textContent = issued.key;
  $('#issued').classList.remove('hidden');
  await loadKeys();
}

async function revokeKey(tenant, keyId) {
  if (!window.confirm(`Revoke ${keyId}? Every replica refuses it within a second.`)) return;
  await api(`/admin/v1/tenants/${tenant}/keys/${keyId}`, { method: 'DELETE' });
  $('#issued').classList.add('hidden');
  await loadKeys();
}

// ------------------------------------------------------------------ wiring

document.addEventListener('DOMContentLoaded', () => {
  $('#login-form').addEventListener('submit', (e) => { e.preventDefault(); signIn($('#credential').value.trim()); });
  $('#sign-out').addEventListener('click', () => signOut());
  for (const t of document.querySelectorAll('.tab')) t.addEventListener('click', () => show(t.dataset.tab));
  $('#spend-tenant').addEventListener('change', () => loadSpend().catch((e) => status(e.message)));
  $('#keys-tenant').addEventListener('change', () => { $('#issued').classList.add('hidden'); loadKeys().catch((e) => status(e.message)); });
  $('#audit-filters').addEventListener('submit', (e) => { e.preventDefault(); loadAudit(true).catch((x) => status(x.message)); });
  $('#audit-more').addEventListener('click', () => loadAudit(false).catch((e) => status(e.message)));
  $('#issue-form').addEventListener('submit', (e) => { e.preventDefault(); issueKey().catch((x) => status(x.message)); });
  const saved = sessionStorage.getItem('warden.credential');
  if (saved) signIn(saved);
});
