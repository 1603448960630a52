// The timeline with 10,000 real events: a UDP socket in the workbench receives
// 10,000 datagrams sent by this test through the real relay. The page must keep
// every entry (the count), render only a window of rows (the DOM stays small),
// scroll to the newest entry and show its bytes when clicked, with no console
// errors. Each batch waits for the page to show it (an awaited event, no sleeps).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { open, newSocket, fill, click, waitState, shot } from '../lib.mjs';

const TOTAL = 10_000;
const BATCH = 100;

let browser, page, errors;

before(async () => {
  ({ browser, page, errors } = await open());
});

after(async () => {
  await browser?.close();
});

/** The number the timeline header shows ("N entries"). */
async function entries() {
  const text = await page.locator('.timeline h2 .count').innerText();
  return Number(text.replace(/[^0-9]/g, ''));
}

test('10,000 events: every entry kept, only a window rendered', { timeout: 300_000 }, async () => {
  const udp = await newSocket(page, 's1', 'SOCK_DGRAM');
  await fill(udp, 'host', '127.0.0.1');
  await fill(udp, 'port', 0);
  await click(udp, 'bind');
  await waitState(udp, 'bound');
  const local = await udp.innerText();
  const port = Number(/local 127\.0\.0\.1:(\d+)/.exec(local)?.[1]);
  assert.ok(port > 0, `bound port not shown in: ${local}`);

  const base = await entries();
  const sender = createSocket('udp4');
  try {
    for (let sent = 0; sent < TOTAL; ) {
      for (let i = 0; i < BATCH; i++, sent++) {
        await new Promise((resolve, reject) =>
          sender.send(`dgram ${sent}`, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
        );
      }
      // Wait until the page shows this batch before sending the next, so the
      // kernel's UDP buffer never overflows (UDP may drop what it cannot hold).
      await page.waitForFunction(
        ([want]) => {
          const el = document.querySelector('.timeline h2 .count');
          return el && Number(el.textContent.replace(/[^0-9]/g, '')) >= want;
        },
        [base + sent],
        { timeout: 60_000 },
      );
    }
  } finally {
    sender.close();
  }
  assert.ok((await entries()) >= base + TOTAL);

  // Only a window of rows is in the DOM.
  const rendered = await page.locator('.tl-row').count();
  assert.ok(rendered > 0 && rendered < 200, `${rendered} rows rendered for ${TOTAL} entries`);

  // Scroll to the newest entry and open its bytes.
  await page.locator('.tl-view').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
    el.dispatchEvent(new Event('scroll'));
  });
  // The newest entry is the last row of the window once scrolled to the bottom.
  await page.waitForFunction(() => {
    const view = document.querySelector('.tl-view');
    return view && view.scrollTop + view.clientHeight >= view.scrollHeight - 1;
  });
  const last = page.locator('.tl-row').last();
  await last.click();
  await page.locator('.tl-detail pre.text').filter({ hasText: `dgram ${TOTAL - 1}` }).waitFor();
  await shot(page, 'timeline-10k');
  assert.deepEqual(errors, []);
});
