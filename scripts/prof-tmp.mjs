import { chromium } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { CHROMIUM } from './lib/chromium.mjs';
import { startStaticServer } from '../e2e/serve.mjs';
import { startLatencyProxy } from './lib/latency-proxy.mjs';
const rpc = await startLatencyProxy({ upstream: 'http://127.0.0.1:8999' });
const ix = await startLatencyProxy({ upstream: 'http://127.0.0.1:8998' });
const n = JSON.parse((await import('node:fs')).readFileSync('/tmp/prof-networks.json', 'utf8'));
n.networks[0].rpcUrl = rpc.url; n.networks[0].indexerUrl = ix.url;
writeFileSync('/tmp/prof-networks2.json', JSON.stringify(n));
const server = await startStaticServer({ root: 'dist', port: 0, networksPath: '/tmp/prof-networks2.json', caching: true });
const app = await startLatencyProxy({ upstream: server.url ?? `http://127.0.0.1:${server.address().port}` });
const browser = await chromium.launch(CHROMIUM);
const context = await browser.newContext();
await context.addInitScript(() => {
  window.__long = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push([Math.round(e.startTime), Math.round(e.duration)]); }).observe({ type: 'longtask', buffered: true });
  const marks = (window.__marks = {});
  new MutationObserver(() => { if (!marks.card && document.querySelector('[data-testid="twin-card"]')) marks.card = Math.round(performance.now()); }).observe(document, { childList: true, subtree: true });
});
for (const label of ['cold', 'warm']) {
  const page = await context.newPage();
  const t0 = Date.now();
  const log = [];
  page.on('request', (r) => log.push(`${Date.now() - t0} > ${r.method()} ${r.url().replace(/http:\/\/127.0.0.1:\d+/, '')} ${(r.postData() ?? '').slice(0, 60)}`));
  page.on('requestfinished', (r) => log.push(`${Date.now() - t0} < ${r.url().replace(/http:\/\/127.0.0.1:\d+/, '')}`));
  await page.goto(`${app.url}/`);
  await page.waitForFunction(() => window.__marks.card, null, { polling: 20 });
  let sort = null;
  if (label === 'cold') {
    await page.waitForSelector('[data-testid="twin-count"]');
    sort = await page.evaluate(async () => {
      const first = () => document.querySelector('[data-testid="twin-card"] a')?.getAttribute('href');
      const select = document.querySelector('#gallery-sort');
      const before = first(); const t0 = performance.now();
      select.value = [...select.options].map((o) => o.value).find((v) => v !== select.value);
      select.dispatchEvent(new Event('change', { bubbles: true }));
      while (first() === before || !first()) await new Promise((r) => setTimeout(r, 5));
      return { at: Math.round(t0), ms: Math.round(performance.now() - t0), option: select.value };
    });
  }
  await page.waitForTimeout(5000);
  console.log(label, JSON.stringify(await page.evaluate(() => ({ card: window.__marks.card, long: window.__long }))), JSON.stringify(sort));
  if (label === 'warm') console.log(log.slice(0, 30).join('\n'));
  await page.close();
}
await browser.close();
process.exit(0);
