import { test, expect, connect, transact, Web3RequestKind, ANVIL_ADDRESSES } from './fixtures.mjs';

// Seeded (scripts/lib/seed-history.mjs): a month of hourly telemetry and settlements for twins 1-8.
// Operator 1 (account 1) runs and holds twins 1 and 5, reported by account 5; operator 4 keeps back
// about 15% of its twins' (4 and 8) pool earnings; twin 5 stopped being settled three days ago.
const OPERATOR = 1;
const REPORTER = 5;
const INVESTOR = 8;
const REPORT = '(uint64,uint64,uint32,int16,uint32,uint32,uint64,uint64)';

/** Reports twin `tokenId`'s last `hours` hours, hourly, ending at the chain's clock: the new
 * telemetry a period needs before it can be settled. */
async function reportHours(chain, tokenId, hours) {
  const now = await chain.now();
  const reports = Array.from({ length: hours }, (_, i) => `(${now - (hours - 1 - i) * 3_600 - 30},199000,3480,650,4100,${(i + 1) * 3_600},1200,2)`);
  await chain.send(REPORTER, chain.twinRegistry, `reportTelemetry(uint256,${REPORT}[])`, String(tokenId), `[${reports.join(',')}]`);
}

/** Settles twin `tokenId`'s period to its newest report from its operator with `grossWei`,
 * keeping nothing back: net is gross. */
async function settleAll(chain, tokenId, grossWei) {
  const metered = await chain.call(chain.twinRegistry, 'meterOf(uint256)(uint64,uint64)', String(tokenId));
  const periodEnd = metered.split('\n')[1].trim().split(' ')[0];
  await chain.send(OPERATOR, chain.twinEarnings, 'settle(uint256,uint64,uint256,uint256,uint256)', String(tokenId), periodEnd, grossWei, '0', '0', '--value', grossWei);
}

/** The percentage a cell shows ("83%"), as a number. */
async function percent(locator) {
  const text = await locator.textContent();
  const match = text.match(/^(\d+)%$/);
  expect(match, `a percentage, not "${text}"`).not.toBeNull();
  return Number(match[1]);
}

test('the operator settles a period through the Settle panel, and an electricity claim over its cap is refused in words first', async ({ page, wallet, chain }) => {
  // Two more hours of twin 1: the seed settled everything before them.
  await chain.increaseTime(2 * 3_600);
  await chain.mine();
  await reportHours(chain, 1, 2);
  const operator = await wallet(OPERATOR);
  await connect(page, operator, '/twin/1');
  const panel = page.getByTestId('settle-panel');
  await expect(panel.getByTestId('settle-energy')).toHaveText(/^\d+\.\d kWh$/);
  await expect(panel.getByTestId('electricity-cap')).toContainText('at $0.055/kWh');
  await expect(panel.getByTestId('fee-cap')).toContainText('10%');

  await panel.getByLabel('Gross the rig earned, ETH').fill('0.01');
  await panel.getByLabel('Electricity kept, ETH').fill('1');
  await expect(panel.getByTestId('settle-error')).toHaveText(
    /^The electricity is over the metered energy at the twin's tariff: at most 0\.\d+ ETH\.$/,
  );
  await panel.getByRole('button', { name: 'Settle the period', exact: true }).click();
  await expect(panel.getByRole('alert').last()).toContainText('The electricity is over the metered energy');
  await expect(page.getByTestId('fee')).toHaveCount(0);
  expect(operator.getPendingRequestCount(Web3RequestKind.SendTransaction)).toBe(0);

  await panel.getByLabel('Electricity kept, ETH').fill('');
  await expect(panel.getByTestId('settle-net')).toContainText('The holder receives 0.00');
  const rows = page.getByTestId('payout-row');
  await expect(rows).toHaveCount(30);
  await panel.getByRole('button', { name: 'Settle the period', exact: true }).click();
  await expect(page.getByTestId('fee')).toBeVisible();
  await page.getByRole('button', { name: 'Confirm in wallet' }).click();
  await operator.authorize(Web3RequestKind.SendTransaction);
  await expect(
    page.getByTestId('toast').filter({ hasText: /Settle twin #1: 0\.01 ETH gross, [\d.]+ ETH to its holder: done/ }),
  ).toBeVisible();
  await expect(rows).toHaveCount(31);
  await expect(rows.first().locator('td').nth(3)).toHaveText('0.01 ETH');
});

test('the holder sees what settlements credited it and claims it all', async ({ page, wallet }) => {
  const holder = await wallet(OPERATOR);
  await connect(page, holder, '/portfolio');
  const earnings = page.getByTestId('earnings');
  await expect(earnings.getByTestId('earned')).toHaveText(/^0\.\d+ ETH$/);
  const earned = await earnings.getByTestId('earned').textContent();
  await expect(earnings.getByTestId('claimable')).toHaveText(`${earned} to claim.`);
  // Operator 1 still holds the three twins it runs: 1, 5 and 9.
  await expect(page.getByTestId('twin-yield')).toHaveCount(3);
  await transact(page, holder, `Claim all ${earned}`, `Claim ${earned} of earnings`);
  await expect(earnings.getByTestId('claimable')).toHaveText('Nothing to claim.');
  await expect(earnings.getByTestId('claimed')).toHaveText(earned);
});

test("the underpaying operator's twin shows what it paid against what its rig's telemetry says it earned", async ({ page }) => {
  await page.goto('/twin/4');
  const underpaid = page.getByTestId('payouts').getByTestId('paid-ratio-30d');
  await expect(underpaid).toHaveText(/^\d+%$/);
  expect(await percent(underpaid)).toBeLessThan(90);
  await expect(underpaid).toHaveClass('error');
  await expect(page.getByTestId('kept-warning')).toBeVisible();

  await page.goto('/twin/1');
  const fair = page.getByTestId('payouts').getByTestId('paid-ratio-30d');
  await expect(fair).toHaveText(/^\d+%$/);
  expect(await percent(fair)).toBeGreaterThanOrEqual(90);
  await expect(page.getByTestId('payout-row').first().getByTestId('paid-ratio')).toHaveText(/^\d+%$/);

  // Twin 5's operator stopped settling it three days ago: past its six hours of grace.
  await page.goto('/twin/5');
  await expect(page.getByTestId('next-settlement')).toHaveAttribute('data-late', 'true');
  await expect(page.getByTestId('late')).toHaveText('Late');
});

test('a twin sold mid-period: the seller keeps what was credited before the sale, the buyer gets what comes after', async ({ page, wallet, chain }) => {
  const seller = ANVIL_ADDRESSES[OPERATOR];
  const buyer = ANVIL_ADDRESSES[INVESTOR];
  const claimable = async (account) =>
    BigInt((await chain.call(chain.twinEarnings, 'claimableOf(address)(uint256)', account)).split(' ')[0]);
  const before = await claimable(seller);
  await chain.increaseTime(3_600);
  await reportHours(chain, 1, 1);
  await settleAll(chain, 1, '7000000000000000');
  await chain.send(OPERATOR, chain.twinRegistry, 'transferFrom(address,address,uint256)', seller, buyer, '1');
  await chain.increaseTime(3_600);
  await reportHours(chain, 1, 1);
  await settleAll(chain, 1, '3000000000000000');
  expect(await claimable(seller)).toBe(before + 7_000_000_000_000_000n);
  expect(await claimable(buyer)).toBe(3_000_000_000_000_000n);

  const investor = await wallet(INVESTOR);
  await connect(page, investor, '/portfolio');
  const earnings = page.getByTestId('earnings');
  await expect(earnings.getByTestId('earned')).toHaveText('0.003 ETH');
  // The seed gave the investor shares of the split twins 2 and 3 too, whose earnings come on top.
  // The shares' part is read apart from the whole twin's, and may come in after it.
  const toClaim = /^([\d.]+) ETH to claim \(([\d.]+) ETH of it from your shares\)\.$/;
  await expect
    .poll(async () => {
      const [, all, fromShares] = (await earnings.getByTestId('claimable').textContent()).match(toClaim) ?? [];
      return all && Math.round((Number(all) - Number(fromShares)) * 1e6);
    }, 'microether to claim from the whole twin')
    .toBe(3_000);
  await expect(page.getByTestId('twin-yield')).toContainText('0.003 ETH credited to you so far');
});
