import { namehash } from 'viem';
import { test, expect, ANVIL_ADDRESSES } from './fixtures.mjs';

// The seed (scripts/lib/seed-ens.mjs) names operators 1-4 in the local chain's ENS; Alice (account
// 1) minted twin 1. Account 9 bought twin 3 from Carol (account 3) and has no name.
const ALICE = ANVIL_ADDRESSES[1].toLowerCase();
const ALICE_NAME = 'alice-mining.eth';
const INVESTOR = 9;
const INVESTOR_SHORT = '0xa0ee…9720';

const SELECTORS = { resolver: '0x0178b8bf', name: '0x691f3431', addr: '0x3b3b57de', text: '0x59d1d43c' };
const reverseNode = (address) => namehash(`${address.toLowerCase().slice(2)}.addr.reverse`);

/** The page's ENS reads: each HTTP request to the node that carries any, with its calls. */
function recordEnsReads(page, chainUrl) {
  const requests = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(chainUrl) || request.method() !== 'POST') return;
    const calls = [request.postDataJSON()].flat().filter((call) => call.method === 'eth_call');
    const ens = calls.map((call) => call.params[0].data).filter((data) => Object.values(SELECTORS).some((s) => data.startsWith(s)));
    if (ens.length) requests.push(ens);
  });
  return requests;
}

/** Whether a read of `selector` about `node` was among the page's ENS reads. */
const asked = (requests, selector, node) => requests.flat().filter((data) => data.startsWith(selector + node.slice(2)));

/** Lets the page apply what it has received: its redraws run in tasks of their own. */
const settle = (page) => page.evaluate(() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0))));

test('an operator shows by its verified ENS name and avatar, its address in the title and the copy, looked up once', async ({ page, chain }) => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  const reads = recordEnsReads(page, chain.url);
  await page.goto('/twin/1');

  const provenance = page.getByTestId('provenance');
  await expect(provenance).toContainText(`Minted by ${ALICE_NAME}`);
  const alice = provenance.locator('.account-name', { hasText: ALICE_NAME }).first();
  await expect(alice.getByText(ALICE_NAME, { exact: true })).toHaveAttribute('title', ALICE);
  const avatar = alice.locator('img.avatar');
  await expect(avatar).toHaveAttribute('src', /^data:image\/svg\+xml;base64,/);
  // Loaded lazily, as an avatar from the web should be: in view, it is drawn.
  await avatar.scrollIntoViewIfNeeded();
  await expect.poll(() => avatar.evaluate((image) => image.complete && image.naturalWidth)).toBeGreaterThan(0);

  await alice.getByRole('button', { name: `Copy the address ${ALICE}` }).click();
  await expect(alice.getByRole('status')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(ALICE);

  // Every account the page shows is looked up once, however often the page redraws it: to the
  // market and back draws them all again.
  await page.getByRole('link', { name: 'Market' }).first().click();
  await expect(page.getByTestId('recent-sales')).toContainText('2.8 ETH from carol-rigs.eth to');
  await page.goBack();
  await expect(provenance).toContainText(`Minted by ${ALICE_NAME}`);
  const resolverReads = reads.flat().filter((data) => data.startsWith(SELECTORS.resolver));
  expect(resolverReads.length).toBeGreaterThan(1);
  expect(new Set(resolverReads).size, 'a node was asked for its resolver twice').toBe(resolverReads.length);
  expect(asked(reads, SELECTORS.resolver, reverseNode(ALICE))).toHaveLength(1);
  console.log(`ens: ${reads.length} requests to the node carried ENS reads on twin 1 and the market`);
});

test('a reverse record naming an account that the name does not resolve to shows the address', async ({ page, chain }) => {
  // Anyone can point their reverse record at any name: account 9 claims Alice's.
  const reverseRegistrar = await chain.call(chain.ensRegistry, 'owner(bytes32)(address)', namehash('addr.reverse'));
  await chain.send(INVESTOR, reverseRegistrar, 'setName(string)', ALICE_NAME);

  const reads = recordEnsReads(page, chain.url);
  const aliceForward = SELECTORS.addr + namehash(ALICE_NAME).slice(2);
  const forwardChecked = page.waitForResponse((response) =>
    [response.request().postDataJSON()].flat().some((call) => call?.method === 'eth_call' && call.params[0].data.startsWith(aliceForward)),
  );
  await page.goto('/twin/3');
  await forwardChecked;
  await settle(page);

  const provenance = page.getByTestId('provenance');
  await expect(provenance).toContainText(`Sold by carol-rigs.eth to ${INVESTOR_SHORT} for 2.8 ETH`);
  await expect(provenance).not.toContainText(ALICE_NAME);
  // The claim was read, and checked: the name resolves to Alice, so account 9 stays its address.
  expect(asked(reads, SELECTORS.name, reverseNode(ANVIL_ADDRESSES[INVESTOR]))).toHaveLength(1);
});

test('a name beyond ASCII is checked with the Unicode tables, a chunk fetched when such a name is first met', async ({ page }) => {
  // Issue 15: UTS-46's tables would weigh on every first load, so plain ASCII names are normalised
  // without them and the rest wait for the ens_normaliser chunk. Dave (account 4) operates twin 12.
  const normaliser = [];
  page.on('request', (request) => /\/split_ens_normaliser-[0-9a-f]+\.wasm$/.test(request.url()) && normaliser.push(request.url()));

  await page.goto('/twin/12');
  await expect(page.getByTestId('listing')).toHaveText('Listed for 2.05 ETH by dave-färms.eth');
  expect(normaliser).toHaveLength(1);

  // Another of Dave's twins, reached in the page: the tables are already there.
  await page.getByRole('link', { name: 'Gallery', exact: true }).first().click();
  await page.getByTestId('twin-card').filter({ hasText: /#8\b/ }).first().getByRole('link').first().click();
  await expect(page.getByTestId('provenance')).toContainText('Minted by dave-färms.eth');
  expect(normaliser).toHaveLength(1);
});
