import { test, expect, connect, Web3RequestKind } from './fixtures.mjs';

// Seeded (contracts/script/Seed.s.sol): account 2 listed twin 10 at 1.35 ETH. Account 9 is an investor.
const BUYER = 9;

/**
 * Mines a block and waits until the page has taken it in: its store reads the head once after the
 * block, and only starts the read after that once it has applied what the first one found.
 */
async function aBlockArrives(page, chain) {
  const port = new URL(chain.url).port;
  const readsHead = (request) => new URL(request.url()).port === port && (request.postData() ?? '').includes('"latest"');
  await chain.mine();
  await page.waitForRequest(readsHead, { timeout: 15_000 });
  await page.waitForRequest(readsHead, { timeout: 15_000 });
}

test('a new block disturbs nothing the user is doing on a twin page', async ({ page, wallet, chain }) => {
  // Four blocks, each waited for through two of the page's polls.
  test.setTimeout(90_000);
  const buyer = await wallet(BUYER);
  await connect(page, buyer, '/twin/10');
  await expect(page.getByTestId('listing')).toHaveText('Listed for 1.35 ETH by bob-hashworks.eth');
  const offerForm = page.getByTestId('offer-form');
  const amount = page.locator('#offer-amount');

  // A half-typed offer stays typed.
  await amount.fill('1.2');
  await aBlockArrives(page, chain);
  await expect(amount).toHaveValue('1.2');

  // The fee confirmation stays open.
  await offerForm.getByRole('button', { name: 'Make offer' }).click();
  await expect(offerForm.getByTestId('fee')).toBeVisible();
  await aBlockArrives(page, chain);
  await expect(offerForm.getByTestId('confirm')).toBeVisible();
  await expect(amount).toHaveValue('1.2');
  await offerForm.getByTestId('confirm').getByRole('button', { name: 'Cancel' }).click();

  // An error message stays until the user acts.
  await amount.fill('1.2.3');
  await offerForm.getByRole('button', { name: 'Make offer' }).click();
  const error = offerForm.getByRole('alert');
  await expect(error).toContainText('That amount is not valid');
  await aBlockArrives(page, chain);
  await expect(error).toContainText('That amount is not valid');

  // While the wallet asks to approve a purchase, the page does not offer to buy again.
  await page.getByRole('button', { name: 'Buy for 1.35 ETH' }).click();
  await page.getByRole('button', { name: 'Confirm in wallet' }).click();
  await expect(page.getByRole('button', { name: 'Confirm in your wallet…' })).toBeVisible();
  await aBlockArrives(page, chain);
  await expect(page.getByRole('button', { name: 'Confirm in your wallet…' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Buy for 1.35 ETH' })).toHaveCount(0);
  await buyer.reject(Web3RequestKind.SendTransaction);
  await expect(page.getByText('Cancelled in your wallet. Nothing was sent.')).toBeVisible();
});
