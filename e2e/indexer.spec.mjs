import { test, expect } from './fixtures.mjs';
import { rpc } from '../scripts/lib/localchain.mjs';

const MINT = 'mint((string,string,bytes32,uint64,uint32,string,uint64),address,uint96)';
const REPORTER = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';

test('the gallery picks up a newly minted twin as blocks arrive, without a reload', async ({ page, chain }) => {
  await page.goto('/');
  await expect(page.getByTestId('twin-card')).toHaveCount(12);
  await chain.send(2, chain.twinRegistry, MINT, '(Canaan,Avalon A1566HA,0x' + 'a1'.repeat(32) + ',321000,6950,Sohar Oman,1733000000)', REPORTER, '250');
  await expect(page.getByTestId('twin-card')).toHaveCount(13, { timeout: 15_000 });
  await expect(page.getByRole('heading', { name: 'Canaan Avalon A1566HA' })).toBeVisible();
});

test('indexed logs are cached per chain and contract, and resumed after a reload', async ({ page, chain }) => {
  await page.goto('/');
  await expect(page.getByTestId('twin-card')).toHaveCount(12);
  const cached = await page.evaluate(() =>
    Object.keys(localStorage)
      .filter((key) => key.startsWith('hashtwin.logs.31337.'))
      .map((key) => JSON.parse(localStorage.getItem(key))),
  );
  expect(cached).toHaveLength(1);
  expect(cached[0].logs).toHaveLength(12);

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
