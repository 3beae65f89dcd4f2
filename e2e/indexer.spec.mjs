import { readFileSync } from 'node:fs';
import { toEventSelector } from 'viem';
import { test, expect } from './fixtures.mjs';
import { rpc } from '../scripts/lib/localchain.mjs';

const REGISTRY_ABI = JSON.parse(readFileSync(new URL('../contracts/out/TwinRegistry.sol/TwinRegistry.json', import.meta.url), 'utf8')).abi;
const TWIN_MINTED = toEventSelector(REGISTRY_ABI.find((item) => item.type === 'event' && item.name === 'TwinMinted'));

const REPORTER = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';

test('the gallery picks up a newly minted twin as blocks arrive, without a reload', async ({ page, chain }) => {
  await page.goto('/');
  await expect(page.getByTestId('twin-card')).toHaveCount(12);
  await chain.mintTwin(2, '(Canaan,Avalon A1566HA,CAN-A1566HA-0001,321000,6950,Sohar Oman,1733000000)', 'CAN-A1566HA-0001', REPORTER, '250');
  await expect(page.getByTestId('twin-card')).toHaveCount(13, { timeout: 15_000 });
  await expect(page.getByRole('heading', { name: 'Canaan Avalon A1566HA' })).toBeVisible();
});

/**
 * What the store kept in this browser's IndexedDB: the heads read to, and the blocks with logs, as the
 * node gave them; nothing before the app has made its database. It never creates the database (an
 * open without a version would, empty, and hold the app's own upgrade back) and closes it after.
 */
function storedHistory(page) {
  return page.evaluate(async () => {
    const nothing = { heads: [], blocks: [] };
    if (!(await indexedDB.databases()).some((database) => database.name === 'hashtwin')) return nothing;
    return new Promise((resolve, reject) => {
      const open = indexedDB.open('hashtwin');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const database = open.result;
        const transaction = database.transaction(['blocks', 'heads']);
        const heads = transaction.objectStore('heads').getAll();
        const blocks = transaction.objectStore('blocks').getAll();
        // Each value is its JSON as UTF-8 bytes.
        const json = (bytes) => JSON.parse(new TextDecoder().decode(bytes));
        transaction.oncomplete = () => {
          database.close();
          resolve({ heads: heads.result.map(json), blocks: blocks.result.map(json) });
        };
        transaction.onerror = () => reject(transaction.error);
      };
    });
  });
}

test('the history is kept in IndexedDB, not as logs in localStorage, and only newer blocks are read after a reload', async ({ page, chain, indexer }) => {
  await page.goto('/');
  await expect(page.getByTestId('twin-card')).toHaveCount(12);
  await expect.poll(async () => (await storedHistory(page)).heads.length).toBe(1);
  const stored = await storedHistory(page);
  const minted = stored.blocks.flatMap((block) => block.logs).filter((log) => log.topics[0] === TWIN_MINTED);
  expect(minted).toHaveLength(12);
  expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('hashtwin.logs.')))).toEqual([]);
  const cachedHead = stored.heads[0].head.number;

  // After a reload, with a block more on the chain, only the blocks after the stored head are asked for.
  await rpc(chain.url, 'evm_mine');
  const ranges = [];
  page.on('request', (request) => {
    // With an indexer, new blocks are read from its history as well as from the chain.
    if (indexer && request.url().startsWith(`${indexer.url}/history`)) ranges.push(new URL(request.url()).searchParams.get('from'));
    if (new URL(request.url()).port !== new URL(chain.url).port) return;
    const body = JSON.parse(request.postData() ?? '{}');
    for (const call of [body].flat()) {
      if (call.method === 'eth_getLogs' && call.params[0].topics?.length === 1) ranges.push(call.params[0].fromBlock);
    }
  });
  await page.reload();
  await expect(page.getByTestId('twin-card')).toHaveCount(12);
  await expect.poll(() => ranges.length).toBeGreaterThan(0);
  for (const fromBlock of ranges) expect(Number(fromBlock)).toBeGreaterThan(cachedHead);
});
