import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../scripts/lib/localchain.mjs';
import { test, expect } from './fixtures.mjs';

// Issue 15: the gallery is in the main wasm module; every other route is a chunk of its own
// (src/pages/lazy.rs), fetched on the first visit to it. The shim names chunks
// split_<route>-<build>.wasm, and code that several routes share chunk_<n>-<build>.wasm.
const CHUNK = /\/(split_[a-z_]+|chunk_\d+)-[0-9a-f]+\.wasm$/;
const chunkOf = (route) => new RegExp(`/split_${route}-[0-9a-f]+\\.wasm$`);

/**
 * The chunks of the splits that are not routes, by file name without its build hash, with the shared
 * chunks they need: the chain follower, which every page fetches once its first reads are
 * answered, and the ENS reader and normaliser, which the gallery fetches once its activity names
 * accounts. The splitter's shim heads each shared chunk with the splits that need it.
 */
function chunksBesideRoutes() {
  const dist = join(ROOT, 'dist');
  const shim = readdirSync(dist).find((file) => /^__wasm_split-[0-9a-f]+\.js$/.test(file));
  const text = readFileSync(join(dist, shim), 'utf8');
  const shared = [...text.matchAll(/\/\* ([a-z_, ]+) \*\/\s*const __(chunk_\d+) /g)];
  expect(shared.length, `shared chunks declared in ${shim}`).toBeGreaterThan(0);
  const splits = [...text.matchAll(/"\.\/(split_[a-z_]+)-[0-9a-f]+\.wasm"/g)].map(([, split]) => split);
  return new Set([
    ...splits.filter((split) => !split.startsWith('split_route_')),
    ...shared.filter(([, needers]) => needers.split(', ').some((split) => !split.startsWith('route_'))).map(([, , chunk]) => chunk),
  ]);
}

/** A chunk's file name without its build hash. */
const withoutHash = (file) => file.replace(/-[0-9a-f]+\.wasm$/, '');

/** Every wasm chunk the page asks for, in order, by file name. */
function recordChunks(page) {
  const fetched = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (CHUNK.test(path)) fetched.push(path.slice(1));
  });
  return fetched;
}

/**
 * Drops every download of `split`'s chunk as a lost connection would, until `restore()`; `blocked()`
 * is how many were dropped.
 */
async function dropChunk(page, split) {
  const chunk = chunkOf(split);
  const matches = (url) => chunk.test(url.pathname);
  let dropped = 0;
  await page.route(matches, (route) => {
    dropped += 1;
    return route.abort('internetdisconnected');
  });
  return { blocked: () => dropped, restore: () => page.unroute(matches) };
}

// Header links, so that each visit is the app's own navigation after one cold load of /.
const ROUTES = [
  { route: 'route_market', link: 'Market', heading: 'Market' },
  { route: 'route_mint', link: 'Mint', heading: 'Mint a twin' },
  { route: 'route_mine', link: 'Mine', heading: 'Mine' },
  { route: 'route_portfolio', link: 'Portfolio', heading: 'Portfolio' },
];

test('a cold load of / fetches no route chunk, and every route fetches its own on the first visit', async ({ page }) => {
  const fetched = recordChunks(page);
  const consoleErrors = [];
  page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));

  await page.goto('/');
  await expect(page.getByTestId('twin-card')).toHaveCount(12);
  // Only the follower's and ENS's chunks may come.
  const besideRoutes = chunksBesideRoutes();
  expect([...besideRoutes]).toEqual(expect.arrayContaining(['split_chain_follower', 'split_ens_reader', 'split_ens_normaliser']));
  expect(fetched.map(withoutHash).filter((file) => !besideRoutes.has(file)), 'route chunks fetched by the gallery').toEqual([]);

  const nav = page.getByRole('navigation');
  for (const { route, link, heading } of ROUTES) {
    await nav.getByRole('link', { name: link, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: heading, exact: true })).toBeVisible();
    expect(fetched.some((file) => chunkOf(route).test(`/${file}`)), `${route}'s chunk among ${fetched.join(', ')}`).toBe(true);
  }

  // A twin page: from the gallery's card, as a visitor gets there.
  await nav.getByRole('link', { name: 'Gallery', exact: true }).click();
  await page.getByTestId('twin-card').filter({ hasText: 'Antminer S19j Pro' }).first().getByRole('link').first().click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Antminer S19j Pro');
  expect(fetched.some((file) => chunkOf('route_twin').test(`/${file}`)), `route_twin's chunk among ${fetched.join(', ')}`).toBe(true);

  // Back on a visited route, its chunk is not fetched again.
  const before = fetched.length;
  await nav.getByRole('link', { name: 'Market', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Market', exact: true })).toBeVisible();
  expect(fetched.length).toBe(before);
  expect(consoleErrors).toEqual([]);
});

test('a route whose chunk does not arrive says so and loads on Retry', async ({ page }) => {
  const dropped = await dropChunk(page, 'route_mint');

  await page.goto('/');
  await expect(page.getByTestId('twin-card')).toHaveCount(12);
  await page.getByRole('navigation').getByRole('link', { name: 'Mint', exact: true }).click();
  const failed = page.getByTestId('chunk-failed');
  await expect(failed).toBeVisible();
  await expect(failed.getByRole('alert')).toHaveText('Part of HashTwin could not be downloaded. Check the connection, then try again.');
  expect(dropped.blocked()).toBe(1);
  // The rest of the app still works around it.
  await expect(page.getByRole('link', { name: 'Gallery', exact: true })).toBeVisible();

  await dropped.restore();
  await failed.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Mint a twin', exact: true })).toBeVisible();
  await expect(page.getByTestId('chunk-failed')).toHaveCount(0);
  await expect(page).toHaveTitle(/Mint a twin/);
});

test('a chain follower that does not arrive is said, and asked for again until it does', async ({ page }) => {
  const fetched = recordChunks(page);
  const dropped = await dropChunk(page, 'chain_follower');

  await page.goto('/mine');
  // /mine lists the twins from the history, which only the follower reads.
  await expect(page.getByTestId('twins-error')).toHaveText(
    "The part of HashTwin that reads the collection's history could not be downloaded; it is asked for again every few seconds.",
  );
  await expect(page.getByLabel('Twin', { exact: true })).toBeDisabled();
  expect(dropped.blocked()).toBe(1);

  await dropped.restore();
  // The next try, a block poll later, loads it and the history with it.
  await expect(page.getByLabel('Twin', { exact: true })).toBeEnabled();
  await expect(page.getByTestId('twins-error')).toHaveCount(0);
  expect(fetched.filter((file) => chunkOf('chain_follower').test(`/${file}`))).toHaveLength(2);
});

test('a telemetry reader that does not arrive is said under the results, and asked for again when the filter is', async ({ page }) => {
  const dropped = await dropChunk(page, 'paid_reader');

  await page.goto('/');
  await expect(page.getByTestId('twin-count')).toHaveText('12 twins');
  const paid = page.getByLabel('Paid ≥ 95% of expected');
  await paid.check();
  await expect(page.getByRole('alert')).toHaveText(
    "The part of HashTwin that reads the twins' telemetry could not be downloaded; it is asked for again with the next block that changes the collection.",
  );
  expect(dropped.blocked()).toBe(1);

  await dropped.restore();
  // The gallery itself goes on working.
  await paid.uncheck();
  await expect(page.getByTestId('twin-count')).toHaveText('12 twins');
  await expect(page.getByRole('alert')).toHaveCount(0);
  await paid.check();
  await expect(page.getByTestId('gallery-source')).toHaveText(/held against its telemetry/);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByTestId('twin-count')).toHaveText(/of 12 twins$/, { timeout: 20_000 });
});
