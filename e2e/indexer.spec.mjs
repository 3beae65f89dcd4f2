import { test, expect } from './fixtures.mjs';
import { rpc } from '../scripts/lib/localchain.mjs';

const REPORTER = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
// cast sig-event "TwinMinted(uint256,address,address,uint96,(string,string,bytes32,uint64,uint32,string,uint64))"
const TWIN_MINTED = '0x81da02098c1795d1e5acceca5b07794b1f8643fd41e0937e1fce752b8eca1af0';

test('the gallery picks up a newly minted twin as blocks arrive, without a reload', async ({ page, chain }) => {
  await page.goto('/');
  await expect(page.getByTestId('twin-card')).toHaveCount(12);
  await chain.mintTwin(2, '(Canaan,Avalon A1566HA,CAN-A1566HA-0001,321000,6950,Sohar Oman,1733000000)', 'CAN-A1566HA-0001', REPORTER, '250');
  await expect(page.getByTestId('twin-card')).toHaveCount(13, { timeout: 15_000 });
  await expect(page.getByRole('heading', { name: 'Canaan Avalon A1566HA' })).toBeVisible();
});

test('indexed logs are cached per chain and contract, and resumed after a reload', async ({ page, chain }) => {
  await page.goto('/');
  await expect(page.getByTestId('twin-card')).toHaveCount(12);
  const caches = await page.evaluate(() =>
    Object.fromEntries(
      Object.keys(localStorage)
        .filter((key) => key.startsWith('hashtwin.logs.31337.'))
        .map((key) => [key, JSON.parse(localStorage.getItem(key))]),
    ),
  );
  // One cache per contract the gallery reads: the registry's events, the market's, the ledger's credits.
  const keys = Object.keys(caches);
  expect(keys).toHaveLength(3);
  for (const address of [chain.twinRegistry, chain.twinMarket, chain.hashLedger]) {
    expect(keys.some((key) => key.includes(address.slice(2).toLowerCase()))).toBe(true);
  }
  const registry = caches[keys.find((key) => key.includes(chain.twinRegistry.slice(2).toLowerCase()))];
  const minted = registry.logs.filter((log) => log.topics[0] === TWIN_MINTED);
  expect(minted).toHaveLength(12);
  const cached = [{ head: Math.min(...Object.values(caches).map((cache) => cache.head)) }];

  // After a reload, with a block more on the chain, only the blocks after the cached head are asked for.
  await rpc(chain.url, 'evm_mine');
  const ranges = [];
  page.on('request', (request) => {
    if (new URL(request.url()).port !== new URL(chain.url).port) return;
    const body = JSON.parse(request.postData() ?? '{}');
    for (const call of [body].flat()) {
      if (call.method === 'eth_getLogs' && call.params[0].topics?.length === 1) ranges.push(call.params[0].fromBlock);
    }
  });
  await page.reload();
  await expect(page.getByTestId('twin-card')).toHaveCount(12);
  expect(ranges.length).toBeGreaterThan(0);
  for (const fromBlock of ranges) expect(Number(fromBlock)).toBeGreaterThan(cached[0].head);
});
