// Drives the node's block explorer (/explorer) in a real headless Chromium: the dashboard loads
// and its height follows new blocks live; anonymous readers are told to sign in; the node's
// operator and an auditor sign in; a voucher's lineage shows as a tree; the member page and
// search work; no script error occurs. Run by node/tests/dev_chain.rs (explorer test):
//
//   node explorer.test.mjs <node url> <operator cookie> <auditor login> <voucher id> <order id> [screenshot dir]
import puppeteer from 'puppeteer-core';

const [url, cookie, auditorLogin, voucher, order, shots] = process.argv.slice(2);
if (!order) {
  console.error('usage: explorer.test.mjs <node url> <operator cookie> <auditor login> <voucher id> <order id> [screenshot dir]');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
// Generous: a loaded CI machine starts Chromium cold and runs the node beside it.
const TIMEOUT = 60_000;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const browser = await puppeteer.launch({
  executablePath,
  headless: true,
  timeout: 120_000,
  protocolTimeout: 120_000,
  // Root in a container has no user namespace for Chromium's sandbox.
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
const errors = [];
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
  const text = (selector) => page.$eval(selector, (el) => el.textContent);
  const shot = async (name) => { if (shots) await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true }); };

  // The dashboard, anonymously: the height, then the height again once a block has come live.
  await page.goto(url + '/explorer', { waitUntil: 'networkidle2', timeout: TIMEOUT });
  await page.waitForFunction(() => /^\d+$/.test(document.querySelector('#height')?.textContent || ''), { timeout: TIMEOUT });
  const first = Number(await text('#height'));
  await page.waitForFunction((h) => Number(document.querySelector('#height')?.textContent) > h, { timeout: TIMEOUT }, first);
  await page.waitForFunction(() => document.querySelector('#live').textContent.startsWith('live: block'), { timeout: TIMEOUT });
  check(Number(await text('#validators-count')) === 1, 'one validator on a dev chain');
  check((await text('#signed-in-as')) === 'anonymous', 'anonymous at first');
  check((await text('#tps')) === '—', 'anonymous readers get no transaction counts');

  // Anonymously, a voucher's page asks to sign in.
  await page.goto(`${url}/explorer#/voucher/${voucher}`, { waitUntil: 'networkidle2' });
  await page.waitForFunction(() => document.querySelector('#page').textContent.includes('Sign in to see'), { timeout: TIMEOUT });

  // The node's operator signs in with its cookie.
  const signIn = async (kind, secret) => {
    await page.click('#sign-in-toggle');
    await page.select('#sign-in-kind', kind);
    await page.$eval('#sign-in-secret', (el) => { el.value = ''; });
    await page.type('#sign-in-secret', secret);
    await page.click('#sign-in-form button');
  };
  await page.goto(url + '/explorer#/', { waitUntil: 'networkidle2' });
  await signIn('operator', cookie);
  await page.waitForFunction(() => document.querySelector('#signed-in-as').textContent === 'node operator', { timeout: TIMEOUT });
  await page.waitForFunction(() => /^\d/.test(document.querySelector('#tps')?.textContent || ''), { timeout: TIMEOUT });
  await shot('dashboard');

  // An auditor signs in with a login from `scf login --as auditor`.
  await page.click('#sign-out');
  await page.waitForFunction(() => document.querySelector('#signed-in-as').textContent === 'anonymous', { timeout: TIMEOUT });
  await signIn('member', auditorLogin);
  await page.waitForFunction(() => document.querySelector('#signed-in-as').textContent.includes('auditor'), { timeout: TIMEOUT });

  // The voucher's lineage as a tree: the root and the pieces split from it, nested under it.
  await page.goto(`${url}/explorer#/voucher/${voucher}`, { waitUntil: 'networkidle2' });
  await page.waitForSelector('#lineage li[data-voucher]', { timeout: TIMEOUT });
  const tree = await page.$$eval('#lineage li[data-voucher]', (items) =>
    items.map((li) => ({ id: li.dataset.voucher, depth: (() => { let d = 0; for (let p = li.parentElement; p && p.id !== 'lineage'; p = p.parentElement) if (p.tagName === 'UL') d++; return d; })() })));
  check(tree.length >= 3, 'the root and its pieces: ' + JSON.stringify(tree));
  check(tree[0].id === String(voucher) && tree[0].depth === 1, 'the root first: ' + JSON.stringify(tree));
  check(tree.slice(1).every((n) => n.depth === 2), 'the pieces under the root: ' + JSON.stringify(tree));
  check((await text('#page')).includes('voucher_issued'), 'its history lists its issuance');
  await shot('voucher-lineage');

  // A trade order with its document.
  await page.goto(`${url}/explorer#/order/${order}`, { waitUntil: 'networkidle2' });
  await page.waitForFunction((o) => document.querySelector('#page h1')?.textContent === 'Order ' + o
    && document.querySelector('#page').textContent.includes('Documents'), { timeout: TIMEOUT }, String(order));
  const documents = await page.$$eval('#documents tr', (rows) => rows.length - 1);
  check(documents === 1, 'the order lists its one document: ' + documents);
  check((await text('#page')).includes('supplier1'), 'the order names its seller');
  await shot('trade-order');

  // Search: a voucher, a member, a height.
  const search = async (q) => {
    await page.$eval('#search-input', (el) => { el.value = ''; });
    await page.type('#search-input', q);
    await page.click('#search button');
  };
  await search('supplier1');
  await page.waitForFunction(() => location.hash === '#/member/supplier1', { timeout: TIMEOUT });
  await page.waitForFunction(() => document.querySelector('#page h2') && document.querySelector('#page').textContent.includes('Vouchers held'), { timeout: TIMEOUT });
  check((await page.$$('#page table tr')).length > 2, 'the member page lists vouchers and transactions');
  await shot('member');
  await search('1');
  await page.waitForFunction(() => location.hash === '#/block/1' && document.querySelector('#page h1')?.textContent === 'Block 1', { timeout: TIMEOUT });
  await search(`voucher:${voucher}`);
  await page.waitForFunction((v) => location.hash === '#/voucher/' + v, { timeout: TIMEOUT }, String(voucher));

  // A transaction page: its decoded call and events.
  await page.goto(`${url}/explorer#/member/supplier1`, { waitUntil: 'networkidle2' });
  await page.waitForSelector('#page a[href^="#/tx/"]', { timeout: TIMEOUT });
  // The member page re-renders as blocks arrive: follow the link's address, not the element.
  const tx = await page.$eval('#page a[href^="#/tx/"]', (a) => a.getAttribute('href'));
  await page.goto(`${url}/explorer${tx}`, { waitUntil: 'networkidle2' });
  await page.waitForSelector('#tx-result', { timeout: TIMEOUT });
  check((await text('#page')).includes('Arguments'), 'a transaction page shows its arguments');
  await shot('transaction');

  check(errors.length === 0, 'no script errors: ' + errors.join('; '));
  console.log('explorer: ok');
} catch (e) {
  console.error('explorer test failed:', e.message, errors.length ? '\n' + errors.join('\n') : '');
  process.exitCode = 1;
} finally {
  await browser.close();
}
