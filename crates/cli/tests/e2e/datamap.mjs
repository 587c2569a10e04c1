// The data map's pages in a real browser: headless Chromium driven by
// playwright-core loads the overview, the database graph and the provinces
// map, takes full-page screenshots, checks that the graph's script
// highlights a database's neighbours, pins one with a click and hides a
// platform, and runs axe-core on the pages at desktop and phone widths.
//
// Usage: node datamap.mjs BASE_URL SCREENSHOT_DIR NODE_MODULES_DIR SECRET_TITLE
//
// The server must hold the map `tests/it/portal_datamap.rs` seeds; the
// restricted entry titled SECRET_TITLE must appear on no page. Prints one
// line per passed check, then `ALL DATAMAP E2E CHECKS PASSED`; exits
// non-zero at the first failed check. The browser is $KHO_CHROMIUM or
// Debian's /usr/bin/chromium.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
if (args.length !== 4) {
  console.error('usage: datamap.mjs BASE_URL SCREENSHOT_DIR NODE_MODULES_DIR SECRET_TITLE');
  process.exit(2);
}
const [BASE, SHOTS, NODE_MODULES, SECRET_TITLE] = args;
const require = createRequire(path.join(path.resolve(NODE_MODULES), 'noop.js'));
const { chromium } = require('playwright-core');
const AXE_SOURCE = fs.readFileSync(path.join(path.dirname(require.resolve('axe-core')), 'axe.min.js'), 'utf8');

const TIMEOUT = 60_000;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 360, height: 780 };
const PAGES = [
  ['overview', '/datamap'],
  ['graph', '/datamap/graph'],
  ['provinces', '/datamap/provinces?measure=via_platform'],
  ['database', '/datamap/database/csdl-y-te'],
  ['elements', '/datamap/elements'],
  ['version', '/datamap/versions/1.0'],
  ['ranking', '/strategy/ranking'],
  ['strategy', '/strategy'],
  ['overview-en', '/en/datamap'],
];

class CheckFailed extends Error {}
function assert(cond, message) {
  if (!cond) throw new CheckFailed(message);
}
let current = '(start-up)';
let lastPage = null;
async function check(name, body) {
  current = name;
  await body();
  console.log(`ok - ${name}`);
}
const url = (p) => new URL(p, BASE).toString();
async function goto(page, p) {
  lastPage = page;
  const resp = await page.goto(url(p), { waitUntil: 'load' });
  assert(resp && resp.ok(), `GET ${p} answered ${resp ? resp.status() : 'nothing'}`);
  return resp;
}

async function axeViolations(page, label) {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })),
    }));
  });
  const lines = [];
  for (const v of violations) {
    lines.push(`[${label}] ${v.id} (${v.impact}): ${v.help}`);
    for (const n of v.nodes.slice(0, 5)) {
      lines.push(`    at ${n.target}: ${n.html.slice(0, 200)}`);
      lines.push(`       ${String(n.summary).replace(/\n/g, '\n       ')}`);
    }
  }
  return { lines, serious: violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').length };
}

/** The data-node of the graph node whose title starts with `name`. */
function nodeIndex(page, name) {
  return page.evaluate((n) => {
    const found = [...document.querySelectorAll('[data-dm-graph] svg .node[data-node]')].find((el) =>
      (el.querySelector('title')?.textContent || '').startsWith(`${n} · `),
    );
    return found ? found.getAttribute('data-node') : null;
  }, name);
}

/** The state of the graph's highlight, read in the page. */
function graphState() {
  const svg = document.querySelector('[data-dm-graph] svg');
  const op = (el) => Number(getComputedStyle(el).opacity);
  const nodes = [...svg.querySelectorAll('.node[data-node]')];
  return {
    highlighted: svg.classList.contains('dm-hl'),
    selected: nodes.filter((n) => n.classList.contains('is-sel')).map((n) => n.getAttribute('data-node')),
    neighbours: nodes.filter((n) => n.classList.contains('is-nb')).map((n) => n.getAttribute('data-node')),
    dimmed: nodes.filter((n) => op(n) < 0.5).map((n) => n.getAttribute('data-node')),
    edgesOn: [...svg.querySelectorAll('.edge.is-on')].length,
    edgesShown: [...svg.querySelectorAll('.edge')].filter((e) => getComputedStyle(e).display !== 'none').length,
    edges: [...svg.querySelectorAll('.edge')].map((e) => [e.getAttribute('data-from'), e.getAttribute('data-to'), e.getAttribute('class')]),
  };
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.KHO_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
    timeout: TIMEOUT,
  });
  const errors = [];
  try {
    const ctx = await browser.newContext({ viewport: DESKTOP, locale: 'vi-VN' });
    ctx.setDefaultTimeout(TIMEOUT);
    ctx.on('console', (m) => m.type() === 'error' && errors.push(`console error on ${m.page()?.url()}: ${m.text()}`));
    ctx.on('weberror', (e) => errors.push(`uncaught exception: ${e.error().message}`));
    const page = await ctx.newPage();

    await check('the overview, graph and provinces pages load, without the restricted entry', async () => {
      for (const [label, p] of PAGES.slice(0, 3)) {
        await goto(page, p);
        const html = await page.content();
        assert(!html.includes(SECRET_TITLE), `${p} shows the restricted entry`);
        assert((await page.locator('h1').count()) === 1, `${p} has no single h1`);
        await page.screenshot({ path: path.join(SHOTS, `datamap-${label}.png`), fullPage: true });
      }
    });

    await check('every page derived from the map keeps the restricted entry out', async () => {
      for (const [, p] of PAGES.slice(3)) {
        await goto(page, p);
        assert(!(await page.content()).includes(SECRET_TITLE), `${p} shows the restricted entry`);
      }
    });

    await check('the ranking page draws its table, chart and province map', async () => {
      await goto(page, '/strategy/ranking');
      assert((await page.locator('table.rank-table tbody tr').count()) >= 2, 'fewer than two ranked provinces');
      assert((await page.locator('figure.chart svg').count()) >= 2, 'the bar chart or the map is missing');
      assert((await page.locator('figure.chart svg [data-code], figure.chart svg rect').count()) > 0, 'empty charts');
      await page.screenshot({ path: path.join(SHOTS, 'datamap-ranking.png'), fullPage: true });
    });

    await check("pointing at a database highlights it and its neighbours", async () => {
      await goto(page, '/datamap/graph');
      await page.waitForFunction(() => document.querySelector('[data-dm-graph].dm-live'));
      assert(await page.locator('#dm-toggles').isVisible(), 'the platform toggles stay hidden with the script');
      // The ministry's national database: connected to Hà Nội and Đà Nẵng.
      const index = await nodeIndex(page, 'Cơ sở dữ liệu quốc gia về y tế');
      assert(index !== null, 'the national health database is not in the graph');
      const node = page.locator(`[data-dm-graph] svg .node[data-node="${index}"]`);
      await node.hover();
      // The highlight fades in (0.12 s).
      await page.waitForTimeout(400);
      const s = await page.evaluate(graphState);
      assert(s.highlighted, 'hovering a node highlights nothing');
      assert(s.selected.length === 1 && s.selected[0] === index, `selected ${JSON.stringify(s.selected)}, not ${index}`);
      const expected = new Set(
        s.edges.filter((e) => e[0] === index || e[1] === index).map((e) => (e[0] === index ? e[1] : e[0])),
      );
      assert(expected.size >= 2, `the node has ${expected.size} neighbours in the SVG`);
      assert(
        s.neighbours.length === expected.size && s.neighbours.every((n) => expected.has(n)),
        `neighbours ${JSON.stringify(s.neighbours)}, expected ${JSON.stringify([...expected])}`,
      );
      const others = s.dimmed;
      assert(others.length > 0 && !others.includes(index) && others.every((n) => !expected.has(n)), `dimmed ${JSON.stringify(others)}`);
      assert(s.edgesOn === expected.size, `${s.edgesOn} edges lit for ${expected.size} neighbours`);
      await page.screenshot({ path: path.join(SHOTS, 'datamap-graph-highlight.png'), fullPage: true });
      await page.mouse.move(2, 2);
      await page.locator('h1').hover();
      const after = await page.evaluate(graphState);
      assert(!after.highlighted, 'the highlight stays after the pointer left');
    });

    await check('a click pins a database and lists its neighbours; Esc unpins', async () => {
      const index = await nodeIndex(page, 'Cơ sở dữ liệu quốc gia về y tế');
      const node = page.locator(`[data-dm-graph] svg .node[data-node="${index}"]`);
      const before = page.url();
      await node.click();
      assert(page.url() === before, 'the first click navigated away');
      const panel = page.locator('#dm-panel');
      assert(await panel.isVisible(), 'no panel after a click');
      const text = await panel.innerText();
      assert(text.includes('Cơ sở dữ liệu dùng chung Hà Nội') && text.includes('Cơ sở dữ liệu dùng chung Đà Nẵng'), `panel: ${text}`);
      await page.locator('h1').hover();
      assert((await page.evaluate(graphState)).highlighted, 'the pinned highlight went with the pointer');
      await page.screenshot({ path: path.join(SHOTS, 'datamap-graph-pinned.png'), fullPage: true });
      await page.keyboard.press('Escape');
      assert(!(await panel.isVisible()) && !(await page.evaluate(graphState)).highlighted, 'Esc did not unpin');
    });

    await check('keyboard focus highlights a database too', async () => {
      // (The click above left the focus on that node's link.)
      await page.locator('#dm-q').focus();
      await page.locator('[data-dm-graph] svg a').nth(1).focus();
      const s = await page.evaluate(graphState);
      const active = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200));
      assert(s.highlighted && s.selected.length === 1, `focus: ${JSON.stringify(s.selected)}; focused ${active}`);
      await page.locator('#dm-q').focus();
    });

    await check('a platform can be hidden and shown again', async () => {
      const total = (await page.evaluate(graphState)).edgesShown;
      const box = page.locator('#dm-toggles input[data-platform="lgsp"]');
      assert((await box.count()) === 1, 'no LGSP toggle');
      await box.uncheck();
      const s = await page.evaluate(graphState);
      const lgsp = s.edges.filter((e) => e[2].includes('lgsp')).length;
      assert(lgsp > 0 && s.edgesShown === total - lgsp, `${s.edgesShown} edges shown of ${total}, ${lgsp} LGSP`);
      await box.check();
      assert((await page.evaluate(graphState)).edgesShown === total, 'the LGSP edges did not come back');
    });

    await check('without JavaScript the graph is complete and its controls absent', async () => {
      const nojs = await browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false, locale: 'vi-VN' });
      const p = await nojs.newPage();
      await goto(p, '/datamap/graph');
      assert((await p.locator('[data-dm-graph] svg .node').count()) >= 5, 'nodes missing without script');
      assert(!(await p.locator('#dm-toggles').isVisible()), 'the toggles show without the script');
      const link = await p.locator('[data-dm-graph] svg a').first().getAttribute('href');
      assert(link && link.startsWith('/datamap/database/'), `node link ${link}`);
      await nojs.close();
    });

    await check('axe-core finds no serious or critical violations; nothing scrolls sideways at 360px', async () => {
      const audit = await browser.newContext({ viewport: DESKTOP, bypassCSP: true, locale: 'vi-VN' });
      audit.setDefaultTimeout(TIMEOUT);
      const problems = [];
      const minor = [];
      for (const [label, p] of PAGES) {
        const ap = await audit.newPage();
        lastPage = ap;
        await goto(ap, p);
        for (const vp of [DESKTOP, PHONE]) {
          await ap.setViewportSize(vp);
          const v = await axeViolations(ap, `${label} ${p} @${vp.width}px`);
          (v.serious ? problems : minor).push(...v.lines);
          if (label !== 'overview-en' && (vp === PHONE || PAGES.slice(3).some((x) => x[0] === label))) {
            await ap.screenshot({ path: path.join(SHOTS, `datamap-${label}-${vp.width}.png`), fullPage: true });
          }
        }
        const scroll = await ap.evaluate(() => document.documentElement.scrollWidth);
        if (scroll > PHONE.width) problems.push(`[${label} ${p} @${PHONE.width}px] scrolls sideways: scrollWidth ${scroll}px`);
        await ap.close();
      }
      await audit.close();
      if (minor.length) console.log(`note: minor accessibility findings:\n${minor.join('\n')}`);
      assert(problems.length === 0, `accessibility / layout problems:\n${problems.join('\n')}`);
    });

    await check("an agency's entry form (signed in) has no serious accessibility problems and fits a phone", async () => {
      const fctx = await browser.newContext({ viewport: DESKTOP, bypassCSP: true, locale: 'vi-VN' });
      fctx.setDefaultTimeout(TIMEOUT);
      const fp = await fctx.newPage();
      lastPage = fp;
      await goto(fp, '/user/login');
      await fp.fill('#login', 'bien-tap-hn');
      await fp.fill('#password', '12345678abc');
      await Promise.all([fp.waitForNavigation(), fp.click('main form button[type=submit]')]);
      const problems = [];
      for (const [label, p] of [['form-new', '/datamap/new'], ['form-edit', '/datamap/database/csdl-ha-noi/edit']]) {
        await goto(fp, p);
        assert((await fp.locator('select#owner_org option').count()) >= 1, `${p} offers no agency`);
        for (const vp of [DESKTOP, PHONE]) {
          await fp.setViewportSize(vp);
          const v = await axeViolations(fp, `${label} ${p} @${vp.width}px`);
          if (v.serious) problems.push(...v.lines);
          await fp.screenshot({ path: path.join(SHOTS, `datamap-${label}-${vp.width}.png`), fullPage: true });
        }
        const scroll = await fp.evaluate(() => document.documentElement.scrollWidth);
        if (scroll > PHONE.width) problems.push(`[${label} ${p} @${PHONE.width}px] scrolls sideways: scrollWidth ${scroll}px`);
        await fp.setViewportSize(DESKTOP);
      }
      await fctx.close();
      assert(problems.length === 0, `entry form problems:\n${problems.join('\n')}`);
    });

    assert(errors.length === 0, `browser errors:\n${errors.join('\n')}`);
    await ctx.close();
  } catch (e) {
    if (lastPage && !lastPage.isClosed()) {
      await lastPage.screenshot({ path: path.join(SHOTS, 'datamap-failure.png'), fullPage: true }).catch(() => {});
    }
    throw e;
  } finally {
    await browser.close();
  }
  console.log('ALL DATAMAP E2E CHECKS PASSED');
}

main().catch((e) => {
  const what = e instanceof CheckFailed ? e.message : e.stack || String(e);
  console.error(`DATAMAP E2E CHECK FAILED: ${current}\n${what}`);
  if (lastPage) console.error(`(last page: ${lastPage.url()})`);
  process.exit(1);
});
