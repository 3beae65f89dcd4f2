import { test, expect, Web3RequestKind } from './fixtures.mjs';
import { measureBare, measurePool, PROTOCOL } from '../scripts/lib/bench-hasher.mjs';

// Account 8 is a seeded investor; account 0 deployed the ledger and owns it.
const VISITOR = 8;
const VISITOR_ADDRESS = '0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f';
const TWIN = 4;
// A target near 2^239: one share in about 130,000 hashes, so a share every few hundred
// milliseconds even on one slow worker, where the seeded minimum wants 16.7 million.
const EASY_BITS = '0x1e7fffff';
const QUEUE_KEY = 'hashtwin.miner.queue';

// Mining runs in real time; the rest of the suite keeps the default.
test.describe.configure({ timeout: 120_000 });

const sharesWords = (count) => (count === 1 ? '1 share' : `${count} shares`);

/** Each batch's "done" toast: batches of the same size have the same words, so they are counted. */
async function expectDoneToasts(page, batches) {
  const labels = batches.map((batch) => `Submit ${sharesWords(batch.nonces.length)} for twin #${TWIN}: done`);
  for (const label of new Set(labels)) {
    const expected = labels.filter((other) => other === label).length;
    await expect(page.getByTestId('toast').filter({ hasText: label })).toHaveCount(expected);
  }
}
const queuedBatches = (page) => page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '{"batches":[]}').batches, QUEUE_KEY);

async function mineSomeShares(page, chain, wallet, atLeast, { stop = true, walletOptions = {} } = {}) {
  // Waiting for zero shares would pass before a single hash: every caller needs a real one.
  expect(atLeast).toBeGreaterThanOrEqual(1);
  await chain.send(0, chain.hashLedger, 'setMinBits(uint32)', EASY_BITS);
  const provider = await wallet(VISITOR, walletOptions);
  await page.goto(`/mine?twin=${TWIN}`);
  await page.getByRole('button', { name: 'Connect' }).click();
  await provider.authorize(Web3RequestKind.RequestAccounts);
  await expect(page.getByTestId('account')).toBeVisible();
  await expect(page.getByLabel('Twin', { exact: true })).toHaveValue(String(TWIN));

  await expect(page.getByRole('button', { name: 'Start mining' })).toBeDisabled();
  await page.getByLabel(/Use this device's processor/).check();
  await page.getByRole('button', { name: 'Start mining' }).click();
  await expect(page.getByTestId('miner-status')).toHaveText('Mining. Hasher self-test passed.');
  await expect
    .poll(async () => Number(await page.getByTestId('shares-found').textContent()), { timeout: 60_000 })
    .toBeGreaterThanOrEqual(atLeast);
  await expect(page.getByTestId('rate-10s')).toHaveText(/^[\d.]+ [kMG]?H\/s$/);
  if (stop) {
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect(page.getByTestId('miner-status')).toHaveText('Not mining.');
  }
  return provider;
}

/** Mines again after a stop: a start draws a new job seed, so the shares found go in a second batch. */
async function mineASecondBatch(page) {
  await page.getByRole('button', { name: 'Start mining' }).click();
  await expect
    .poll(async () => (await queuedBatches(page)).filter((batch) => batch.nonces.length > 0).length, { timeout: 60_000 })
    .toBe(2);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('miner-status')).toHaveText('Not mining.');
  return (await queuedBatches(page)).filter((batch) => batch.nonces.length > 0);
}

const sharesOf = async (chain, twin) => Number((await chain.call(chain.hashLedger, 'sharesOf(uint256)(uint256)', twin)).split(' ')[0]);

test('a visitor mines for a twin, submits, and the ledger credits the twin and the visitor', async ({ page, chain, wallet }) => {
  const provider = await mineSomeShares(page, chain, wallet, 3);
  const queued = await mineASecondBatch(page);
  const total = queued.flatMap((batch) => batch.nonces).length;
  expect(total).toBeGreaterThanOrEqual(4);

  // The queue survives a reload.
  await page.reload();
  await expect(page.getByTestId('pending-count')).toHaveText(`${sharesWords(total)} in 2 batches, kept in this browser until submitted.`);

  // This wallet knows nothing of EIP-5792: the batches go one after another, a confirmation each.
  await page.getByRole('button', { name: `Submit ${sharesWords(total)}` }).click();
  await expect(page.getByTestId('fee')).toHaveText(/^Network fees: up to 0\.\d+ ETH in all\.$/);
  await expect(page.getByTestId('batch-path')).toHaveText('2 transactions, one after another: your wallet asks 2 times.');
  expect(provider.getPendingRequestCount(Web3RequestKind.SendTransaction)).toBe(0);
  await page.getByRole('button', { name: 'Confirm in wallet' }).click();
  for (const _ of queued) await provider.authorize(Web3RequestKind.SendTransaction);
  await expectDoneToasts(page, queued);
  await expect(page.getByTestId('pending-empty')).toBeVisible();

  expect(await sharesOf(chain, TWIN)).toBe(total);
  const work = await chain.call(chain.hashLedger, 'workBy(address)(uint256)', VISITOR_ADDRESS);
  expect(BigInt(work.split(' ')[0])).toBeGreaterThan(0n);
  expect(await queuedBatches(page)).toEqual([]);

  // The twin page and the gallery show the donation, from the ledger's WorkCredited events.
  await page.goto(`/twin/${TWIN}`);
  await expect(page.getByTestId('top-contributors')).toContainText('0x2361…1e8f');
  await expect(page.getByTestId('donated-total')).toHaveText(/hashes$/);
  await page.goto(`/?q=%23${TWIN}`);
  await expect(page.getByTestId('card-donated')).toHaveText(/hashes · [\d.]+ [kMG]?H\/s over 24 h$/);
});

test('a wallet that batches calls gets every waiting batch in one wallet_sendCalls', async ({ page, chain, wallet }) => {
  const provider = await mineSomeShares(page, chain, wallet, 1, { walletOptions: { batchCalls: true } });
  const queued = await mineASecondBatch(page);
  const total = queued.flatMap((batch) => batch.nonces).length;

  await page.getByRole('button', { name: `Submit ${sharesWords(total)}` }).click();
  await expect(page.getByTestId('batch-path')).toHaveText('2 transactions in one batch: your wallet asks once, and all go through or none does.');
  await page.getByRole('button', { name: 'Confirm in wallet' }).click();
  // The test wallet sends the batch's calls as its own transactions, each authorised here.
  for (const _ of queued) await provider.authorize(Web3RequestKind.SendTransaction);
  await expectDoneToasts(page, queued);
  await expect(page.getByTestId('pending-empty')).toBeVisible();
  expect(await page.evaluate(() => window.__sentCalls), 'one wallet request carried both batches').toEqual([2]);
  expect(await sharesOf(chain, TWIN)).toBe(total);
});

test('a share tampered with in storage is caught and never reaches the chain', async ({ page, chain, wallet }) => {
  const provider = await mineSomeShares(page, chain, wallet, 2);
  // Every stored nonce moved by one: each now names a hash that misses the target.
  await page.evaluate((key) => {
    const queue = JSON.parse(localStorage.getItem(key));
    for (const batch of queue.batches) batch.nonces = batch.nonces.map((nonce) => nonce + 1);
    localStorage.setItem(key, JSON.stringify(queue));
  }, QUEUE_KEY);

  await page.getByRole('button', { name: /^Submit \d+ shares?$/ }).click();
  await expect(page.getByRole('alert')).toContainText(/stored shares? failed verification and (was|were) removed\. Nothing was sent\./);
  await expect(page.getByTestId('pending-empty')).toBeVisible();
  expect(provider.getPendingRequestCount(Web3RequestKind.SendTransaction)).toBe(0);
  expect(await sharesOf(chain, TWIN)).toBe(0);
});

test('a second tab of the site says another tab is mining, and mining pauses while its tab is hidden', async ({ page, chain, wallet }) => {
  await mineSomeShares(page, chain, wallet, 1, { stop: false });
  const other = await page.context().newPage();
  await other.goto('/mine');
  await expect(other.getByTestId('miner-status')).toHaveText('Another tab of HashTwin is mining. Stop it there to mine here.');
  await other.close();

  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await expect(page.getByTestId('miner-status')).toHaveText('Paused while this tab is hidden.');
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await expect(page.getByTestId('miner-status')).toHaveText('Mining. Hasher self-test passed.');
  await page.getByRole('button', { name: 'Stop' }).click();
});

test('a browser without WebAssembly SIMD gets a clear message, and the rest of the app works', async ({ page }) => {
  await page.addInitScript(() => {
    const validate = WebAssembly.validate;
    // The probe is the only module the app validates; any module with a v128 type (0x7b) fails.
    WebAssembly.validate = (bytes) => (new Uint8Array(bytes).includes(0x7b) ? false : validate(bytes));
  });
  await page.goto('/mine');
  await expect(page.getByRole('alert')).toContainText('This browser cannot run WebAssembly SIMD');
  await expect(page.getByRole('button', { name: 'Start mining' })).toHaveCount(0);
  await page.getByRole('link', { name: 'Gallery' }).click();
  await expect(page.getByTestId('twin-card')).toHaveCount(12);
});

test('a hasher worker that dies is replaced and mining goes on', async ({ page, chain, wallet }) => {
  // Keep a handle on every worker the page starts, to make one of them fail as a crash would.
  await page.addInitScript(() => {
    const Native = window.Worker;
    window.__workers = [];
    window.Worker = class extends Native {
      constructor(...args) {
        super(...args);
        window.__workers.push(this);
      }
    };
  });
  await mineSomeShares(page, chain, wallet, 1, { stop: false });
  await expect(page.getByTestId('workers')).toHaveText('1');
  await page.evaluate(() => window.__workers.at(-1).dispatchEvent(new ErrorEvent('error', { message: 'RuntimeError: unreachable' })));
  await expect(page.getByText('1 worker replaced after a crash')).toBeVisible();
  await expect(page.getByTestId('workers')).toHaveText('1');
  const before = Number(await page.getByTestId('shares-found').textContent());
  await expect.poll(async () => Number(await page.getByTestId('shares-found').textContent()), { timeout: 30_000 }).toBeGreaterThan(before);
  await page.getByRole('button', { name: 'Stop' }).click();
});

test('the hasher worker refuses a malformed message with the reason, and the pool stops on one', async ({ page, chain, wallet }) => {
  await page.goto('/favicon.svg');
  const answers = await page.evaluate(async () => {
    const worker = new Worker('/hasher_loader.js');
    const next = () => new Promise((resolve) => (worker.onmessage = ({ data }) => resolve(Array.from(data))));
    const ready = await next();
    const answers = [ready];
    // A scan whose header stops after one word; then something that is not a Uint32Array at all.
    for (const message of [new Uint32Array([1, 7]), { kind: 'scan' }]) {
      worker.postMessage(message);
      answers.push(await next());
    }
    worker.terminate();
    return answers;
  });
  // Ready with its self-test passed; refused for a length of two words in a scan; refused as not words.
  expect(answers).toEqual([[11, 1], [14, 3, 1, 2], [14, 0]]);

  await page.addInitScript(() => {
    const Native = window.Worker;
    window.__workers = [];
    window.Worker = class extends Native {
      constructor(...args) {
        super(...args);
        window.__workers.push(this);
      }
    };
  });
  await mineSomeShares(page, chain, wallet, 1, { stop: false });
  await page.evaluate(() => window.__workers.at(-1).dispatchEvent(new MessageEvent('message', { data: new Uint32Array([99]) })));
  await expect(page.getByTestId('miner-status')).toHaveText(
    'The miner stopped: the hasher worker sent a message this app does not understand: a message of unknown kind 99.',
  );
  await expect(page.getByRole('button', { name: 'Start mining' })).toBeVisible();
});

test('the hasher benchmark drives bare workers and the pool on the mine page (no timing asserted)', async ({ page, wallet }) => {
  await page.goto('/favicon.svg');
  const bare = await page.evaluate(measureBare, { workers: 1, warmupMs: 200, measureMs: 1_000, kinds: PROTOCOL });
  expect(bare.totalMhs).toBeGreaterThan(0);

  await wallet(VISITOR, { permitted: [Web3RequestKind.RequestAccounts] });
  const pool = await measurePool(page, { mineUrl: '/mine', workers: 1, warmupMs: 200, measureMs: 1_000 });
  expect(pool.hashes).toBeGreaterThan(0);
  await expect(page.getByTestId('workers')).toHaveText('0');
});

test('a twin list that cannot be read is said in words, not shown as an empty picker', async ({ page, chain, indexer }) => {
  // The indexer, where there is one, cannot serve the history either.
  if (indexer) await page.route(`${indexer.url}/history?**`, (route) => route.fulfill({ status: 503, body: 'down' }));
  // The node refuses every log query, as a public RPC over its range limit would.
  const port = new URL(chain.url).port;
  await page.route(
    (url) => url.port === port,
    async (route) => {
      const body = route.request().postDataJSON();
      const calls = Array.isArray(body) ? body : [body];
      if (!calls.some((call) => call.method === 'eth_getLogs')) return route.continue();
      const refused = calls.map((call) => ({ jsonrpc: '2.0', id: call.id, error: { code: -32005, message: 'query returned more than 10000 results' } }));
      return route.fulfill({ json: Array.isArray(body) ? refused : refused[0] });
    },
  );
  await page.goto('/mine');
  await expect(page.getByTestId('twins-error')).toContainText("The collection's history could not be read:");
  await expect(page.getByTestId('twins-error')).toContainText('query returned more than 10000 results');
  await expect(page.getByLabel('Twin', { exact: true })).toBeDisabled();
});
