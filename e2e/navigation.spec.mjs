import { test, expect } from './fixtures.mjs';

test('gallery ranges apply as they are typed, and Back steps through the filters one change at a time', async ({ page }) => {
  await page.goto('/');
  const count = page.getByTestId('twin-count');
  const ids = page.getByTestId('twin-card').locator('.twin-id');
  await expect(count).toHaveText('12 twins');

  // The S21 XP (13.5 J/TH) and S21 Pro (15.0 J/TH) are the only ones under 15.5 J/TH. No Enter,
  // no leaving the field: the pause after typing applies it, as one step of history.
  const worst = page.getByLabel('Worst efficiency in J/TH');
  await worst.pressSequentially('15.5', { delay: 60 });
  await expect(count).toHaveText('2 of 12 twins');
  await expect(worst).toBeFocused();
  await expect(worst).toHaveValue('15.5');
  await page.getByLabel('Sort').selectOption('efficiency');
  await expect(page).toHaveURL(/sort=efficiency/);
  await expect(ids).toHaveText([/^#3 /, /^#2 /]);

  await page.goBack();
  await expect(page).not.toHaveURL(/sort=/);
  await expect(page.getByLabel('Sort')).not.toHaveValue('efficiency');
  await expect(count).toHaveText('2 of 12 twins');
  await page.goBack();
  await expect(count).toHaveText('12 twins');
  await expect(worst).toHaveValue('');
  await page.goForward();
  await expect(count).toHaveText('2 of 12 twins');
  await expect(worst).toHaveValue('15.5');
});

// The browser restores it by itself, on the chain path and the indexer's: this keeps it so.
test('Back from a twin returns the gallery to where it was scrolled', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto('/');
  const cards = page.getByTestId('twin-card');
  await expect(cards).toHaveCount(12);
  // Cards are drawn again as what they show arrives.
  await expect(page.getByTestId('twin-count')).toHaveText('12 twins');
  await expect(async () => cards.nth(9).scrollIntoViewIfNeeded({ timeout: 1000 })).toPass();
  const left = await page.evaluate(() => window.scrollY);
  expect(left).toBeGreaterThan(1000);
  const id = (await cards.nth(9).locator('.twin-id').textContent()).match(/^#(\d+)/)[1];
  await cards.nth(9).getByRole('link').first().click();
  await expect(page).toHaveURL(new RegExp(`/twin/${id}$`));

  await page.goBack();
  await expect(cards).toHaveCount(12);
  // Within a card's height: the browser clamps the restored position to the page's height at that
  // moment, which panels still filling in (the activity, the sync banner) can leave a line short.
  await expect.poll(async () => Math.abs((await page.evaluate(() => window.scrollY)) - left)).toBeLessThan(150);
  await expect(cards.nth(9)).toBeInViewport();
});
