import { test, expect, connect, ANVIL_ADDRESSES, Web3RequestKind } from './fixtures.mjs';

// Account 9 bought twin 3 from Carol (account 3, carol-rigs.eth in the local ENS) in the seeded
// month, split it into shares, and bought shares of twin 2; this browser sent none of it.
const INVESTOR = 9;

/** `YYYY-MM-DDTHH:MM`, UTC: what the offer's expiry field takes. */
const inputMoment = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 16);
/** `YYYY-MM-DD HH:MM UTC`: how the app writes a moment. */
const shownMoment = (seconds) => `${inputMoment(seconds).replace('T', ' ')} UTC`;

test("an account's transactions are read from the chain, in a browser that sent none of them", async ({ page, wallet }) => {
  const provider = await wallet(INVESTOR);
  await connect(page, provider, '/portfolio');
  const list = page.getByTestId('recent-transactions');
  await expect(list).toContainText('Bought twin #3 from carol-rigs.eth for 2.8 ETH · block ');
  await expect(list).toContainText('Split twin #3 into ');
  await expect(list).toContainText(/Bought [\d.]+ shares of twin #2 from /);
  // Newest first: the split came the day after the purchase.
  const rows = await list.getByRole('listitem').allTextContents();
  const bought = rows.findIndex((row) => row.startsWith('Bought twin #3'));
  const split = rows.findIndex((row) => row.startsWith('Split twin #3'));
  expect(split).toBeGreaterThanOrEqual(0);
  expect(split).toBeLessThan(bought);
  const purchase = list.getByRole('listitem').filter({ hasText: 'Bought twin #3' });
  await expect(purchase.getByRole('link', { name: 'twin #3' })).toHaveAttribute('href', '/twin/3');
  await expect(purchase.locator('code.mono, a.mono').last()).toHaveText(/^0x[0-9a-f]{6}…[0-9a-f]{6}$/);
  // Nothing from this browser: the list says so by having only the chain's rows.
  await expect(list).not.toContainText('pending');
});

test('an offer expires at the date and time the buyer sets, and the portfolio shows it', async ({ page, wallet, chain }) => {
  const provider = await wallet(INVESTOR);
  await connect(page, provider, '/twin/5');
  const form = page.getByTestId('offer-form');
  const expiry = form.getByLabel('Expires, UTC');
  const now = await chain.now();
  // A week from the chain's now unless changed.
  await expect(expiry).toHaveValue(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
  const shown = Date.parse(`${await expiry.inputValue()}:00Z`) / 1000;
  expect(Math.abs(shown - (now + 7 * 86_400))).toBeLessThan(600);

  await form.getByLabel('Amount, ETH').fill('0.4');
  await expiry.fill(inputMoment(now + 5 * 60));
  await form.getByRole('button', { name: 'Make offer' }).click();
  await expect(form.getByRole('alert')).toContainText('An offer must stay open at least 10 minutes');
  expect(provider.getPendingRequestCount(Web3RequestKind.SendTransaction)).toBe(0);

  // 2 days and 3 hours from now, to the minute.
  const chosen = Math.floor((now + 2 * 86_400 + 3 * 3_600) / 60) * 60;
  await expiry.fill(inputMoment(chosen));
  await form.getByRole('button', { name: 'Make offer' }).click();
  await expect(page.getByTestId('fee')).toBeVisible();
  await page.getByRole('button', { name: 'Confirm in wallet' }).click();
  await provider.authorize(Web3RequestKind.SendTransaction);
  await expect(page.getByTestId('own-offer')).toHaveText('Your offer: 0.4 ETH, expires in 2 days');
  const stored = await chain.call(chain.twinMarket, 'offer(uint256,address)(uint256,uint64)', '5', ANVIL_ADDRESSES[INVESTOR]);
  expect(stored.split('\n')[1].split(' ')[0]).toBe(String(chosen));

  await page.getByRole('link', { name: 'Portfolio' }).click();
  await expect(page.getByTestId('offers-made').getByRole('listitem').filter({ hasText: 'Twin #5' })).toContainText(
    `0.4 ETH, expires ${shownMoment(chosen)}`,
  );
});
