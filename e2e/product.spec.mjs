import { test, expect, injectWallet, Web3RequestKind } from './fixtures.mjs';
import { CHAIN_ID } from '../scripts/lib/localchain.mjs';

// Seeded (contracts/script/Seed.s.sol): twin N is operated and owned by account 1 + (N - 1) % 4;
// accounts 8 and 9 are investors; account 8 has offered 1.5 ETH on twin 1.
const OPERATOR = 1;
const INVESTOR = 8;
const INVESTOR_ADDRESS = '0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f';
const OPERATOR_ADDRESS = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';

async function connect(page, provider, path) {
  await page.goto(path);
  await page.getByRole('button', { name: 'Connect' }).click();
  await provider.authorize(Web3RequestKind.RequestAccounts);
  await expect(page.getByTestId('account')).toBeVisible();
}

/** Presses a transaction button, checks the fee is shown first, and approves it in the wallet. */
async function transact(page, provider, buttonName, doneLabel) {
  await page.getByRole('button', { name: buttonName, exact: true }).click();
  await expect(page.getByTestId('fee')).toBeVisible();
  await page.getByRole('button', { name: 'Confirm in wallet' }).click();
  await provider.authorize(Web3RequestKind.SendTransaction);
  await expect(page.getByTestId('toast').filter({ hasText: `${doneLabel}: done` })).toBeVisible();
}

const VALID = {
  Manufacturer: 'Bitmain',
  Model: 'Antminer S21 Pro',
  'Serial number': 'E2E-S21P-000042',
  'Hashrate (TH/s)': '234',
  'Power draw (W)': '3510',
  Location: 'Kuopio, Finland',
  'Commissioned on': '2025-03-14',
  'Reporter address': '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  'Royalty (%)': '2.5',
  'List price (ETH)': '3.25',
};

async function fillMintForm(page, values) {
  for (const [label, value] of Object.entries(values)) {
    await page.getByLabel(label, { exact: true }).fill(value);
  }
}

test('the full journey: an operator mints and lists, an investor buys, the seller withdraws', async ({ page, browser, chain }) => {
  const operator = await injectWallet(page, OPERATOR, CHAIN_ID, chain.url);
  await connect(page, operator, '/mint');
  await fillMintForm(page, VALID);
  await expect(page.getByTestId('royalty-bps')).toHaveText('250 bps of every resale, paid to the operator.');
  await expect(page.locator('.preview').getByRole('heading', { name: 'Bitmain Antminer S21 Pro' })).toBeVisible();
  await transact(page, operator, 'Reserve the serial (step 1 of 2)', 'Reserve the twin of a Bitmain Antminer S21 Pro (step 1 of 2)');
  // The registry takes the reveal only in a block after the commitment's; anvil mines on demand.
  await expect(page.getByTestId('mint-stage')).toContainText('Waiting for the next block');
  await chain.mine();
  await transact(page, operator, 'Mint twin (step 2 of 2)', 'Mint the twin of a Bitmain Antminer S21 Pro (step 2 of 2)');
  await expect(page.getByTestId('minted')).toContainText('Minted as twin #13.');

  // The seeded operator has approved the market before; listing is the one step left.
  await expect(page.getByLabel('Price, ETH')).toHaveValue('3.25');
  await transact(page, operator, 'List for sale', 'List twin #13 for 3.25 ETH');

  await page.goto('/?q=%2313');
  await expect(page.getByTestId('twin-card')).toHaveCount(1);
  await expect(page.getByTestId('card-price')).toHaveText('For sale: 3.25 ETH 0.0325 ETH per 1%');

  // The investor, in a browser of their own.
  const investorContext = await browser.newContext();
  const investorPage = await investorContext.newPage();
  const investor = await injectWallet(investorPage, INVESTOR, CHAIN_ID, chain.url);
  await connect(investorPage, investor, '/twin/13');
  await expect(investorPage.getByTestId('listing')).toHaveText('Listed for 3.25 ETH by alice-mining.eth');
  await transact(investorPage, investor, 'Buy for 3.25 ETH', 'Buy twin #13 for 3.25 ETH');
  await expect(investorPage.getByTestId('owner')).toHaveText(INVESTOR_ADDRESS);
  await expect(investorPage.getByTestId('provenance')).toContainText('Sold by alice-mining.eth to 0x2361…1e8f (you) for 3.25 ETH');
  await expect(investorPage.getByTestId('provenance')).toContainText('Minted by alice-mining.eth');
  await investorContext.close();

  // The seller's proceeds: the price less the 2.5% fee; the royalty comes back to them as operator.
  await page.goto('/portfolio');
  await expect(page.getByTestId('proceeds')).toContainText('ETH to withdraw.');
  const proceeds = (await page.getByTestId('proceeds').textContent()).replace(' to withdraw.', '');
  await transact(page, operator, `Withdraw ${proceeds}`, `Withdraw ${proceeds}`);
  await expect(page.getByTestId('proceeds')).toHaveText('Nothing to withdraw.');

  await page.goto('/?q=%2313');
  await expect(page.getByTestId('card-price')).toHaveText('Not for sale');
});

test('an offer is made by an investor and accepted by the owner', async ({ page, browser, chain }) => {
  const investor = await injectWallet(page, INVESTOR, CHAIN_ID, chain.url);
  await connect(page, investor, '/twin/4');
  await page.getByLabel('Amount, ETH').fill('2.2');
  await transact(page, investor, 'Make offer', 'Offer 2.2 ETH for twin #4');
  await expect(page.getByTestId('own-offer')).toContainText('Your offer: 2.2 ETH, expires in 7 days');

  const ownerContext = await browser.newContext();
  const ownerPage = await ownerContext.newPage();
  const owner = await injectWallet(ownerPage, 4, CHAIN_ID, chain.url);
  await connect(ownerPage, owner, '/twin/4');
  await expect(ownerPage.getByTestId('offers')).toContainText('2.2 ETH from 0x2361…1e8f');
  await transact(ownerPage, owner, 'Accept 2.2 ETH', 'Accept 2.2 ETH from 0x2361…1e8f for twin #4');
  await expect(ownerPage.getByTestId('owner')).toHaveText(INVESTOR_ADDRESS);
  await expect(ownerPage.getByTestId('provenance')).toContainText('for 2.2 ETH (offer accepted)');
  await ownerContext.close();
});

const INVALID = [
  ['an empty model', { Model: '' }, 'Model'],
  ['a serial already used', { 'Serial number': 'BTM-S21-2401-000117' }, 'Serial number'],
  ['a royalty over the maximum', { 'Royalty (%)': '12' }, 'Royalty (%)'],
  ['a bad address', { 'Reporter address': '0x90F79bf6EB2c4f870365E785982E1f101E93b9' }, 'Reporter address'],
  ['a negative price', { 'List price (ETH)': '-1' }, 'List price (ETH)'],
  ['a serial with a space in it', { 'Serial number': 'E2E S21P 000042' }, 'Serial number'],
  ['a model over its 48 bytes', { Model: 'Antminer S21 Pro with an immersion kit and a custom PSU' }, 'Model'],
  ['the power in kilowatts', { 'Power draw (W)': '4' }, 'Power draw (W)'],
  ['a hashrate over 100 EH/s', { 'Hashrate (TH/s)': '100000001' }, 'Hashrate (TH/s)'],
  ['a price with too many decimals', { 'List price (ETH)': '1.0000000000000000001' }, 'List price (ETH)'],
];

for (const [what, change, field] of INVALID) {
  test(`minting with ${what} says why and sends nothing`, async ({ page, chain }) => {
    const operator = await injectWallet(page, OPERATOR, CHAIN_ID, chain.url);
    await connect(page, operator, '/mint');
    await fillMintForm(page, { ...VALID, ...change });
    await page.getByRole('button', { name: 'Reserve the serial (step 1 of 2)' }).click();
    const input = page.getByLabel(field, { exact: true });
    await expect(input).toHaveAttribute('aria-invalid', 'true');
    const message = page.locator(`#${await input.getAttribute('aria-describedby')}`);
    await expect(message).not.toBeEmpty();
    await expect(page.getByText(/Fix the (highlighted field|\d+ highlighted fields) first\. Nothing was sent\./)).toBeVisible();
    await expect(page.getByTestId('fee')).toHaveCount(0);
    expect(operator.getPendingRequestCount(Web3RequestKind.SendTransaction)).toBe(0);
    console.log(`${what}: ${await message.textContent()}`);
  });
}

test('a telemetry chart reads out its values with the pointer and with the keyboard', async ({ page }) => {
  await page.goto('/twin/1');
  const chart = page.getByRole('img', { name: 'Hashrate, TH/s' });
  await chart.hover();
  await expect(chart.locator('.readout')).toHaveText(/^[\d.]+ TH\/s · \w{3} \d+ \d\d:\d\d UTC$/);
  await page.mouse.move(0, 0);
  await chart.focus();
  await page.keyboard.press('End');
  const newest = await chart.locator('.readout').textContent();
  await page.keyboard.press('ArrowLeft');
  await expect(chart.locator('.readout')).not.toHaveText(newest);
  await expect(page.getByTestId('uptime')).toHaveText(/^\d+\.\d%$/);
});

test("a twin's maintenance log shows the seeded entry, and says when there is none", async ({ page }) => {
  await page.goto('/twin/9');
  await expect(page.getByTestId('status')).toHaveText('Offline');
  const entries = page.getByTestId('maintenance').getByRole('listitem');
  await expect(entries).toHaveCount(1);
  await expect(entries.locator('strong')).toHaveText('Repair');
  await expect(entries).toContainText('Hashboard 2 lost a chip chain; board sent for rework.');
  await expect(entries.locator('.meta')).toHaveText(/^\d{4}-\d\d-\d\d · block \d+$/);

  await page.goto('/twin/1');
  await expect(page.getByTestId('maintenance').getByRole('listitem')).toHaveText([
    /^InspectionQuarterly inspection: hashboards clean, intake filters replaced\./,
  ]);

  await page.goto('/twin/12');
  await expect(page.getByRole('region', { name: 'Maintenance log' })).toContainText('Nothing logged yet.');
  await expect(page.getByTestId('maintenance')).toHaveCount(0);
});

test('the earnings panel works from the nameplate without reports, follows the prices typed, and refuses bad ones', async ({ page }) => {
  // Twin 10, an Avalon A1466 (150 TH/s, 3230 W), has no telemetry on the demo chain.
  await page.goto('/twin/10');
  const panel = page.getByTestId('profitability');
  await expect(panel).toContainText('150.0 TH/s at 3230 W, nameplate: no reports in the last 7 days.');
  // By default, the hashprice the feeds give and the tariff the twin was minted with (operator 2's).
  await expect(panel.getByTestId('profitability-sources')).toHaveText(
    /^At the feeds' hashprice, \$0\.0\d{3}\/TH\/day and the twin's tariff, \$0\.045\/kWh\.$/,
  );
  await expect(panel.getByTestId('revenue')).toHaveText(/^\$\d+\.\d\d$/);
  // $0.05 per TH/s a day and $0.06 per kWh: 7.50 in, 3.23 kW × 24 h × 0.06 = 4.65 out.
  await panel.getByLabel('Hashprice, $/TH/day').fill('0.05');
  await panel.getByLabel('Electricity, $/kWh').fill('0.06');
  await expect(panel.getByTestId('profitability-sources')).toHaveText('At your hashprice and your power price.');
  await expect(panel.getByTestId('revenue')).toHaveText('$7.50');
  await expect(panel.getByTestId('power-cost')).toHaveText('$4.65');
  await expect(panel.getByTestId('net')).toHaveText('$2.85');
  await expect(panel.getByTestId('break-even')).toHaveText('$0.10/kWh');

  await panel.getByLabel('Electricity, $/kWh').fill('0.1');
  await expect(panel.getByTestId('power-cost')).toHaveText('$7.75');
  await expect(panel.getByTestId('net')).toHaveText('−$0.25');
  await expect(panel.getByTestId('net')).toHaveClass('error');

  await panel.getByLabel('Hashprice, $/TH/day').fill('cheap');
  await expect(panel.getByRole('alert')).not.toBeEmpty();
  await expect(panel).toContainText('Fix the figures above to see the estimate.');
  await expect(panel.getByTestId('revenue')).toHaveCount(0);

  // A twin that reports is costed on what it measured over the week.
  await page.goto('/twin/1');
  await expect(page.getByTestId('profitability')).toContainText(/TH\/s at \d+ W, measured over the last 7 days\./);
});

test("an investor's portfolio shows the shares they hold of split twins; another's lists the offer they made", async ({ page, browser, chain }) => {
  // Account 9 bought twin 3 for 2.8 ETH and split it into 100,000 shares, 15,000 of which it sold to
  // account 8; it also bought 100,000 of twin 2's million shares.
  const buyer = await injectWallet(page, 9, CHAIN_ID, chain.url);
  await connect(page, buyer, '/portfolio');
  await expect(page.getByTestId('portfolio-totals').getByTestId('owned-count')).toHaveText('0');
  const positions = page.getByTestId('share-position');
  await expect(positions).toHaveCount(2);
  await expect(positions.filter({ hasText: 'Twin #2' })).toContainText('100000 shares');
  await expect(positions.filter({ hasText: 'Twin #2' })).toContainText('10%');
  await expect(positions.filter({ hasText: 'Twin #3' })).toContainText('85000 shares');
  await expect(positions.filter({ hasText: 'Twin #3' })).toContainText('85%');
  await expect(positions.filter({ hasText: 'Twin #3' }).getByTestId('position-earned-to-date')).toHaveText(/^0\.\d+ ETH$/);
  await expect(page.getByTestId('claimable')).toContainText('of it from your shares');
  // Account 8's 15,000 shares at 0.00003 ETH, less the 2.5% fee and the twin's 7.5% royalty.
  await expect(page.getByTestId('proceeds')).toHaveText('0.405 ETH to withdraw.');

  // Account 8 owns nothing and has offered 1.5 ETH on twin 1.
  const bidderContext = await browser.newContext();
  const bidderPage = await bidderContext.newPage();
  const bidder = await injectWallet(bidderPage, INVESTOR, CHAIN_ID, chain.url);
  await connect(bidderPage, bidder, '/portfolio');
  await expect(bidderPage.getByTestId('owned-count')).toHaveText('0');
  await expect(bidderPage.getByTestId('portfolio-totals')).toContainText('0.0 TH/s');
  await expect(bidderPage.getByTestId('offers-made').getByRole('listitem')).toHaveCount(1);
  await expect(bidderPage.getByTestId('offers-made')).toContainText('1.5 ETH');
  await bidderContext.close();
});

test('the gallery filters, sorts and pages, and keeps its query in the address', async ({ page, chain }) => {
  await page.goto('/');
  const count = page.getByTestId('twin-count');
  const ids = page.getByTestId('twin-card').locator('.twin-id');
  await expect(count).toHaveText('12 twins');

  await page.getByLabel('Maker').selectOption('Canaan');
  await expect(count).toHaveText('2 of 12 twins');
  await expect(page).toHaveURL(/make=Canaan/);
  await expect(page.getByTestId('twin-card').getByRole('heading')).toHaveText(['Canaan Avalon A1566', 'Canaan Avalon A1466']);
  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(count).toHaveText('12 twins');

  await page.getByLabel('Status').selectOption('Offline');
  await expect(count).toHaveText('1 of 12 twins');
  await expect(ids).toHaveText([/^#9 /]);
  await page.getByRole('button', { name: 'Clear' }).click();

  // Four twins listed whole, and two split twins with shares offered (3 and 2.4 ETH for the whole).
  await page.getByLabel('For sale only').check();
  await expect(count).toHaveText('6 of 12 twins');
  await page.getByLabel('Sort').selectOption('price-desc');
  await expect(page).toHaveURL(/sort=price-desc/);
  await expect(ids).toHaveText([/^#3 /, /^#2 /, /^#12 /, /^#7 /, /^#10 /, /^#5 /]);
  await page.getByLabel('Lowest price in ETH').fill('1.2');
  await page.getByLabel('Lowest price in ETH').press('Enter');
  await page.getByLabel('Highest price in ETH').fill('2');
  await page.getByLabel('Highest price in ETH').press('Enter');
  await expect(ids).toHaveText([/^#7 /, /^#10 /]);
  await expect(count).toHaveText('2 of 12 twins');
  // The query survives a reload: it lives in the address.
  await page.reload();
  await expect(ids).toHaveText([/^#7 /, /^#10 /]);
  await page.getByRole('button', { name: 'Clear' }).click();

  // The S21 XP (13.5 J/TH) and S21 Pro (15.0 J/TH) are the only ones under 15.5 J/TH.
  await page.getByLabel('Worst efficiency in J/TH').fill('15.5');
  await page.getByLabel('Worst efficiency in J/TH').press('Enter');
  await page.getByLabel('Sort').selectOption('efficiency');
  await expect(ids).toHaveText([/^#3 /, /^#2 /]);
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByLabel('Sort').selectOption('hashrate');
  await expect(ids.first()).toHaveText(/^#6 /);

  // Forty more twins make 52: 48 on the first page, 4 on the second.
  await chain.addTwins(40);
  await page.goto('/');
  await expect(count).toHaveText('52 twins');
  await expect(page.getByTestId('twin-card')).toHaveCount(48);
  const pager = page.getByRole('navigation', { name: 'Pages' });
  await expect(pager).toContainText('Page 1 of 2');
  await expect(pager.getByRole('button', { name: 'Previous' })).toBeDisabled();
  await pager.getByRole('button', { name: 'Next' }).click();
  await expect(pager).toContainText('Page 2 of 2');
  await expect(page).toHaveURL(/page=2/);
  await expect(page.getByTestId('twin-card')).toHaveCount(4);
  await expect(pager.getByRole('button', { name: 'Next' })).toBeDisabled();
  await pager.getByRole('button', { name: 'Previous' }).click();
  await expect(page.getByTestId('twin-card')).toHaveCount(48);
});
