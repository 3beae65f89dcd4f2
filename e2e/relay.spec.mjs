import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test, expect, Web3RequestKind, injectWallet } from './fixtures.mjs';
import { CHAIN_ID, ROOT } from '../scripts/lib/localchain.mjs';

// Accounts 5-7 are the seed's reporter keys: nothing in the suite has them touch the ledger.
const CONTRIBUTOR = 6;
const CONTRIBUTOR_ADDRESS = '0x976ea74026e726554db657fa54763abd0c3a0aa9';
const CONTRIBUTOR_SHORT = '0x976e…0aa9';
const FRONT_RUNNER_ADDRESS = '0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc'; // account 5
const RELAYER = 7;
const RELAYER_ADDRESS = '0x14dc79964da2c08b23698b3d3cc7ca32193d9955';
const TWIN = 2;
// As in miner.spec.mjs: a share every few hundred milliseconds instead of one per 16.7 M hashes.
const EASY_BITS = '0x1e7fffff';
const BATCH = '(uint256,address,bytes32,uint32,uint32,uint32,uint32[])';

const CAST = join(ROOT, 'node_modules', '@foundry-rs', 'cast-linux-amd64', 'bin', 'cast');
const cast = async (...args) => (await promisify(execFile)(CAST, args)).stdout.trim();

// Mining runs in real time.
test.describe.configure({ timeout: 120_000 });

/** A JSON-RPC call whose error is returned whole (code, message and revert data), not thrown. */
async function rpcAnswer(url, method, params) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return response.json();
}

const uint = (text) => BigInt(text.split(' ')[0]);
const word = (address) => address.slice(2).padStart(64, '0');

function failOnPageErrors(page) {
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return () => expect(errors, 'uncaught errors in the page').toEqual([]);
}

test('a batch relayed after a front-run still credits the remaining shares', async ({ page, browser, chain, wallet }) => {
  await chain.send(0, chain.hashLedger, 'setMinBits(uint32)', EASY_BITS);

  // Wallet A mines for twin #2 until it holds at least two shares.
  const contributor = await wallet(CONTRIBUTOR);
  await page.goto(`/mine?twin=${TWIN}`);
  await page.getByRole('button', { name: 'Connect' }).click();
  await contributor.authorize(Web3RequestKind.RequestAccounts);
  await expect(page.getByTestId('account')).toBeVisible();
  await expect(page.getByLabel('Twin', { exact: true })).toHaveValue(String(TWIN));
  await page.getByLabel(/Use this device's processor/).check();
  await page.getByRole('button', { name: 'Start mining' }).click();
  await expect(page.getByTestId('miner-status')).toHaveText('Mining. Hasher self-test passed.');
  await expect
    .poll(async () => Number(await page.getByTestId('shares-found').textContent()), { timeout: 60_000 })
    .toBeGreaterThanOrEqual(2);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('batch')).toHaveCount(1);

  // Turning the wallet down signs nothing, and says so.
  const row = page.getByTestId('batch');
  await row.getByRole('button', { name: 'Sign for a relayer' }).click();
  await contributor.reject(Web3RequestKind.SignTypedDataV4);
  await expect(row.getByTestId('sign-error')).toHaveText('Cancelled in your wallet. Nothing was signed.');
  await expect(row.getByTestId('relay-package')).toHaveCount(0);

  await row.getByRole('button', { name: 'Sign for a relayer' }).click();
  await contributor.authorize(Web3RequestKind.SignTypedDataV4);
  await expect(row.getByTestId('relay-package')).toBeVisible();
  const packageText = await row.getByTestId('relay-package').inputValue();
  const relay = JSON.parse(packageText);
  const { batch } = relay;
  const shares = batch.nonces.length;
  expect(shares).toBeGreaterThanOrEqual(2);
  expect(relay.chainId).toBe(CHAIN_ID);
  expect(relay.ledger).toBe(chain.hashLedger.toLowerCase());
  expect(batch.contributor).toBe(CONTRIBUTOR_ADDRESS);
  expect(batch.tokenId).toBe(TWIN);
  // The signature is over exactly the batch the ledger will be sent: its digest, recovered.
  const batchArg = `(${batch.tokenId},${batch.contributor},${batch.jobSeed},${batch.version},${batch.time},${batch.bits},[${batch.nonces}])`;
  const digest = await chain.call(chain.hashLedger, `batchDigest(${BATCH})(bytes32)`, batchArg);
  const signer = await cast('wallet', 'verify', '--no-hash', '--address', CONTRIBUTOR_ADDRESS, digest, relay.signature).catch((error) => error.message);
  expect(signer).toContain('Validation succeeded');
  // The batch waits, signed, until it is seen credited.
  await page.reload();
  await expect(page.getByTestId('relay-package')).toHaveValue(packageText);

  // A front-runner copies one of the shares into a submission of its own, crediting A: refused.
  const copied = `(${batch.tokenId},${batch.contributor},${batch.jobSeed},${batch.version},${batch.time},${batch.bits},[${batch.nonces[0]}])`;
  const data = await cast('calldata', `submitShares(${BATCH})`, copied);
  const call = { from: FRONT_RUNNER_ADDRESS, to: chain.hashLedger, data };
  const simulated = await rpcAnswer(chain.url, 'eth_call', [call, 'latest']);
  const notContributor = await cast('sig', 'NotContributor(address,address)');
  expect(simulated.error?.data).toBe(`${notContributor}${word(FRONT_RUNNER_ADDRESS)}${word(CONTRIBUTOR_ADDRESS)}`);
  // Sent anyway, with its own gas limit so that nothing stops it before the chain: it fails there.
  const sent = await rpcAnswer(chain.url, 'eth_sendTransaction', [{ ...call, gas: '0x100000' }]);
  expect(sent.error).toBeUndefined();
  // anvil mines it at once, but may answer the send before the block is sealed.
  let receipt = null;
  await expect
    .poll(async () => (receipt = (await rpcAnswer(chain.url, 'eth_getTransactionReceipt', [sent.result])).result))
    .not.toBeNull();
  expect(receipt.status).toBe('0x0');
  expect(await chain.call(chain.hashLedger, 'jobSeedUsed(address,bytes32)(bool)', CONTRIBUTOR_ADDRESS, batch.jobSeed)).toBe('false');

  // Wallet B, in a browser of its own, pastes the package and relays it.
  const relayerContext = await browser.newContext();
  const relayerPage = await relayerContext.newPage();
  const relayerErrors = failOnPageErrors(relayerPage);
  const relayer = await injectWallet(relayerPage, RELAYER, CHAIN_ID, chain.url);
  await relayerPage.goto('/mine');
  await relayerPage.getByRole('button', { name: 'Connect' }).click();
  await relayer.authorize(Web3RequestKind.RequestAccounts);
  await expect(relayerPage.getByTestId('account')).toBeVisible();
  await relayerPage.getByLabel('Relay package').fill(packageText);
  await expect(relayerPage.getByTestId('relay-summary')).toHaveText(
    `Relay ${shares} shares for ${CONTRIBUTOR_SHORT} to twin #${TWIN}; you pay the gas; the credit goes to ${CONTRIBUTOR_SHORT}.`,
  );
  await relayerPage.getByRole('button', { name: 'Relay the batch' }).click();
  await expect(relayerPage.getByTestId('fee')).toBeVisible();
  await relayerPage.getByRole('button', { name: 'Confirm in wallet' }).click();
  await relayer.authorize(Web3RequestKind.SendTransaction);
  await expect(relayerPage.getByTestId('relay-done')).toHaveText(
    `Relayed: the ledger credited ${shares} shares to ${CONTRIBUTOR_SHORT} on twin #${TWIN}.`,
  );
  await expect(relayerPage.getByTestId('toast').filter({ hasText: `Relay ${shares} shares for ${CONTRIBUTOR_SHORT} to twin #${TWIN}: done` })).toBeVisible();

  // Every share went to A on twin #2; the relayer and the front-runner got nothing.
  expect(Number(uint(await chain.call(chain.hashLedger, 'sharesOf(uint256)(uint256)', String(TWIN))))).toBe(shares);
  const perShare = uint(await chain.call(chain.hashLedger, 'workPerShare(uint32)(uint256)', String(batch.bits)));
  expect(uint(await chain.call(chain.hashLedger, 'workBy(address)(uint256)', CONTRIBUTOR_ADDRESS))).toBe(perShare * BigInt(shares));
  expect(uint(await chain.call(chain.hashLedger, 'workBy(address)(uint256)', RELAYER_ADDRESS))).toBe(0n);
  expect(uint(await chain.call(chain.hashLedger, 'workBy(address)(uint256)', FRONT_RUNNER_ADDRESS))).toBe(0n);

  // A's page sees the credit on chain and lets the batch go.
  await expect(page.getByTestId('pending-news')).toHaveText(
    `The ledger credited the ${shares} shares you signed for a relayer to twin #${TWIN}.`,
    { timeout: 20_000 },
  );
  await expect(page.getByTestId('pending-empty')).toBeVisible();

  // The same package relayed again is not a failure: the shares are A's already.
  await relayerPage.getByLabel('Relay package').fill(packageText);
  await expect(relayerPage.getByTestId('relay-check')).toHaveText(`These shares were already credited to ${CONTRIBUTOR_SHORT}.`);
  await expect(relayerPage.getByRole('button', { name: 'Relay the batch' })).toHaveCount(0);
  expect(relayer.getPendingRequestCount(Web3RequestKind.SendTransaction)).toBe(0);

  relayerErrors();
  await relayerContext.close();
});

test('a relay package is checked before any wallet opens', async ({ page, chain }) => {
  await page.goto('/mine');
  const input = page.getByLabel('Relay package');
  await input.fill('{"chainId": 31337}');
  await expect(page.getByTestId('relay-check')).toContainText('This is not a relay package: missing field');

  // A well-formed package whose nonce is not a share of its header.
  const forged = {
    chainId: CHAIN_ID,
    ledger: chain.hashLedger.toLowerCase(),
    batch: {
      tokenId: TWIN,
      contributor: CONTRIBUTOR_ADDRESS,
      jobSeed: `0x${'11'.repeat(32)}`,
      version: 0x20000000,
      time: Math.floor(Date.now() / 1000),
      bits: 0x1d00ffff,
      nonces: [7],
    },
    signature: `0x${'22'.repeat(64)}1b`,
  };
  await input.fill(JSON.stringify(forged));
  await expect(page.getByTestId('relay-check')).toHaveText(
    'Nonce 7 is not a share of this batch\'s header. Nothing would be credited: the ledger refuses the whole batch.',
  );
  await input.fill(JSON.stringify({ ...forged, chainId: 1 }));
  await expect(page.getByTestId('relay-check')).toHaveText('This package is for chain 1, but HashTwin is on chain 31337 here.');
  await expect(page.getByRole('button', { name: 'Relay the batch' })).toHaveCount(0);
});
