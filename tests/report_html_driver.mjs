// Opens an HTML report (file://) in headless Chromium with playwright-core and
// returns, as JSON on stdout, what a person sees: the headings, the gauges'
// numbers, the charts' bars, one finding card with its snippet, the sidebar at
// desktop width and in print, and what the severity filter does; the same page
// with JavaScript off. Screenshots of the top of the page and of the card go to
// cfg.artifacts. Run by tests/test_report_html_browser.py with one JSON argument:
//   {url, chromium, playwrightModules, artifacts, card (a CSS selector), filterSeverity,
//    reveal (optional: the id of a place in a collapsed part), timeoutMs}
// Exits 1 with a message on stderr when the page cannot be driven.
import { createRequire } from "node:module";

const cfg = JSON.parse(process.argv[2] ?? "null");
if (!cfg) {
  console.error("usage: node report_html_driver.mjs '<json config>'");
  process.exit(2);
}
const require = createRequire(`${cfg.playwrightModules}/`);
const { chromium } = require("playwright-core");
const T = cfg.timeoutMs ?? 20000;

const browser = await chromium.launch({
  executablePath: cfg.chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
});

/** visible, whitespace-squashed text of each element matching selector */
async function texts(page, selector) {
  const out = [];
  for (const el of await page.locator(selector).all()) {
    if (await el.isVisible()) out.push((await el.innerText()).replace(/\s+/g, " ").trim());
  }
  return out;
}

/** SVG text is not innerText: the text of visible <text> elements, in order */
async function svgTexts(locator) {
  return locator.evaluateAll((nodes) =>
    nodes.filter((n) => n.getBoundingClientRect().width > 0).map((n) => n.textContent.trim()),
  );
}

async function visibleCount(page, selector) {
  let n = 0;
  for (const el of await page.locator(selector).all()) if (await el.isVisible()) n += 1;
  return n;
}

const result = {};
try {
  // -- with JavaScript, at desktop width ---------------------------------------
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(T);
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("request", (r) => {
    if (!r.url().startsWith("file:")) problems.push(`request: ${r.url()}`);
  });
  await page.goto(cfg.url, { waitUntil: "load" });
  result.title = await page.title();
  result.h1 = await texts(page, "h1");
  result.h2 = (await texts(page, "h2")).map((t) => t.replace(/#$/, "").trim());
  result.h3 = (await texts(page, "h3")).map((t) => t.replace(/#$/, "").trim());

  const gauges = [];
  for (const g of await page.locator("figure.gauge").all()) {
    gauges.push({
      visible: await g.isVisible(),
      numbers: await svgTexts(g.locator("svg text")),
      caption: (await g.locator("figcaption").innerText()).replace(/\s+/g, " ").trim(),
    });
  }
  result.gauges = gauges;

  const chart = async (id) => {
    const fig = page.locator(id);
    if (!(await fig.count())) return null;
    const bars = [];
    for (const bar of await fig.locator("g.bar").all()) {
      const words = await svgTexts(bar.locator("text"));
      bars.push({ label: words[0], count: words[words.length - 1] });
    }
    return { visible: await fig.isVisible(), caption: await fig.locator("figcaption").innerText(), bars };
  };
  result.severityChart = await chart("#chart-severity");
  result.sectionChart = await chart("#chart-sections");

  const toc = page.locator("nav.toc");
  const box = await toc.boundingBox();
  const tocTargets = await page.locator("nav.toc a").evaluateAll((links) =>
    links.map((a) => ({ text: a.textContent.trim(), target: !!document.getElementById(a.hash.slice(1)) })),
  );
  result.sidebar = { visible: await toc.isVisible(), x: box?.x, width: box?.width, links: tocTargets };
  await page.screenshot({ path: `${cfg.artifacts}/top.png` });

  // -- one finding card with its snippet -----------------------------------------
  const card = page.locator(cfg.card).first();
  await card.scrollIntoViewIfNeeded();
  const place = card.locator(".place").first();
  result.card = {
    visible: await card.isVisible(),
    heading: (await card.locator("h4").innerText()).replace(/\s+/g, " ").trim(),
    location: await place.locator(".loc").innerText(),
    links: await place.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href"))),
    message: await place.locator(".msg").innerText(),
    snippetLines: await texts(place, ".snippet .line"),
    highlighted: await texts(place, ".snippet .line.hit"),
    highlightColor: await place
      .locator(".snippet .line.hit")
      .evaluate((el) => getComputedStyle(el).backgroundColor)
      .catch(() => null),
  };
  await card.screenshot({ path: `${cfg.artifacts}/finding.png` });

  // -- filters (the script) ------------------------------------------------------
  const cardsSelector = "section.report-section .card";
  result.filters = { visible: await page.locator("#filters").isVisible() };
  if (result.filters.visible) {
    result.filters.before = await visibleCount(page, cardsSelector);
    result.filters.shownBefore = await page.locator("#filters-shown").innerText();
    const severity = cfg.filterSeverity;
    await page.locator(`#filters input[name=severity][value=${severity}]`).uncheck();
    result.filters.after = await visibleCount(page, cardsSelector);
    result.filters.shownAfter = await page.locator("#filters-shown").innerText();
    result.filters.visiblePlacesOfSeverity = await visibleCount(
      page,
      `section.report-section .place[data-severity=${severity}]`,
    );
    await page.locator(`#filters input[name=severity][value=${severity}]`).check();
    result.filters.restored = await visibleCount(page, cardsSelector);
  }

  // -- a link from the appendix to a place in a collapsed part opens it -----------
  if (cfg.reveal) {
    const link = page.locator(`.appendix a[href="#${cfg.reveal}"]`);
    await link.locator("xpath=ancestor::details[1]/summary").click();
    const target = page.locator(`#${cfg.reveal}`);
    const before = await target.isVisible();
    await link.click();
    // scrolling is smooth: wait for it to end
    const inView = await page
      .waitForFunction((id) => {
        const r = document.getElementById(id).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight;
      }, cfg.reveal, { timeout: 3000 })
      .then(() => true, () => false);
    result.reveal = { before, after: await target.isVisible(), inView };
  }

  // -- print ---------------------------------------------------------------------
  await page.emulateMedia({ media: "print" });
  result.print = {
    sidebar: await toc.isVisible(),
    filters: await page.locator("#filters").isVisible(),
    appendixTables: await visibleCount(page, ".appendix table"),
    appendixSections: await page.locator(".appendix details").count(),
    morePlaces: await visibleCount(page, "details.more .place"),
    morePlacesTotal: await page.locator("details.more .place").count(),
  };
  await page.screenshot({ path: `${cfg.artifacts}/print.png` });
  await page.emulateMedia({ media: "screen" });
  result.problems = problems;
  await context.close();

  // -- without JavaScript --------------------------------------------------------
  const noJs = await browser.newContext({ viewport: { width: 1400, height: 900 }, javaScriptEnabled: false });
  const plain = await noJs.newPage();
  await plain.goto(cfg.url, { waitUntil: "load" });
  result.noScript = {
    h2: (await texts(plain, "h2")).length,
    filters: await plain.locator("#filters").isVisible(),
    cards: await visibleCount(plain, cardsSelector),
    cardsTotal: await plain.locator(cardsSelector).count(),
    snippets: await visibleCount(plain, "section.report-section .card > .places .snippet"),
  };
  // -- a narrow screen: the contents go above the report ---------------------------
  await plain.setViewportSize({ width: 600, height: 900 });
  const narrow = await plain.locator("nav.toc").boundingBox();
  const mainBox = await plain.locator("main").boundingBox();
  result.narrow = { tocAboveMain: !!narrow && !!mainBox && narrow.y + narrow.height <= mainBox.y + 1 };
  const overflow = await plain.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  result.narrow.horizontalOverflow = overflow;
  await noJs.close();
} catch (err) {
  console.error(String(err?.stack ?? err));
  await browser.close();
  process.exit(1);
}
await browser.close();
process.stdout.write(JSON.stringify(result));
