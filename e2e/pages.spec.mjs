// Every page of the app, as a desktop and a 375 px phone show it: a full-page screenshot kept as an
// artifact of the run (scripts/test prints where), nothing sticking out sideways, and an axe-core
// scan against WCAG 2.1 A and AA that fails on any serious or critical violation (issue 16).
import AxeBuilder from '@axe-core/playwright';
import { test, expect, connect } from './fixtures.mjs';

const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;
const WIDTHS = [
  ['desktop', 1280, 900],
  ['phone', 375, 812],
];
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const BLOCKING = ['serious', 'critical'];

// Seeded (contracts/script/Seed.s.sol): twin N is operated and owned by account 1 + (N - 1) % 4, so
// account 1 owns twins 1, 5 and 9, has listed twin 5 and has account 8's offer on twin 1; account 9
// holds shares of twins 2 and 3 and has proceeds to withdraw.
const PAGES = [
  {
    name: 'gallery',
    path: '/',
    ready: async (page) => {
      await expect(page.getByTestId('twin-card')).toHaveCount(12);
      await expect(page.getByTestId('twin-count')).toHaveText('12 twins');
    },
  },
  {
    name: 'twin',
    path: '/twin/1',
    ready: async (page) => {
      await expect(page.getByTestId('report-count')).not.toHaveText('0');
      await expect(page.getByTestId('payout-rows')).toBeVisible();
      await expect(page.getByTestId('maintenance').getByRole('listitem')).toHaveCount(1);
    },
  },
  {
    // As its owner and operator: the list form, the offer to accept, the operator's tools.
    name: 'twin-owner',
    path: '/twin/1',
    account: 1,
    ready: async (page) => {
      await expect(page.getByTestId('payout-rows')).toBeVisible();
      await expect(page.getByTestId('list-form')).toBeVisible();
      await expect(page.getByTestId('offers')).toContainText('1.5 ETH');
      await expect(page.getByTestId('operator-tools')).toBeVisible();
    },
  },
  {
    name: 'market',
    path: '/market',
    ready: async (page) => {
      await expect(page.getByTestId('for-sale').getByTestId('twin-card')).toHaveCount(6);
      await expect(page.getByTestId('recent-sales').getByRole('listitem').first()).toBeVisible();
    },
  },
  {
    name: 'mint',
    path: '/mint',
    account: 1,
    ready: async (page) => {
      await expect(page.getByLabel('Serial number', { exact: true })).toBeEditable();
      await expect(page.getByRole('button', { name: 'Reserve the serial (step 1 of 2)' })).toBeVisible();
    },
  },
  {
    name: 'mint-disconnected',
    path: '/mint',
    ready: async (page) => {
      await expect(page.getByRole('heading', { name: 'Mint a twin', level: 1 })).toBeVisible();
      await expect(page.getByLabel('Serial number', { exact: true })).toBeVisible();
    },
  },
  {
    name: 'mine',
    path: '/mine',
    ready: async (page) => {
      await expect(page.getByTestId('miner-status')).toHaveText('Not mining.');
    },
  },
  {
    name: 'portfolio',
    path: '/portfolio',
    account: 1,
    ready: async (page) => {
      await expect(page.getByTestId('owned-count')).toHaveText('3');
      await expect(page.getByTestId('my-listings').getByRole('listitem')).not.toHaveCount(0);
      await expect(page.getByTestId('offers-received')).toContainText('1.5 ETH');
      await expect(page.getByTestId('proceeds')).toBeVisible();
      await expect(page.getByTestId('claimable')).toBeVisible();
      await expect(page.getByTestId('recent-transactions').getByRole('listitem').first()).toBeVisible();
    },
  },
  {
    name: 'portfolio-shares',
    path: '/portfolio',
    account: 9,
    ready: async (page) => {
      await expect(page.getByTestId('share-position')).toHaveCount(2);
      await expect(page.getByTestId('proceeds')).toHaveText('0.405 ETH to withdraw.');
      await expect(page.getByTestId('recent-transactions').getByRole('listitem').first()).toBeVisible();
    },
  },
  {
    name: 'portfolio-disconnected',
    path: '/portfolio',
    ready: async (page) => {
      await expect(page.getByText('Connect a wallet to see your twins, offers and proceeds.')).toBeVisible();
    },
  },
  {
    name: 'not-found',
    path: '/no/such/page',
    ready: async (page) => {
      await expect(page.getByRole('heading', { name: 'Page not found', level: 1 })).toBeVisible();
      await expect(page.getByTestId('not-found').getByRole('link', { name: 'Back to the gallery' })).toBeVisible();
    },
  },
];

/** One line per rule: its impact, id, what it asks for, and the nodes that break it. */
function describe(violation) {
  const nodes = violation.nodes.map((node) => `${node.target.join(' ')}${node.failureSummary ? ` (${node.failureSummary.replace(/\s+/g, ' ')})` : ''}`);
  return `${violation.impact} ${violation.id}: ${violation.help}; ${nodes.length} node(s): ${nodes.join('; ')}`;
}

for (const { name, path, account, ready } of PAGES) {
  for (const [size, width, height] of WIDTHS) {
    test(`${name} (${path}${account === undefined ? '' : `, account ${account}`}) at ${width} px: screenshot, no sideways scroll, no serious axe violations`, async ({ page, wallet }) => {
      await page.setViewportSize({ width, height });
      if (account === undefined) {
        await page.goto(path);
      } else {
        await connect(page, await wallet(account), path);
      }
      await ready(page);
      // Nothing on the page is still loading: no placeholder, no busy region, no history catching up.
      await expect(page.locator('main .loading, main [aria-busy="true"], main .skeleton')).toHaveCount(0);
      await expect(page.getByTestId('sync-progress')).toHaveCount(0);

      await page.screenshot({ path: `${ARTIFACTS}${name}-${size}.png`, fullPage: true });

      // Nothing may stick out sideways, on any page.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} is ${overflow} px wider than the ${width} px window`).toBeLessThanOrEqual(0);

      if (name === 'twin') {
        // On a phone the market comes first, right under the twin's name; on a desktop after the rig.
        const top = async (locator) => (await locator.boundingBox()).y;
        const [market, rig] = [page.getByTestId('market-panel'), page.getByTestId('twin-spec')];
        if (size === 'phone') expect(await top(market), 'the market panel is above the rig on a phone').toBeLessThan(await top(rig));
        else expect(await top(market), 'the market panel is below the rig on a desktop').toBeGreaterThan(await top(rig));
      }

      const { violations } = await new AxeBuilder({ page }).withTags(WCAG).analyze();
      const blocking = violations.filter((violation) => BLOCKING.includes(violation.impact));
      for (const violation of violations.filter((violation) => !BLOCKING.includes(violation.impact))) {
        console.log(`axe, ${name} at ${width} px: ${violation.impact} ${violation.id} (${violation.help}) on ${violation.nodes.length} node(s)`);
      }
      expect(blocking.map(describe), `serious or critical axe violations on ${path} at ${width} px`).toEqual([]);
    });
  }
}
