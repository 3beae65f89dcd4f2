import { test, expect, connect, transact, ANVIL_ADDRESSES } from './fixtures.mjs';

// Seeded (contracts/script/Seed.s.sol): account 2 listed twin 10 at 1.35 ETH.
const SELLER = 2;
const SELLER_FULL = ANVIL_ADDRESSES[SELLER].toLowerCase();
const SELLER_NAME = 'bob-hashworks.eth';
// Never visited: the tests only read where the links point.
const EXPLORER = 'http://127.0.0.1:9/explorer';

/** Serves the app a networks.json whose local chain names a block explorer, as Sepolia's does. */
async function withExplorer(page) {
  await page.route('**/networks.json', async (route) => {
    const response = await route.fetch();
    const config = await response.json();
    config.networks.find((network) => network.chainId === config.defaultChainId).blockExplorerUrl = EXPLORER;
    await route.fulfill({ response, json: config });
  });
}

test('addresses and transactions link to the explorer the network names, are tagged "you" and copy in full', async ({ page, wallet }) => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await withExplorer(page);
  const seller = await wallet(SELLER);
  await connect(page, seller, '/twin/10');

  const listing = page.getByTestId('listing');
  await expect(listing).toHaveText(`Listed for 1.35 ETH by ${SELLER_NAME} (you)`);
  await expect(listing.getByRole('link', { name: SELLER_NAME })).toHaveAttribute('href', `${EXPLORER}/address/${SELLER_FULL}`);
  await expect(page.getByTestId('provenance').getByRole('link', { name: SELLER_NAME }).first()).toHaveAttribute(
    'href',
    `${EXPLORER}/address/${SELLER_FULL}`,
  );
  const firstTx = page.getByTestId('provenance').getByRole('link', { name: /^0x[0-9a-f]{6}…[0-9a-f]{6}$/ }).first();
  await expect(firstTx).toHaveAttribute('href', new RegExp(`^${EXPLORER}/tx/0x[0-9a-f]{64}$`));

  await listing.getByRole('button', { name: `Copy the address ${SELLER_FULL}` }).click();
  await expect(listing.getByRole('status')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(SELLER_FULL);

  // A finished transaction's toast links to the explorer, then closes by itself.
  await transact(page, seller, 'Cancel listing', 'Cancel the listing of twin #10');
  const toast = page.getByTestId('toast').filter({ hasText: 'Cancel the listing of twin #10: done' });
  await expect(toast.getByRole('link')).toHaveAttribute('href', new RegExp(`^${EXPLORER}/tx/0x[0-9a-f]{64}$`));
  await expect(toast).toBeHidden({ timeout: 15_000 });
});

test('on a network without an explorer, addresses are plain text and another visitor sees no "you"', async ({ page }) => {
  await page.goto('/twin/10');
  const listing = page.getByTestId('listing');
  await expect(listing).toHaveText(`Listed for 1.35 ETH by ${SELLER_NAME}`);
  await expect(listing.getByRole('link')).toHaveCount(0);
  await expect(listing.locator('code', { hasText: SELLER_NAME })).toHaveAttribute('title', SELLER_FULL);
});
