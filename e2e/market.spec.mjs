import { test, expect, connect, transact, freezeHead, Web3RequestKind, ANVIL_ADDRESSES } from './fixtures.mjs';

// Seeded (contracts/script/Seed.s.sol): account 2 listed twin 10 at 1.35 ETH and account 4 twin 12
// at 2.05 ETH, both for 30 days; no other spec trades them. Account 9 is an investor.
const BUYER = 9;

/** Opens Buy on a page whose view of the chain is frozen, so that its confirmation outlives what
 * the test does on chain next, as in a tab opened before; returns the undo of the freeze. */
async function startBuyingOnAStalePage(page, chain, price) {
  const thaw = await freezeHead(page, chain);
  await page.getByRole('button', { name: `Buy for ${price}` }).click();
  await expect(page.getByTestId('fee')).toBeVisible();
  return thaw;
}

async function confirm(page, provider) {
  await page.getByRole('button', { name: 'Confirm in wallet' }).click();
  await provider.authorize(Web3RequestKind.SendTransaction);
}

test('a listing whose twin left its seller and came back is dead: no Buy, and a buy sent anyway is refused', async ({ page, wallet, chain }) => {
  const buyer = await wallet(BUYER);
  await connect(page, buyer, '/twin/10');
  await expect(page.getByTestId('listing')).toHaveText('Listed for 1.35 ETH by bob-hashworks.eth');
  const thaw = await startBuyingOnAStalePage(page, chain, '1.35 ETH');

  // The seller moves the twin to another account of theirs and back.
  const [seller, other] = [ANVIL_ADDRESSES[2], ANVIL_ADDRESSES[5]];
  await chain.send(2, chain.twinRegistry, 'transferFrom(address,address,uint256)', seller, other, '10');
  await chain.send(5, chain.twinRegistry, 'transferFrom(address,address,uint256)', other, seller, '10');
  expect((await chain.call(chain.twinRegistry, 'ownerOf(uint256)(address)', '10')).toLowerCase()).toBe(seller.toLowerCase());

  await confirm(page, buyer);
  const refusal =
    'This listing is no longer valid: the twin changed hands, an approval was withdrawn, or the seller cancelled it.';
  await expect(page.getByTestId('market-panel').getByRole('alert')).toHaveText(`The transaction was mined but failed: ${refusal}`);
  await expect(page.getByTestId('toast').filter({ hasText: refusal })).toBeVisible();

  await thaw();
  await page.reload();
  await expect(page.getByTestId('listing')).toHaveText(
    'This listing is no longer valid: the twin changed hands since it was listed.',
  );
  await expect(page.getByRole('button', { name: /^Buy/ })).toHaveCount(0);
  await expect(page.getByTestId('owner')).toHaveText(seller.toLowerCase());
  // Nor is it for sale in the gallery or on the market page.
  await page.goto('/market');
  await expect(page.getByTestId('for-sale').getByTestId('twin-card').filter({ hasText: '#10' })).toHaveCount(0);
});

test('an expired listing shows as expired, and a buy sent anyway is refused with its date', async ({ page, wallet, chain }) => {
  const buyer = await wallet(BUYER);
  await connect(page, buyer, '/twin/12');
  await expect(page.getByTestId('listing')).toHaveText('Listed for 2.05 ETH by dave-färms.eth');
  await expect(page.getByTestId('listing-expiry')).toHaveText(/^Open until \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/);
  const until = (await page.getByTestId('listing-expiry').textContent()).replace('Open until ', '').replace(/\.$/, '');
  const thaw = await startBuyingOnAStalePage(page, chain, '2.05 ETH');

  // A month passes on chain: past the listing's 30 days.
  await chain.increaseTime(31 * 24 * 3600);
  await chain.mine();

  await confirm(page, buyer);
  const refusal = `This listing expired on ${until}.`;
  await expect(page.getByTestId('market-panel').getByRole('alert')).toHaveText(`The transaction was mined but failed: ${refusal}`);
  await expect(page.getByTestId('toast').filter({ hasText: refusal })).toBeVisible();

  await thaw();
  await page.reload();
  await expect(page.getByTestId('listing')).toHaveText(refusal);
  await expect(page.getByRole('button', { name: /^Buy/ })).toHaveCount(0);
});

test('a seller lists with an expiry of their choice and cancels all their listings at once', async ({ page, wallet }) => {
  // Account 2 owns twins 2, 6 and 10; 2 and 10 are listed already.
  const seller = await wallet(2);
  await connect(page, seller, '/twin/6');
  await expect(page.getByTestId('list-fee')).toContainText('Protocol fee: 2.5%.');
  await page.getByLabel('Price, ETH').fill('3.3');
  await page.getByLabel('Open for').selectOption({ label: '7 days' });
  await page.getByRole('button', { name: 'List for sale', exact: true }).click();
  await expect(page.getByTestId('fee')).toBeVisible();
  await page.getByRole('button', { name: 'Confirm in wallet' }).click();
  await seller.authorize(Web3RequestKind.SendTransaction);
  await expect(page.getByTestId('toast').filter({ hasText: 'List twin #6 for 3.3 ETH: done' })).toBeVisible();
  await expect(page.getByTestId('listing')).toHaveText('Listed for 3.3 ETH by bob-hashworks.eth (you)');
  const expiry = (await page.getByTestId('listing-expiry').textContent()).match(/(\d{4}-\d\d-\d\d)/)[1];
  const days = (Date.parse(expiry) - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(5.9);
  expect(days).toBeLessThan(7.1);

  await page.goto('/portfolio');
  await expect(page.getByTestId('my-listings').getByRole('listitem')).toHaveCount(3);
  await page.getByRole('button', { name: 'Cancel all my listings', exact: true }).click();
  await page.getByRole('button', { name: 'Confirm in wallet' }).click();
  await seller.authorize(Web3RequestKind.SendTransaction);
  await expect(page.getByTestId('toast').filter({ hasText: 'Cancel all your listings: done' })).toBeVisible();
  await expect(page.getByText('Nothing listed.')).toBeVisible();
  await page.goto('/twin/10');
  await expect(page.getByTestId('listing')).toHaveText(
    'This listing is no longer valid: the seller cancelled all their listings.',
  );
});

test('the market page lists what is for sale, cheapest first, and the sale already made', async ({ page }) => {
  // Seeded: twins 5, 7, 10 and 12 listed at 1.1, 1.9, 1.35 and 2.05 ETH; twin 2 split, its shares
  // offered at 2.4 ETH for the whole; twin 3 listed at 2.8 ETH by account 3, bought by account 9 and
  // split, its shares offered at 3 ETH for the whole.
  await page.goto('/market');
  await expect(page.getByRole('heading', { name: 'For sale (6)' })).toBeVisible();
  const cards = page.getByTestId('for-sale').getByTestId('twin-card');
  await expect(cards.locator('.twin-id')).toHaveText([/^#5 /, /^#10 /, /^#7 /, /^#12 /, /^#2 /, /^#3 /]);
  await expect(cards.getByTestId('card-price')).toHaveText([
    ...['1.1 ETH', '1.35 ETH', '1.9 ETH', '2.05 ETH'].map((price) => new RegExp(`^For sale: ${price} `)),
    'Shares for sale 0.024 ETH per 1%',
    'Shares for sale 0.03 ETH per 1%',
  ]);
  await expect(cards.nth(4).getByTestId('card-fractional')).toHaveText('fractional · 15% for sale');
  await expect(cards.first().getByRole('heading')).toHaveText('Bitmain Antminer S19 XP');

  const sales = page.getByTestId('recent-sales').getByRole('listitem');
  await expect(sales).toHaveCount(1);
  await expect(sales).toContainText('2.8 ETH from carol-rigs.eth to 0xa0ee…9720');
  await sales.getByRole('link', { name: 'Twin #3' }).click();
  await expect(page).toHaveURL(/\/twin\/3$/);
  // Account 9 split it since: the vault holds it, and account 9 most of its shares.
  await expect(page.getByTestId('owner-is-vault')).toBeVisible();
  await expect(page.getByTestId('cap-table').locator('tbody tr').first()).toContainText('0xa0ee…9720');
});

test("a cancelled offer's ether goes to the bidder's proceeds, which the page says and offers to withdraw there", async ({ page, wallet }) => {
  // Account 8 offered 1.5 ETH on twin 1 (Seed.s.sol).
  const bidder = await wallet(8);
  await connect(page, bidder, '/twin/1');
  await expect(page.getByTestId('own-offer')).toContainText('Your offer: 1.5 ETH');
  await transact(page, bidder, 'Cancel your offer', 'Cancel your offer on twin #1; its 1.5 ETH goes to your proceeds');
  await expect(page.getByTestId('refund-notice')).toContainText("Your offer's 1.5 ETH is in your proceeds, not yet in your wallet.");
  await transact(page, bidder, 'Withdraw 1.5 ETH now', 'Withdraw 1.5 ETH');
  await expect(page.getByRole('button', { name: 'Withdraw 1.5 ETH now' })).toHaveCount(0);
});

test('a seller sees what they will receive before the wallet opens: the price less the fee and the royalty', async ({ page, wallet }) => {
  // Account 2 owns twin 6, unlisted, with a 5% royalty to its operator (itself).
  const seller = await wallet(2);
  await connect(page, seller, '/twin/6');
  await page.getByLabel('Price, ETH').fill('2');
  await expect(page.getByTestId('list-receives')).toHaveText(
    /^You receive [\d.]+ ETH: 2 ETH − 0\.05 ETH protocol fee \(2\.5%\) − [\d.]+ ETH royalty \([\d.]+%\)$/,
  );
});
