import { test, expect, connect, transact, ANVIL_ADDRESSES, Web3RequestKind } from './fixtures.mjs';

// Seeded (contracts/script/Seed.s.sol): twelve twins; account 3 operates twins 3, 7 and 11. The
// twin minted here is new, so no other spec depends on it.
const OPERATOR = 3;
const PENDING_KEY = `hashtwin.mint.31337.${ANVIL_ADDRESSES[OPERATOR].toLowerCase()}`;

/** A twin's earning terms as the registry holds them: `earningTermsOf`, read with cast. */
async function termsOnChain(chain, tokenId) {
  const answer = await chain.call(chain.twinRegistry, 'earningTermsOf(uint256)((uint16,uint32,uint32,uint32),uint64)', String(tokenId));
  const [terms, mintedAt] = answer.split('\n');
  const [serviceFeeBps, tariffMicroUsdPerKwh, settlementPeriod, gracePeriod] = terms.replace(/[()]/g, '').split(',').map((word) => Number(word.trim().split(' ')[0]));
  return { serviceFeeBps, tariffMicroUsdPerKwh, settlementPeriod, gracePeriod, mintedAt: Number(mintedAt.trim().split(' ')[0]) };
}

/** Fills in a rig the registry takes, from a known model; the terms are left as they are. */
async function fillRig(page, serial) {
  await page.getByLabel('Known model').selectOption({ label: 'Bitmain Antminer S21 · 200 TH/s · 3500 W' });
  await page.getByLabel('Serial number', { exact: true }).fill(serial);
  await page.getByLabel('Location', { exact: true }).fill('Rockdale, Texas, US');
  await page.getByLabel('Commissioned on', { exact: true }).fill('2025-02-01');
  await page.getByLabel('Reporter address', { exact: true }).fill(ANVIL_ADDRESSES[6]);
  await expect(page.getByTestId('canonical-serial')).toHaveText(`Registered as ${serial}.`);
}

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
  // The earning terms come filled in with what an operator would expect, and say they are for good.
  await expect(page.getByTestId('terms-fixed')).toContainText('Fixed for good at mint. Nobody can change these terms once the twin is minted');
  await expect(page.getByLabel('Service fee (%)', { exact: true })).toHaveValue('10');
  await expect(page.getByLabel('Electricity tariff ($/kWh)', { exact: true })).toHaveValue('0.065');
  await expect(page.getByLabel('Settlement period', { exact: true })).toHaveValue('daily');
  await expect(page.getByLabel('Grace (hours)', { exact: true })).toHaveValue('6');
  await expect(page.getByTestId('fee-example')).toHaveText(
    "Of every $100 the rig earns, the operator may keep at most $10 as its fee; the rest, less electricity, goes to the twin's owner.",
  );
  await expect(page.getByTestId('schedule')).toHaveText("A settlement to the twin's owner is due daily, and is late 6 hours after it is due.");
  await expect(page.getByTestId('terms-preview')).toHaveText("Earning terms, fixed at mint: 10% fee · $0.065/kWh · settled daily · 6 hours' grace.");

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
  // The terms go with it: the reveal sends what step 1 was made for, whatever the form says later.
  expect(saved.terms).toEqual({ service_fee_bps: 1000, tariff_micro_usd_per_kwh: 65000, settlement_period: 86400, grace_period: 21600 });

  await page.reload();
  await expect(page.getByTestId('account')).toBeVisible();
  await expect(page.getByTestId('mint-resumed')).toContainText('Resumed: step 1 of 2 was sent from this browser');
  await expect(page.getByLabel('Serial number', { exact: true })).toHaveValue('  can-a1566-e2e-0042 ');
  await expect(page.getByLabel('Hashrate (TH/s)', { exact: true })).toHaveValue('190');
  await expect(page.getByLabel('Serial number', { exact: true })).toBeDisabled();
  await expect(page.getByLabel('Service fee (%)', { exact: true })).toHaveValue('10');
  await expect(page.getByLabel('Service fee (%)', { exact: true })).toBeDisabled();
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
  const terms = await termsOnChain(chain, 13);
  expect(terms).toMatchObject({ serviceFeeBps: 1000, tariffMicroUsdPerKwh: 65000, settlementPeriod: 86400, gracePeriod: 21600 });
});

test('the terms typed into the form are the ones the minted twin holds on chain', async ({ page, wallet, chain }) => {
  const operator = await wallet(OPERATOR);
  await connect(page, operator, '/mint');
  await fillRig(page, 'BTM-S21-E2E-TERMS-0077');

  // A preset fills all four terms; every one of them stays editable.
  await expect(page.getByLabel('Settle every (hours)', { exact: true })).toHaveCount(0);
  await page.getByLabel('Typical terms').selectOption({ label: 'Flare gas, off-grid · 20% fee · $0.025/kWh · every 12 h · 6 h grace' });
  await expect(page.getByLabel('Service fee (%)', { exact: true })).toHaveValue('20');
  await expect(page.getByLabel('Settlement period', { exact: true })).toHaveValue('hours');
  await expect(page.getByLabel('Settle every (hours)', { exact: true })).toHaveValue('12');
  await page.getByLabel('Service fee (%)', { exact: true }).fill('12.5');
  await page.getByLabel('Electricity tariff ($/kWh)', { exact: true }).fill('$0.0712');
  await page.getByLabel('Settle every (hours)', { exact: true }).fill('36');
  await page.getByLabel('Grace (hours)', { exact: true }).fill('3');
  await expect(page.getByTestId('fee-example')).toContainText('the operator may keep at most $12.50 as its fee');
  // 3500 W for a day is 84 kWh; at $0.0712 that is $5.98.
  await expect(page.getByTestId('tariff-example')).toHaveText(
    "The operator may keep at most $0.0712 for each kWh the rig's telemetry meters: $5.98 for a full day of this rig at 3500 W (84 kWh).",
  );
  await expect(page.getByTestId('schedule')).toHaveText("A settlement to the twin's owner is due every 36 hours, and is late 3 hours after it is due.");
  await expect(page.getByTestId('terms-preview')).toHaveText("Earning terms, fixed at mint: 12.5% fee · $0.0712/kWh · settled every 36 hours · 3 hours' grace.");

  await transact(page, operator, 'Reserve the serial (step 1 of 2)', 'Reserve the twin of a Bitmain Antminer S21 (step 1 of 2)');
  await expect(page.getByLabel('Grace (hours)', { exact: true })).toBeDisabled();
  await chain.mine();
  await transact(page, operator, 'Mint twin (step 2 of 2)', 'Mint the twin of a Bitmain Antminer S21 (step 2 of 2)');
  await expect(page.getByTestId('minted')).toContainText('Minted as twin #13.');

  const terms = await termsOnChain(chain, 13);
  expect(terms).toMatchObject({ serviceFeeBps: 1250, tariffMicroUsdPerKwh: 71200, settlementPeriod: 36 * 3600, gracePeriod: 3 * 3600 });
  const block = await chain.call(chain.twinRegistry, 'lastTelemetryAt(uint256)(uint64)', '13');
  expect(terms.mintedAt).toBe(Number(block.split(' ')[0]));
  // The form starts afresh, with the default terms again.
  await expect(page.getByLabel('Service fee (%)', { exact: true })).toHaveValue('10');
});

test('a service fee over the 30% cap is refused by the form, in words, and no wallet opens', async ({ page, wallet }) => {
  const operator = await wallet(OPERATOR);
  await connect(page, operator, '/mint');
  await fillRig(page, 'BTM-S21-E2E-FEE-0035');
  await page.getByLabel('Service fee (%)', { exact: true }).fill('35');
  await expect(page.getByTestId('fee-example')).toHaveText('At most 30% of what the rig earns, to 2 decimals.');
  await page.getByRole('button', { name: 'Reserve the serial (step 1 of 2)' }).click();
  const fee = page.getByLabel('Service fee (%)', { exact: true });
  await expect(fee).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#mint-servicefee-error')).toHaveText('The service fee can be at most 30% of what the rig earns: the registry caps it there.');
  await expect(page.getByText('Fix the highlighted field first. Nothing was sent.')).toBeVisible();
  await expect(page.getByTestId('fee')).toHaveCount(0);
  expect(operator.getPendingRequestCount(Web3RequestKind.SendTransaction)).toBe(0);
  // Only the fee is wrong: the other terms are not blamed.
  for (const field of ['tariff', 'grace']) await expect(page.locator(`#mint-${field}-error`)).toBeEmpty();
  // A tariff typed in cents gets its own words.
  await page.getByLabel('Electricity tariff ($/kWh)', { exact: true }).fill('6.5');
  await expect(page.locator('#mint-tariff-error')).toHaveText(
    'The tariff can be at most $1 per kWh, several times any industrial rate: give it in dollars, not cents (6.5¢ is 0.065).',
  );
  // Fixed, the fee passes and the worked figure follows it.
  await fee.fill('30');
  await expect(page.locator('#mint-servicefee-error')).toBeEmpty();
  await expect(page.getByTestId('fee-example')).toContainText('the operator may keep at most $30 as its fee');
  expect(operator.getPendingRequestCount(Web3RequestKind.SendTransaction)).toBe(0);
});

test('a step 1 saved by the version before earning terms is refused, not revealed with terms nobody chose', async ({ page, wallet, chain }) => {
  const operator = await wallet(OPERATOR);
  await connect(page, operator, '/mint');
  // Step 1 as the earlier version sent it, and the pending mint as it kept it: no terms anywhere.
  const serial = 'BTM-S21-E2E-OLD-0001';
  const salt = `0x${'a5'.repeat(32)}`;
  const commitment = await chain.call(chain.twinRegistry, 'mintCommitment(string,address,bytes32)(bytes32)', serial, ANVIL_ADDRESSES[OPERATOR], salt);
  await chain.send(OPERATOR, chain.twinRegistry, 'commitMint(bytes32)', commitment);
  await chain.mine();
  const old = {
    chain_id: 31337,
    registry: chain.twinRegistry.toLowerCase(),
    account: ANVIL_ADDRESSES[OPERATOR].toLowerCase(),
    serial,
    salt: 'a5'.repeat(32),
    form: {
      manufacturer: 'Bitmain', model: 'Antminer S21', serial, hashrate_ths: '200', power_watts: '3500', location: 'Rockdale, Texas, US',
      commissioned: '2025-02-01', reporter: ANVIL_ADDRESSES[6], royalty_percent: '5', list_price: '',
    },
    commit_tx: `0x${'ee'.repeat(32)}`,
  };
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [PENDING_KEY, JSON.stringify(old)]);
  await page.reload();
  await expect(page.getByTestId('account')).toBeVisible();

  await expect(page.getByTestId('mint-outdated')).toHaveText(/^This step 1 was sent by an earlier version of HashTwin, before twins had earning terms\..*start over/);
  await expect(page.getByTestId('mint-stage')).toContainText('Step 2 mints the twin.');
  await expect(page.getByRole('button', { name: 'Mint twin (step 2 of 2)' })).toHaveCount(0);
  await expect(page.getByTestId('mint-resumed')).toHaveCount(0);
  await expect(page.getByLabel('Serial number', { exact: true })).toHaveValue(serial);
  expect(operator.getPendingRequestCount(Web3RequestKind.SendTransaction)).toBe(0);

  // Starting over gives a fresh form with the default terms, and the serial can be reserved anew.
  await page.getByRole('button', { name: 'Start over' }).click();
  expect(await page.evaluate((key) => localStorage.getItem(key), PENDING_KEY)).toBeNull();
  await expect(page.getByLabel('Service fee (%)', { exact: true })).toBeEnabled();
  await expect(page.getByLabel('Service fee (%)', { exact: true })).toHaveValue('10');
  await expect(page.getByLabel('Serial number', { exact: true })).toHaveValue(serial);
  await expect(page.getByRole('button', { name: 'Reserve the serial (step 1 of 2)' })).toBeVisible();
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
