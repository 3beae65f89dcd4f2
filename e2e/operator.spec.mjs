import { test, expect, connect, transact, freezeHead, injectWallet, ANVIL_ADDRESSES } from './fixtures.mjs';
import { CHAIN_ID } from '../scripts/lib/localchain.mjs';

// Seeded (contracts/script/Seed.s.sol): twin N is operated and owned by account 1 + (N - 1) % 4.
// These tests use twins 6 (account 2), 8 (account 4) and 11 (account 3), which no other spec uses;
// account 9 stands for a new operator.

test('only the operator sees the tools', async ({ page, wallet }) => {
  const investor = await wallet(9);
  await connect(page, investor, '/twin/6');
  await expect(page.getByTestId('market-panel')).toBeVisible();
  await expect(page.getByTestId('operator-tools')).toHaveCount(0);
});

test('the operator logs maintenance, and it shows in the log', async ({ page, wallet }) => {
  const operator = await wallet(2);
  await connect(page, operator, '/twin/6');
  const tools = page.getByTestId('operator-tools');
  await tools.getByLabel('Kind of work').selectOption({ label: 'Firmware update' });
  await tools.getByLabel('Note').fill('Flashed the 2025.03 firmware; autotuning at 17.8 J/TH.');
  await expect(tools.getByTestId('note-bytes')).toHaveText('54 / 280 bytes');
  await transact(page, operator, 'Log maintenance', 'Log firmware update on twin #6');
  const log = page.getByTestId('maintenance');
  await expect(log).toContainText('Firmware update');
  await expect(log).toContainText('Flashed the 2025.03 firmware; autotuning at 17.8 J/TH.');
});

test('the operator takes the rig offline, and the status shows it', async ({ page, wallet }) => {
  const operator = await wallet(2);
  await connect(page, operator, '/twin/6');
  await expect(page.getByTestId('status')).toHaveText('Active');
  await page.getByLabel('New status').selectOption({ label: 'Offline' });
  await transact(page, operator, 'Change status', 'Mark twin #6 offline');
  await expect(page.getByTestId('status')).toHaveText('Offline');
  await expect(page.getByTestId('provenance')).toContainText('Status changed to Offline');
});

test('decommissioning takes the twin\'s words typed, is final, and the twin can no longer be listed', async ({ page, browser, wallet, chain }) => {
  // A tab of the owner's opened before, still offering to list the twin.
  const staleContext = await browser.newContext();
  const stale = await staleContext.newPage();
  const staleWallet = await injectWallet(stale, 4, CHAIN_ID, chain.url);
  await connect(stale, staleWallet, '/twin/8');
  await expect(stale.getByRole('button', { name: 'List for sale', exact: true })).toBeVisible();
  await freezeHead(stale, chain);

  const operator = await wallet(4);
  await connect(page, operator, '/twin/8');
  await page.getByLabel('New status').selectOption({ label: 'Decommissioned' });
  await page.getByRole('button', { name: 'Change status', exact: true }).click();
  await expect(page.getByTestId('operator-tools').getByRole('alert')).toHaveText(
    'Decommissioning is final: the twin will take no telemetry and can never be sold again. Type \u201cdecommission twin 8\u201d to confirm.',
  );
  await expect(page.getByTestId('fee')).toHaveCount(0);
  await page.getByLabel('Confirmation').fill('decommission twin 8');
  await transact(page, operator, 'Change status', 'Decommission twin #8 for good');
  await expect(page.getByTestId('status')).toHaveText('Decommissioned');
  await expect(page.getByTestId('operator-tools')).toContainText('Decommissioned: that is final.');
  await expect(page.getByLabel('New status')).toHaveCount(0);
  await expect(page.getByTestId('list-refused')).toHaveText(
    'Twin #8 was decommissioned: it can no longer be listed, bought or bid on.',
  );
  await expect(page.getByRole('button', { name: 'List for sale', exact: true })).toHaveCount(0);

  // The stale tab tries anyway; the market refuses, in words, before the wallet opens.
  await stale.getByLabel('Price, ETH').fill('1.5');
  await stale.getByRole('button', { name: 'List for sale', exact: true }).click();
  await expect(stale.getByTestId('market-panel').getByRole('alert')).toHaveText(
    'This would fail, so nothing was sent: Twin #8 was decommissioned: it can no longer be listed, bought or bid on.',
  );
  await expect(stale.getByTestId('fee')).toHaveCount(0);
  await staleContext.close();
});

test('the operator rotates the reporter key, checked like an address a wallet takes', async ({ page, wallet }) => {
  const operator = await wallet(2);
  await connect(page, operator, '/twin/6');
  // Twin 6's reporter is account 7's key; the operator moves it to a key of account 1's.
  await expect(page.getByTestId('reporter')).toHaveText(ANVIL_ADDRESSES[7].toLowerCase());
  const newReporter = ANVIL_ADDRESSES[1];
  // One capital off: the checksum catches the typo before any wallet opens.
  await page.getByLabel('New reporter address').fill(newReporter.replace('C518', 'c518'));
  await page.getByRole('button', { name: 'Rotate the reporter key', exact: true }).click();
  await expect(page.getByTestId('operator-tools').getByRole('alert')).toHaveText(
    "This address's capital letters don't match its checksum, so it was probably mistyped; paste it again.",
  );
  await page.getByLabel('New reporter address').fill(newReporter);
  await transact(page, operator, 'Rotate the reporter key', 'Make 0x7099…79c8 the reporter of twin #6');
  await expect(page.getByTestId('reporter')).toHaveText(newReporter.toLowerCase());
});

test('the operator offers the rig to another account, which accepts and becomes the operator', async ({ page, browser, wallet, chain }) => {
  const operator = await wallet(3);
  await connect(page, operator, '/twin/11');
  const successor = ANVIL_ADDRESSES[9];
  await page.getByLabel('New operator address').fill(successor);
  await transact(page, operator, 'Offer the operator role', 'Offer the operator role of twin #11 to 0xa0ee…9720');
  await expect(page.getByTestId('pending-operator')).toContainText(`Offered to ${successor.toLowerCase()}`);
  await expect(page.getByTestId('operator')).toHaveText(ANVIL_ADDRESSES[3].toLowerCase());

  // The second wallet, in a browser of its own.
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  const successorWallet = await injectWallet(other, 9, CHAIN_ID, chain.url);
  await connect(other, successorWallet, '/twin/11');
  await expect(other.getByTestId('operator-offer')).toContainText('carol-rigs.eth offered you the running of this rig');
  await expect(other.getByTestId('operator-tools')).toHaveCount(0);
  await transact(other, successorWallet, 'Accept operator role', 'Become the operator of twin #11');
  await expect(other.getByTestId('operator')).toHaveText(successor.toLowerCase());
  await expect(other.getByTestId('operator-tools')).toBeVisible();
  await expect(other.getByTestId('provenance')).toContainText('Operator changed from carol-rigs.eth to 0xa0ee…9720');
  await otherContext.close();

  // The old operator's tools are gone once the page catches up.
  await page.reload();
  await expect(page.getByTestId('operator')).toHaveText(successor.toLowerCase());
  await expect(page.getByTestId('operator-tools')).toHaveCount(0);
});
