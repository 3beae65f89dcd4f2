import { test, expect, connect, transact } from './fixtures.mjs';

// Seeded (scripts/lib/seed-history.mjs): twin 3 sold whole for 2.8 ETH on day 15, was split into
// 100,000 shares, and 15,000 of them sold on day 18 at 3 ETH for the whole twin. Twin 10 is
// listed at 1.35 ETH and never sold.
test('a twin page shows its last trade and a chart of its price history that reads out under the pointer', async ({ page }) => {
  await page.goto('/twin/3');
  const panel = page.getByTestId('price-history');
  await expect(panel.getByTestId('last-sale')).toHaveText(
    /^Last trade: 15000 shares at 3 ETH for the whole twin, \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/,
  );
  await expect(panel).toContainText('2 trades');
  const chart = panel.getByRole('img', { name: 'Price of the whole twin, ETH' });
  await chart.scrollIntoViewIfNeeded();
  const box = await chart.boundingBox();
  // The nearest trade to each edge: the first, then the last.
  await page.mouse.move(box.x + box.width * 0.02, box.y + box.height / 2);
  await expect(panel.locator('text.readout')).toHaveText(/^2\.80? ETH · /);
  await page.mouse.move(box.x + box.width * 0.98, box.y + box.height / 2);
  await expect(panel.locator('text.readout')).toHaveText(/^3(\.00?)? ETH · /);
});

test('a sale made now joins the price history of a twin that never sold', async ({ page, wallet }) => {
  const buyer = await wallet(9);
  await connect(page, buyer, '/twin/10');
  const lastSale = page.getByTestId('price-history').getByTestId('last-sale');
  await expect(lastSale).toHaveText('Never sold.');
  await transact(page, buyer, 'Buy for 1.35 ETH', 'Buy twin #10 for 1.35 ETH');
  await expect(lastSale).toHaveText(/^Last sale: 1\.35 ETH, \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/);
});

test("the gallery shows each model's floor and a feed of the collection's activity, by kind", async ({ page, wallet }) => {
  const buyer = await wallet(9);
  await connect(page, buyer, '/');
  // Twin 3 (S21 XP) is offered only in shares: 3 ETH for the whole twin at its lot's price.
  const xp = page.getByTestId('floors').getByRole('row').filter({ hasText: 'Bitmain Antminer S21 XP' });
  await expect(xp).toHaveText(/Bitmain Antminer S21 XP\s*3 ETH\s*1/);
  await expect(xp.getByRole('link', { name: '3 ETH' })).toHaveAttribute('href', '/twin/3');

  const activity = page.getByTestId('activity');
  const items = activity.getByTestId('activity-items').locator('li');
  await activity.getByLabel('Show').selectOption({ label: 'Sales' });
  await expect(items).toHaveCount(1);
  await expect(items.first()).toContainText('#3 Sold by carol-rigs.eth to 0xa0ee…9720 (you) for 2.8 ETH');
  await activity.getByLabel('Show').selectOption({ label: 'Settlements' });
  await expect(items.first()).toContainText(/Settled [\d.]+ ETH net to /);
  await activity.getByLabel('Show').selectOption({ label: 'Shares' });
  await expect(items.first()).toContainText('bought');

  // A sale made now tops the feed.
  await page.goto('/twin/10');
  await transact(page, buyer, 'Buy for 1.35 ETH', 'Buy twin #10 for 1.35 ETH');
  await page.getByRole('link', { name: 'Gallery' }).click();
  await activity.getByLabel('Show').selectOption({ label: 'Sales' });
  await expect(items).toHaveCount(2);
  await expect(items.first()).toContainText('#10 Sold by bob-hashworks.eth to 0xa0ee…9720 (you) for 1.35 ETH');
});
