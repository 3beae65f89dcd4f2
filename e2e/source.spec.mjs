// Where what a page shows was read, and the chain as the authority over it: the indexer's history is
// held against the contracts, and a disagreement is shown rather than believed.
import { readFileSync } from 'node:fs';
import { toEventSelector } from 'viem';
import { test, expect } from './fixtures.mjs';
import { WITH_INDEXER } from './global-setup.mjs';

const MARKET_ABI = JSON.parse(readFileSync(new URL('../contracts/out/TwinMarket.sol/TwinMarket.json', import.meta.url), 'utf8')).abi;
const LISTED = toEventSelector(MARKET_ABI.find((item) => item.type === 'event' && item.name === 'Listed'));

test('a twin page says where its history was read and that the chain agrees with it', async ({ page }) => {
  await page.goto('/twin/5');
  await expect(page.getByTestId('chain-checked')).toContainText('Owner, status and listing checked against the chain at block');
  const where = WITH_INDEXER ? /From the indexer/ : /Read from the chain by this browser, to block \d+/;
  await expect(page.getByTestId('source').first()).toHaveText(where);
  await expect(page.getByTestId('market-panel').getByTestId('source')).toHaveText(where);
  await expect(page.getByTestId('telemetry').getByTestId('source')).toContainText('Read from the chain');
});

test.describe('with the indexer', () => {
  test.skip(!WITH_INDEXER, 'the chain-only pass has no indexer');

  test('a first visit reads the history from the indexer, not by scanning the chain', async ({ page, chain, indexer }) => {
    const scans = [];
    const pages = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (request.url().startsWith(`${indexer.url}/history`)) pages.push(Number(url.searchParams.get('from')));
      if (url.port !== new URL(chain.url).port) return;
      for (const call of [JSON.parse(request.postData() ?? '{}')].flat()) {
        // The collection's filter: every event the store keeps, in one topic list.
        if (call.method === 'eth_getLogs' && Array.isArray(call.params[0].topics?.[0])) scans.push(Number(call.params[0].fromBlock));
      }
    });
    await page.goto('/market');
    await expect(page.getByTestId('for-sale').getByTestId('twin-card')).toHaveCount(6);
    expect(pages.length).toBeGreaterThan(0);
    // Whatever the chain was asked for starts after what the indexer supplied.
    for (const from of scans) expect(from).toBeGreaterThan(pages[0]);
    await expect(page.getByTestId('source').first()).toContainText('From the indexer');
  });

  test('an indexer that lost an event is caught: the twin page says the chain disagrees', async ({ page, indexer }) => {
    await page.route(`${indexer.url}/history?**`, async (route) => {
      const response = await route.fetch();
      const answer = await response.json();
      answer.logs = answer.logs.filter((log) => log.topics[0] !== LISTED);
      await route.fulfill({ response, json: answer });
    });
    await page.goto('/twin/5');
    const mismatch = page.getByTestId('chain-mismatch');
    await expect(mismatch).toContainText('disagrees with the chain at block');
    await expect(mismatch).toContainText('listing: the history says not for sale, the chain says listed for 1.1 ETH');
  });
});
