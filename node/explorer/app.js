// The scf-chain block explorer: a page served by the node itself (`/explorer`), reading the
// node's JSON-RPC on the same origin and following new blocks over its WebSocket subscription.
// No framework, no CDN: it works offline. Everything shown from the chain goes into the page as
// text (never as HTML), so names and event bodies cannot inject markup.
'use strict';

const TOKEN_KEY = 'scf.explorer.credential';
let credential = sessionStorage.getItem(TOKEN_KEY);
let who = { kind: 'anonymous', label: 'anonymous' };
let systemContracts = null;
let head = null;
let requestId = 0;

// ---- RPC ------------------------------------------------------------------------------------

class RpcError extends Error {
  constructor(e) { super(e.message); this.code = e.code; this.kind = e.data && e.data.kind; }
}

async function rpc(method, params = []) {
  const headers = { 'content-type': 'application/json' };
  if (credential) headers.authorization = 'Bearer ' + credential;
  const response = await fetch('/', {
    method: 'POST', headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: ++requestId, method, params }),
  });
  const body = await response.json();
  if (body.error) throw new RpcError(body.error);
  return body.result;
}

// Borsh encodings of the few query arguments the pages send.
function borshString(s) {
  const bytes = new TextEncoder().encode(s);
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, true);
  out.set(bytes, 4);
  return out;
}
function borshU64(n) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
const hex = (bytes) => '0x' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

async function contracts() {
  if (!systemContracts) systemContracts = await rpc('scf_systemContracts');
  return systemContracts;
}

// A system contract's query, its result decoded by the node through the interface schema.
async function query(contract, method, args) {
  const address = (await contracts())[contract];
  const result = await rpc('scf_query', [address, method, hex(args), null]);
  return result.decoded;
}

// ---- Rendering helpers ---------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined) continue;
    if (k === 'text') el.textContent = v; else el.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const link = (href, text) => h('a', { href }, text);
// Amounts travel in minor units (fen): shown with the currency's decimals, as `scf` shows them.
function money(minor, currency) {
  const decimals = ['JPY', 'KRW'].includes(currency) ? 0 : 2;
  const n = BigInt(minor);
  if (decimals === 0) return `${n} ${currency}`;
  const unit = 10n ** BigInt(decimals);
  const sign = n < 0n ? '-' : '';
  const abs = n < 0n ? -n : n;
  return `${sign}${abs / unit}.${(abs % unit).toString().padStart(decimals, '0')} ${currency}`;
}
const short = (s) => (s && s.length > 20 ? s.slice(0, 10) + '…' + s.slice(-6) : s);
const time = (ms) => (ms ? new Date(Number(ms)).toISOString().replace('T', ' ').replace('.000Z', 'Z') : '—');
function table(headers, rows) {
  return h('table', {}, h('tr', {}, headers.map((t) => h('th', {}, t))), rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c)))));
}
function card(label, id, value) {
  return h('div', { class: 'card' }, h('div', { class: 'label' }, label), h('div', { class: 'value', id }, value));
}
function json(value) { return h('pre', {}, JSON.stringify(value, null, 2)); }
function signInHint() {
  return h('p', { class: 'hint' }, 'Sign in to see transactions, events and business objects: the node shows each reader what its access tier allows.');
}
function subjectLink(s) {
  if (s.kind === 'voucher') return link('#/voucher/' + s.id, 'voucher ' + s.id);
  if (s.kind === 'order') return link('#/order/' + s.id, 'order ' + s.id);
  if (s.kind === 'member') return link('#/member/' + s.id, s.id);
  return h('span', { class: 'tag' }, s.kind + ' ' + s.id);
}
function eventsTable(events) {
  return table(['where', 'topic', 'parties', 'subjects', 'body'], events.map((e) => [
    e.cursor ? link('#/tx/' + e.tx_hash, `${e.cursor.height}:${e.cursor.tx_index}:${e.cursor.event_index}`) : '',
    e.topic,
    h('span', {}, e.parties.map((p) => [link('#/member/' + p, p), ' '])),
    h('span', {}, e.subjects.map((s) => [subjectLink(s), ' '])),
    e.decoded ? h('code', {}, JSON.stringify(e.decoded)) : h('code', {}, short(e.data)),
  ]));
}

// ---- Pages ---------------------------------------------------------------------------------

async function dashboard() {
  const [status, validators] = await Promise.all([rpc('scf_nodeStatus'), rpc('scf_getValidators')]);
  const from = Math.max(1, status.height - 19);
  const blocks = status.height > 0 ? await rpc('scf_getBlocks', [from, 20]) : [];
  let blockTime = '—', tps = '—';
  if (blocks.length > 1) {
    const span = blocks[blocks.length - 1].timestamp_ms - blocks[0].timestamp_ms;
    blockTime = (span / (blocks.length - 1) / 1000).toFixed(2) + ' s';
    if (blocks.every((b) => b.transaction_count !== null) && span > 0) {
      const txs = blocks.slice(1).reduce((n, b) => n + b.transaction_count, 0);
      tps = (txs / (span / 1000)).toFixed(1);
    }
  }
  return [
    h('div', { class: 'cards' },
      card('height', 'height', status.height),
      card('block time', 'block-time', blockTime),
      card('transactions / s', 'tps', tps),
      card('validators', 'validators-count', validators.length),
      card('peers', 'peers', status.peers),
      card('status', 'sync', status.syncing ? 'syncing' : 'in sync')),
    h('h2', {}, 'Latest blocks'),
    blocksTable(blocks.slice().reverse()),
    h('h2', {}, 'Validators'),
    table(['consensus key', 'voting power', `signed (last ${validators[0] ? validators[0].recent_blocks : 0})`, 'last signed', 'proposed'],
      validators.map((v) => [h('code', {}, short(v.address)), v.voting_power, v.signed_recent, v.last_signed_height ?? '—', v.proposed_recent])),
  ];
}

function blocksTable(blocks) {
  return table(['height', 'time', 'transactions', 'proposer', 'hash'], blocks.map((b) => [
    link('#/block/' + b.height, String(b.height)), time(b.timestamp_ms), b.transaction_count ?? '—',
    h('code', {}, short(b.proposer)), h('code', {}, short(b.hash)),
  ]));
}

async function blocksPage(params) {
  const status = await rpc('scf_nodeStatus');
  const top = Math.min(Number(params.get('top') || status.height), status.height);
  const from = Math.max(0, top - 24);
  const blocks = await rpc('scf_getBlocks', [from, top - from + 1]);
  return [
    h('h1', {}, 'Blocks'),
    blocksTable(blocks.reverse()),
    h('p', {}, from > 0 ? link('#/blocks?top=' + (from - 1), 'older →') : ''),
  ];
}

async function blockPage(id) {
  const block = await rpc('scf_getBlock', [/^\d+$/.test(id) ? Number(id) : id]);
  const out = [
    h('h1', {}, 'Block ' + block.height),
    table(['field', 'value'], [
      ['hash', h('code', {}, block.hash)], ['parent', link('#/block/' + (block.height - 1), block.parent_hash)],
      ['time', time(block.timestamp_ms)], ['proposer', h('code', {}, block.proposer)],
      ['state root', h('code', {}, block.state_root)], ['transactions root', h('code', {}, block.tx_root)],
    ]),
  ];
  if (who.kind === 'anonymous') return out.concat(signInHint());
  const receipts = await rpc('scf_getBlockReceipts', [block.height]);
  out.push(h('h2', {}, `Transactions (${block.transactions.length}; ${receipts.length} visible to you)`));
  out.push(table(['transaction', 'result', 'events'], receipts.map((r) => [
    link('#/tx/' + r.tx_hash, short(r.tx_hash)),
    r.success ? h('span', { class: 'ok' }, 'success') : h('span', { class: 'fail' }, r.error_name || r.error_kind || 'failed'),
    r.events.map((e) => e.topic).join(', '),
  ])));
  return out;
}

async function txPage(hash) {
  const tx = await rpc('scf_getTransaction', [hash]);
  const r = tx.receipt;
  return [
    h('h1', {}, 'Transaction'),
    table(['field', 'value'], [
      ['hash', h('code', {}, tx.hash)], ['status', tx.status],
      ['block', tx.block_height !== null ? link('#/block/' + tx.block_height, `${tx.block_height} (index ${tx.index})`) : '—'],
      ['time', time(tx.timestamp_ms)], ['sender', h('code', {}, tx.sender)], ['nonce', tx.nonce],
      ['call', `${tx.kind} ${tx.method || ''}`],
      ['result', r ? (r.success ? h('span', { class: 'ok', id: 'tx-result' }, 'success')
        : h('span', { class: 'fail', id: 'tx-result' }, `${r.error_name || r.error_kind}: ${r.error || ''}`)) : 'pending'],
      ['fuel', r ? r.fuel_used : '—'],
    ]),
    h('h2', {}, 'Arguments'), tx.call ? json(tx.call) : h('code', {}, tx.args || '—'),
    h('h2', {}, 'Events'), r ? eventsTable(r.events) : h('p', {}, 'none yet'),
  ];
}

async function memberPage(name) {
  if (who.kind === 'anonymous') return [h('h1', {}, name), signInHint()];
  const [vouchers, txs, events] = await Promise.all([
    query('receivables', 'list_by_holder', borshString(name)).catch(() => null),
    rpc('scf_getTransactionsOf', [{ member: name }, null, 50]).catch(() => null),
    rpc('scf_getEvents', [{ party: name }, null, 1000]),
  ]);
  // Balances of the deposit tokens its events name.
  const tokens = [...new Set(events.events.flatMap((e) => e.subjects).filter((s) => s.kind === 'token').map((s) => s.id))];
  const balances = await Promise.all(tokens.map(async (t) => {
    const [financier, currency] = t.split('/');
    const args = concat(borshString(financier), borshString(currency), borshString(name));
    return [t, await query('deposit_token', 'balance', args).catch(() => null)];
  }));
  const totals = {};
  for (const v of vouchers || []) {
    if (['active', 'Active', 'PendingAcceptance', 'Financing'].includes(v.status)) totals[v.currency] = (totals[v.currency] || 0n) + BigInt(v.amount);
  }
  return [
    h('h1', {}, 'Member ' + name),
    h('h2', {}, 'Vouchers held'),
    vouchers === null ? h('p', {}, 'not visible to you')
      : table(['voucher', 'amount', 'status', 'issuer', 'maturity (day)'], vouchers.map((v) => [
        link('#/voucher/' + v.id, v.id), money(v.amount, v.currency), v.status, v.issuer, v.maturity_day])),
    h('p', { id: 'voucher-totals' }, Object.entries(totals).map(([c, n]) => `${money(n, c)} held`).join('; ') || ''),
    h('h2', {}, 'Token balances'),
    table(['token', 'balance'], balances.map(([t, b]) => [t, b === null ? 'not visible' : money(b, t.split('/')[1])])),
    h('h2', {}, 'Transactions'),
    txs === null ? h('p', {}, "another member's transactions are for that member and overseers")
      : table(['where', 'call', 'time', 'result'], txs.transactions.map((t) => [
      link('#/tx/' + t.hash, `${t.cursor.height}:${t.cursor.tx_index}`), `${t.method || t.kind}`, time(t.timestamp_ms),
      t.success === null ? '—' : (t.success ? 'success' : 'failed')])),
    h('h2', {}, 'Events'), eventsTable(events.events),
  ];
}

async function voucherPage(id) {
  if (who.kind === 'anonymous') return [h('h1', {}, 'Voucher ' + id), signInHint()];
  const lineage = await query('receivables', 'lineage', borshU64(id));
  // Only the receivables contract's events speak for its vouchers (another contract could name one).
  const events = await rpc('scf_getEvents', [{ contract: (await contracts()).receivables, subject: { kind: 'voucher', id: String(id) } }, null, 1000]);
  const out = [h('h1', {}, 'Voucher ' + id)];
  if (!lineage || lineage.length === 0) return out.concat(h('p', {}, 'No such voucher, or not visible to you.'), eventsTable(events.events));
  const children = {};
  for (const v of lineage) if (v.parent_id !== null) (children[v.parent_id] = children[v.parent_id] || []).push(v);
  const node = (v) => h('li', { 'data-voucher': v.id },
    link('#/voucher/' + v.id, 'voucher ' + v.id), ` ${money(v.amount, v.currency)} · ${v.status} · held by `,
    link('#/member/' + v.holder, v.holder),
    children[v.id] ? h('ul', {}, children[v.id].map(node)) : null);
  const roots = lineage.filter((v) => v.parent_id === null || !lineage.some((p) => p.id === v.parent_id));
  out.push(h('h2', {}, 'Lineage'), h('div', { class: 'lineage', id: 'lineage' }, h('ul', {}, roots.map(node))));
  out.push(h('h2', {}, 'History'), eventsTable(events.events));
  return out;
}

function documentsTable(documents) {
  const t = table(['#', 'kind', 'SHA-256', 'issued by', 'attached', 'status'], documents.map((d) => [
    String(d.index), typeof d.kind === 'string' ? d.kind : JSON.stringify(d.kind), h('code', {}, d.sha256),
    link('#/member/' + d.issuer, d.issuer), time(d.attached_at_ms),
    d.superseded_by !== null ? `superseded by #${d.superseded_by}` : (d.supersedes !== null ? `supersedes #${d.supersedes}` : 'live'),
  ]));
  t.id = 'documents';
  return t;
}

async function orderPage(id) {
  if (who.kind === 'anonymous') return [h('h1', {}, 'Order ' + id), signInHint()];
  const order = await query('trade', 'order', borshU64(id));
  const events = await rpc('scf_getEvents', [{ contract: (await contracts()).trade, subject: { kind: 'order', id: String(id) } }, null, 1000]);
  if (!order) return [h('h1', {}, 'Order ' + id), h('p', {}, 'No such order, or not visible to you.')];
  return [
    h('h1', {}, 'Order ' + id),
    table(['field', 'value'], [
      ['buyer', link('#/member/' + order.buyer, order.buyer)], ['seller', link('#/member/' + order.seller, order.seller)],
      ['amount', money(order.amount, order.currency)], ['status', typeof order.status === 'string' ? order.status : JSON.stringify(order.status)],
      ['created', time(order.created_at_ms)], ['goods hash', h('code', {}, order.goods_hash)],
    ]),
    h('h2', {}, 'Documents'),
    documentsTable(order.documents || []),
    h('h2', {}, 'History'), eventsTable(events.events),
  ];
}

// ---- Routing, search, sign-in ----------------------------------------------------------------

async function render() {
  const [path, qs] = (location.hash.slice(1) || '/').split('?');
  const params = new URLSearchParams(qs || '');
  const parts = path.split('/').filter(Boolean);
  const page = document.getElementById('page');
  try {
    let content;
    switch (parts[0]) {
      case undefined: content = await dashboard(); break;
      case 'blocks': content = await blocksPage(params); break;
      case 'block': content = await blockPage(decodeURIComponent(parts[1])); break;
      case 'tx': content = await txPage(decodeURIComponent(parts[1])); break;
      case 'member': content = await memberPage(decodeURIComponent(parts[1])); break;
      case 'voucher': content = await voucherPage(decodeURIComponent(parts[1])); break;
      case 'order': content = await orderPage(decodeURIComponent(parts[1])); break;
      default: content = [h('p', {}, 'Unknown page.')];
    }
    page.replaceChildren(...[content].flat());
  } catch (e) {
    page.replaceChildren(h('p', { class: 'error' }, e instanceof RpcError ? `${e.message} (${e.kind || e.code})` : String(e)));
  }
}

async function search(text) {
  const q = text.trim();
  if (/^\d+$/.test(q)) return void (location.hash = '#/block/' + q);
  const m = q.match(/^(voucher|order)[:\s#]+(\d+)$/i);
  if (m) return void (location.hash = `#/${m[1].toLowerCase()}/${m[2]}`);
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(q)) {
    const hash = q.startsWith('0x') ? q : '0x' + q;
    try { await rpc('scf_getBlock', [hash]); return void (location.hash = '#/block/' + hash); } catch (_) { /* a transaction */ }
    return void (location.hash = '#/tx/' + hash);
  }
  location.hash = '#/member/' + encodeURIComponent(q);
}

async function identify() {
  who = { kind: 'anonymous', label: 'anonymous' };
  systemContracts = null;
  if (credential && credential.startsWith('operator.')) {
    await rpc('scf_systemContracts');
    who = { kind: 'operator', label: 'node operator' };
  } else if (credential && credential.startsWith('scf1.')) {
    const account = '0x' + credential.split('.')[1];
    const view = await rpc('scf_getAccount', [account]);
    who = { kind: 'member', label: view.member ? `${view.member.name} (${view.member.role})` : 'validator ' + short(account) };
  }
  document.getElementById('signed-in-as').textContent = who.label;
}

async function signIn(kind, secret) {
  const s = secret.trim().replace(/^Bearer\s+/, '');
  credential = kind === 'operator' && !s.startsWith('operator.') ? 'operator.' + s : s;
  try {
    await identify();
    sessionStorage.setItem(TOKEN_KEY, credential);
    document.getElementById('sign-in').hidden = true;
  } catch (e) {
    credential = null;
    sessionStorage.removeItem(TOKEN_KEY);
    await identify();
    alert('Sign-in refused: ' + e.message);
  }
  render();
}

// ---- Live updates: the node's new-heads subscription -----------------------------------------

let pending = null;
function follow() {
  const socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/');
  const live = document.getElementById('live');
  socket.onopen = () => {
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: ++requestId, method: 'scf_subscribeNewHeads', params: [null] }));
    live.textContent = 'live: following new blocks';
  };
  socket.onmessage = (message) => {
    const note = JSON.parse(message.data);
    if (note.method !== 'scf_newHead' || !note.params) return;
    if (note.params.error) { socket.close(); return; }
    head = note.params.result;
    live.textContent = `live: block ${head.height} at ${time(head.timestamp_ms)}`;
    const height = document.getElementById('height');
    if (height) height.textContent = head.height;
    // Pages that show the chain's latest state refresh at most once a second.
    const path = location.hash.slice(1) || '/';
    if ((path === '/' || path.startsWith('/member/') || path.startsWith('/voucher/')) && !pending) {
      pending = setTimeout(() => { pending = null; render(); }, 1000);
    }
  };
  socket.onclose = () => { live.textContent = 'disconnected; reconnecting…'; setTimeout(follow, 2000); };
}

window.addEventListener('hashchange', render);
window.addEventListener('DOMContentLoaded', async () => {
  document.getElementById('search').addEventListener('submit', (e) => { e.preventDefault(); search(document.getElementById('search-input').value); });
  document.getElementById('sign-in-toggle').addEventListener('click', () => { const s = document.getElementById('sign-in'); s.hidden = !s.hidden; });
  document.getElementById('sign-in-form').addEventListener('submit', (e) => {
    e.preventDefault();
    signIn(document.getElementById('sign-in-kind').value, document.getElementById('sign-in-secret').value);
  });
  document.getElementById('sign-out').addEventListener('click', () => { credential = null; sessionStorage.removeItem(TOKEN_KEY); identify().then(render); });
  try { await identify(); } catch (_) { credential = null; sessionStorage.removeItem(TOKEN_KEY); await identify(); }
  render();
  follow();
});
