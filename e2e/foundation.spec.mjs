import { test, expect, Web3RequestKind } from './fixtures.mjs';

const SEEDED_TWINS = 12;

test('the gallery shows the seeded twins with no wallet', async ({ page }) => {
  await page.goto('/');
  expect(await page.evaluate(() => 'ethereum' in window)).toBe(false);
  await expect(page.getByTestId('twin-card')).toHaveCount(SEEDED_TWINS);
  await expect(page.getByTestId('network-name')).toHaveText('Anvil (local)');
  for (const model of ['Antminer S21', 'Antminer S19j Pro', 'Whatsminer M60', 'Avalon A1466']) {
    await expect(page.getByRole('heading', { name: model, exact: false }).first()).toBeVisible();
  }
});

test('Connect shows the account and its balance, and the network once', async ({ page, wallet }) => {
  const provider = await wallet(0);
  await page.goto('/');
  await page.getByRole('button', { name: 'Connect' }).click();
  await provider.authorize(Web3RequestKind.RequestAccounts);
  await expect(page.getByTestId('account')).toHaveText('0xf39f…2266');
  await expect(page.getByTestId('balance')).toHaveText(/^\d+(\.\d+)? ETH$/);
  await expect(page.getByTestId('network-name')).toHaveText('Anvil (local)');
  // The wallet is on the app's network: the header says it once.
  await expect(page.getByTestId('wallet-chain')).toHaveCount(0);
});

test('Connect without a wallet says so', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByText('No wallet found.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Install MetaMask' })).toBeVisible();
});

test('a twin minted on chain appears in the gallery after a reload', async ({ page, chain }) => {
  await page.goto('/');
  await expect(page.getByTestId('twin-card')).toHaveCount(SEEDED_TWINS);

  await chain.mintTwin(
    3,
    '(Bitmain,Antminer S21e XP Hyd,BTM-S21EXPH-0001,430000,5676,Kuopio Finland,1732000000)',
    'BTM-S21EXPH-0001',
    '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
    '500',
  );

  await page.reload();
  await expect(page.getByTestId('twin-card')).toHaveCount(SEEDED_TWINS + 1);
  const card = page.getByTestId('twin-card').filter({ hasText: 'Antminer S21e XP Hyd' });
  await expect(card).toContainText('430 TH/s');
  await expect(card).toContainText('13.2 J/TH');
});

test('a twin page shows its spec and roles', async ({ page }) => {
  await page.goto('/twin/4');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Antminer S19j Pro');
  const spec = page.getByTestId('twin-spec');
  await expect(spec).toContainText('104 TH/s');
  await expect(spec).toContainText('3068 W');
  await expect(spec).toContainText('29.5 J/TH');
  await expect(spec).toContainText('Hernando, Paraguay');
});

test('an unknown twin id says there is no such twin', async ({ page }) => {
  await page.goto('/twin/999');
  await expect(page.getByRole('heading', { name: 'No such twin' })).toBeVisible();
});

test('an unknown route shows the 404 page', async ({ page }) => {
  await page.goto('/no/such/page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Back to the gallery' }).click();
  await expect(page.getByTestId('twin-card')).toHaveCount(SEEDED_TWINS);
});

test('the mine page loads no hasher until the visitor opts in', async ({ page }) => {
  await page.goto('/mine');
  await expect(page.getByTestId('miner-status')).toHaveText('Not mining.');
  await expect(page.getByRole('button', { name: 'Start mining' })).toBeDisabled();
  const hasherRequests = await page.evaluate(
    () => performance.getEntriesByType('resource').filter((entry) => entry.name.includes('hasher')).length,
  );
  expect(hasherRequests).toBe(0);
});
