// `cargo xtask bench`'s Python figure: the time from clicking the Python tab to
// the first `print` of a program, in headless Chromium, on a cold cache (a
// fresh browser context) and on a warm one (the same context, page
// reloaded). The relay is the xtask's (SOCKLAB_URL); prints one JSON line
// {"cold_ms": …, "warm_ms": …}.
import { chromium } from 'playwright-core';

const URL = process.env.SOCKLAB_URL ?? 'http://127.0.0.1:8080/';

/** Clicks the Python tab and runs `print("hi")` through the page's runtime;
 *  returns the milliseconds from the click to the printed line. */
async function clickToPrint(page) {
  await page.goto(URL);
  await page.locator('.app[data-ready="true"]').waitFor();
  const start = Date.now();
  await page.getByRole('tab', { name: 'Python' }).click();
  await page.evaluate(async () => {
    const { createRuntime } = await import('/python/runtime.js');
    let printed;
    const first = new Promise((resolve) => { printed = resolve; });
    const rt = await createRuntime({ onOutput: (stream, text) => { if (text.includes('hi')) printed(); } });
    await rt.run('print("hi")');
    await first;
  });
  return Date.now() - start;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(120_000);
  const cold = await clickToPrint(page);
  const warm = await clickToPrint(page);
  console.log(JSON.stringify({ cold_ms: cold, warm_ms: warm }));
} finally {
  await browser.close();
}
