import { test, expect, connect, transact, ANVIL_ADDRESSES } from './fixtures.mjs';

// Seeded (contracts/script/Seed.s.sol): twelve twins; account 3 operates twins 3, 7 and 11. The
// twin minted here is new, so no other spec depends on it.
const OPERATOR = 3;
const PENDING_KEY = `hashtwin.mint.31337.${ANVIL_ADDRESSES[OPERATOR].toLowerCase()}`;

test('a twin is minted in two steps through the form, and a reload between them resumes at step 2', async ({ page, wallet, chain }) => {
  const operator = await wallet(OPERATOR);
  await connect(page, operator, '/mint');

  // A known model fills in its nameplate; the rest is typed, and stays editable.
  await page.getByLabel('Known model').selectOption({ label: 'Canaan Avalon A1566 · 185 TH/s · 3420 W' });
  await expect(page.getByLabel('Manufacturer', { exact: true })).toHaveValue('Canaan');
  await expect(page.getByLabel('Hashrate (TH/s)', { exact: true })).toHaveValue('185');
  await page.getByLabel('Hashrate (TH/s)', { exact: true }).fill('190');
  await expect(page.getByTestId('efficiency')).toHaveText('18.0 J/TH: within the 5 to 200 J/TH of real rigs.');
  await expect(page.getByTestId('mint-model-bytes')).toHaveText('12 / 48 bytes');
  await page.getByLabel('Serial number', { exact: true }).fill('  can-a1566-e2e-0042 ');
  await expect(page.getByTestId('canonical-serial')).toHaveText('Registered as CAN-A1566-E2E-0042.');
  await page.getByLabel('Location', { exact: true }).fill('Sohar, Oman');
  await page.getByLabel('Commissioned on', { exact: true }).fill('2025-06-01');
  await page.getByLabel('Reporter address', { exact: true }).fill(ANVIL_ADDRESSES[6]);
  await page.getByLabel('Royalty (%)', { exact: true }).fill('4');

  await transact(page, operator, 'Reserve the serial (step 1 of 2)', 'Reserve the twin of a Canaan Avalon A1566 (step 1 of 2)');
  await expect(page.getByTestId('mint-stage')).toHaveText(
    /^Step 1 of 2 done: the serial is reserved in block \d+\. Waiting for the next block/,
  );
  await expect(page.getByRole('button', { name: 'Mint twin (step 2 of 2)' })).toHaveCount(0);
  // What step 2 needs is kept in the browser, with a salt of its own.
  const saved = JSON.parse(await page.evaluate((key) => localStorage.getItem(key), PENDING_KEY));
  expect(saved.serial).toBe('CAN-A1566-E2E-0042');
  expect(saved.salt).toMatch(/^[0-9a-f]{64}$/);
  expect(saved.salt).not.toBe('0'.repeat(64));
  expect(saved.commit_tx).toMatch(/^0x[0-9a-f]{64}$/);

  await page.reload();
  await expect(page.getByTestId('account')).toBeVisible();
  await expect(page.getByTestId('mint-resumed')).toContainText('Resumed: step 1 of 2 was sent from this browser');
  await expect(page.getByLabel('Serial number', { exact: true })).toHaveValue('  can-a1566-e2e-0042 ');
  await expect(page.getByLabel('Hashrate (TH/s)', { exact: true })).toHaveValue('190');
  await expect(page.getByLabel('Serial number', { exact: true })).toBeDisabled();
  await expect(page.getByTestId('mint-stage')).toContainText('Waiting for the next block');

  await chain.mine();
  await expect(page.getByTestId('mint-stage')).toContainText('Step 2 mints the twin.', { timeout: 15_000 });
  await transact(page, operator, 'Mint twin (step 2 of 2)', 'Mint the twin of a Canaan Avalon A1566 (step 2 of 2)');
  await expect(page.getByTestId('minted')).toContainText('Minted as twin #13.');
  expect(await page.evaluate((key) => localStorage.getItem(key), PENDING_KEY)).toBeNull();

  await page.goto('/');
  await expect(page.getByTestId('twin-card')).toHaveCount(13);
  const card = page.getByTestId('twin-card').filter({ hasText: '#13' });
  await expect(card.getByRole('heading')).toHaveText('Canaan Avalon A1566');
  await expect(card).toContainText('190 TH/s');
  await expect(card).toContainText('18.0 J/TH');
  await page.goto('/twin/13');
  await expect(page.getByTestId('reporter')).toHaveText(ANVIL_ADDRESSES[6].toLowerCase());
});

test('the form checks the registry\'s rules before any wallet opens, in words', async ({ page, wallet }) => {
  const operator = await wallet(OPERATOR);
  await connect(page, operator, '/mint');
  // Absurd figures say how absurd, never "0.0 J/TH".
  await page.getByLabel('Hashrate (TH/s)', { exact: true }).fill('100000000');
  await page.getByLabel('Power draw (W)', { exact: true }).fill('1');
  await expect(page.getByTestId('efficiency')).toHaveText(
    '1 W at 100 EH/s is 0.000000010 J/TH, outside the 5 to 200 J/TH of real rigs: check the hashrate and the power draw (watts, not kilowatts).',
  );
  await expect(page.locator('.preview')).not.toContainText('0.0 J/TH');
  await page.getByLabel('Location', { exact: true }).fill('Reykjanesbær, Suðurnes, Iceland, hall 4 of the geothermal park by the sea, row 17');
  await expect(page.getByTestId('mint-location-bytes')).toHaveText('83 / 96 bytes');
  await page.getByLabel('Serial number', { exact: true }).fill('btm/s21');
  await expect(page.getByTestId('canonical-serial')).toHaveText('Letters are registered in capitals: 4 to 64 of A to Z, digits and hyphens.');
  await page.getByRole('button', { name: 'Reserve the serial (step 1 of 2)' }).click();
  await expect(page.locator('#mint-serial-error')).toHaveText(
    'A serial may only have the letters A to Z, digits and hyphens, and this one has "/": type it as it is printed, without it.',
  );
  await expect(page.getByTestId('fee')).toHaveCount(0);
});
