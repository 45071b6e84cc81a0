// Drives code-server (VS Code in the browser) with playwright-core and headless
// Chromium, and checks what a user of the Backend Lens extension sees.
// Run by tests/editors/test_vscode.py; configuration comes as one JSON argument:
//   {url, workspace, chromium, playwrightModules, profile, screenshot, timeoutMs, mode,
//    and per mode:
//    "full": expectedFindings, line, code, codeText, reportFile, reportTitle,
//       quickFixTitle, fixedFile
//    "missing-server": installCommand (then Show Project Inventory says the server is not running)
//    "inventory": expectedFindings, inventoryTab, inventorySearches (texts the document
//       must contain, each checked with the editor's Find widget)
//    "python-extension" (with the Python extension stand-in installed):
//       expectedFindings, python, otherPython, pickerPrompt, installCommand
//    "old-server": minVersion, upgradeCommand
//    "findings": expectedFindings (they show: the status bar count and squiggles);
//       then, with oldPython, backendLens.interpreter is set to it in the workspace
//       settings and the message saying it is too old is awaited}
// Prints one line per step to stderr, and a JSON result on stdout. Exits 1 when a
// check fails (after saving the screenshot), 2 on a usage error.
import { createRequire } from "node:module";
import * as fs from "node:fs";

const cfg = JSON.parse(process.argv[2] ?? "null");
if (!cfg) {
  console.error("usage: node vscode_driver.mjs '<json config>'");
  process.exit(2);
}
const require = createRequire(`${cfg.playwrightModules}/`);
const { chromium } = require("playwright-core");
const T = cfg.timeoutMs ?? 30000;
const started = Date.now();
const result = { steps: [] };

function step(name, extra = {}) {
  const entry = { step: name, ms: Date.now() - started, ...extra };
  result.steps.push(entry);
  console.error(`[driver ${String(entry.ms).padStart(6)} ms] ${name}${Object.keys(extra).length ? " " + JSON.stringify(extra) : ""}`);
}

class CheckFailed extends Error {}
/** ends a shorter scenario early, successfully */
class Done extends Error {}
function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

/** Polls fn until it returns a truthy value; throws with `what` after the timeout. */
async function waitFor(what, fn, timeout = T, interval = 100) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new CheckFailed(`timed out after ${timeout} ms waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

const squash = (text) => text.replace(/\s+/g, " ").trim();

/** Runs a command from the command palette (F1), as a user would; `answer`
 * ({prompt, text}) fills the input box the command then opens. */
async function runCommand(title, { answer } = {}) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input").first();
  await input.waitFor({ state: "visible" });
  await input.fill(`>${title}`);
  const entry = page.locator(".quick-input-widget .monaco-list-row", { hasText: title }).first();
  await entry.waitFor({ state: "visible" });
  await page.keyboard.press("Enter");
  if (answer) await answerInputBox(answer.prompt, answer.text);
  else await input.waitFor({ state: "hidden" });
  step(`ran ${title}`, answer ? { answered: answer.text } : {});
}

/** Whether the command palette lists `title` (the palette is closed again, nothing runs). */
async function paletteLists(title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input").first();
  await input.waitFor({ state: "visible" });
  await input.fill(`>${title}`);
  const entry = page.locator(".quick-input-widget .monaco-list-row", { hasText: title }).first();
  const listed = await entry.waitFor({ state: "visible", timeout: 5000 }).then(() => true, () => false);
  await page.keyboard.press("Escape");
  await input.waitFor({ state: "hidden" });
  return listed;
}

/** Types `text` into the input box that shows `prompt`, and presses Enter. */
async function answerInputBox(prompt, text) {
  const widget = page.locator(".quick-input-widget", { hasText: prompt }).first();
  await widget.waitFor({ state: "visible" });
  await widget.locator("input").first().fill(text);
  await page.keyboard.press("Enter");
  await widget.waitFor({ state: "hidden" });
}

/** The notification toast whose text includes `text`, once it is visible. */
async function toastWith(text) {
  const toast = page.locator(".notifications-toasts .notification-toast", { hasText: text }).first();
  await toast.waitFor({ state: "visible" });
  return toast;
}

/** A notification whose toast may hide itself (a warning's does after some seconds,
 * which a busy machine can spend before looking): its toast, or else the same
 * notification in the notification center (which has the same text and buttons). */
async function noticeWith(text, toastMs = 10000) {
  const toast = page.locator(".notifications-toasts .notification-toast", { hasText: text }).first();
  if (await toast.waitFor({ state: "visible", timeout: toastMs }).then(() => true, () => false)) return toast;
  step("no toast: looking in the notification center", { text });
  await runCommand("Notifications: Show Notifications");
  const item = page.locator(".notifications-center .notification-list-item", { hasText: text }).first();
  await item.waitFor({ state: "visible" });
  return item;
}

/** The names of the buttons on a notification toast. */
async function buttonsOf(toast) {
  return (await toast.locator(".monaco-button").allInnerTexts()).map(squash).filter(Boolean);
}

/** Waits until the Backend Lens status bar item's text matches `pattern`; returns the text. */
async function waitStatus(pattern, what = `the status bar to match ${pattern}`) {
  const item = page.locator(".statusbar-item", { hasText: "Backend Lens" }).first();
  return waitFor(what, async () => {
    const text = squash(await item.innerText());
    return pattern.test(text) ? text : false;
  });
}
const findingsPattern = (n) => new RegExp(`Backend Lens: ${n} findings?\\b`);

const context = await chromium.launchPersistentContext(cfg.profile, {
  executablePath: cfg.chromium,
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
  ],
});
let page;
let exitCode = 0;
try {
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(T);
  const url = `${cfg.url}/?folder=${encodeURIComponent(cfg.workspace)}`;
  await page.goto(url, { waitUntil: "domcontentloaded" });
  await page.locator(".monaco-workbench").waitFor();
  step("workbench loaded", { url });

  // the file, opened from the Explorer as a user would
  const explorer = page.locator(".explorer-folders-view");
  await explorer.waitFor();
  const row = (label) => explorer.locator(`.monaco-list-row[aria-label="${label}"]`).first();
  // the row's aria-label is the name alone in recent VS Code; fall back to the text
  const openRow = async (name) => {
    const byLabel = row(name);
    const target = (await byLabel.count()) > 0 ? byLabel : explorer.locator(".monaco-list-row", { hasText: name }).first();
    await target.waitFor();
    await target.click();
  };
  await openRow("shop");
  await openRow("views.py");
  if (cfg.mode === "missing-server") {
    // the interpreter has no backend-lens: a message says how to install it, the status says error
    const toast = await toastWith("Backend Lens is not installed in");
    result.notification = squash(await toast.innerText());
    step("notification", { text: result.notification });
    check(result.notification.includes(cfg.installCommand), `the message does not give the command "${cfg.installCommand}"`);
    for (const button of ["Copy install command", "Choose interpreter", "Open settings"]) {
      check(await toast.locator(".monaco-button", { hasText: button }).count() > 0, `no "${button}" button on the message`);
    }
    result.status = await waitStatus(/Backend Lens: error/, 'the status bar to say "Backend Lens: error"');
    step("status bar", { text: result.status });
    // no server: Show Project Inventory says so, with a way out
    await runCommand("Backend Lens: Show Project Inventory");
    const noServer = await toastWith("so there is no inventory");
    result.inventoryNotification = squash(await noServer.innerText());
    result.inventoryButtons = await buttonsOf(noServer);
    step("inventory without a server", { text: result.inventoryNotification, buttons: result.inventoryButtons });
    throw new Done();
  }
  if (cfg.mode === "inventory") {
    // the server is up once views.py's findings are counted
    result.status = await waitStatus(findingsPattern(cfg.expectedFindings), `the status bar to say "${cfg.expectedFindings} findings"`);
    step("status bar", { text: result.status });
    await runCommand("Backend Lens: Show Project Inventory");
    const tabs = page.locator(".tabs-container .tab");
    let tabTexts = [];
    result.inventoryTab = await waitFor(`a tab "${cfg.inventoryTab}"`, async () => {
      tabTexts = (await tabs.evaluateAll((els) => els.map((e) => e.textContent ?? ""))).map(squash);
      return tabTexts.find((t) => t.includes(cfg.inventoryTab));
    }, 15000).catch((err) => {
      throw new CheckFailed(`${err.message}; the tabs are ${JSON.stringify(tabTexts)}`);
    });
    step("inventory tab open", { tab: result.inventoryTab });
    const editor = page.locator(".editor-group-container.active .monaco-editor").first();
    await editor.locator(".view-lines").waitFor();
    result.inventoryFirstLines = squash(await editor.locator(".view-lines").innerText()).slice(0, 300);
    // the language the status bar shows for the document
    result.language = await waitFor("the JSON language mode in the status bar", async () => {
      const texts = (await page.locator(".statusbar-item").allInnerTexts()).map(squash);
      return texts.find((t) => t === "JSON" || t === "JSON with Comments");
    });
    // every expected text is in the document: the Find widget counts it
    await editor.locator(".view-lines").click();
    result.matches = {};
    for (const text of cfg.inventorySearches) {
      await page.keyboard.press("Control+f");
      const find = page.locator(".editor-group-container.active .find-widget.visible").first();
      await find.waitFor({ state: "visible" });
      await find.locator("textarea, input").first().fill(text);
      const count = find.locator(".matchesCount");
      // "1 of 2", "? of 2" (the cursor is on no match); else what it says ("No results")
      result.matches[text] = await waitFor(`the Find widget to count "${text}"`, async () => {
        const shown = squash(await count.innerText());
        return /\bof \d+/.test(shown) ? shown : false;
      }, 5000).catch(async () => squash(await count.innerText()) || "nothing");
      await page.keyboard.press("Escape");
    }
    step("searched the inventory", { matches: result.matches });
    // read-only: typing into it changes nothing (the tab does not turn dirty)
    await editor.locator(".view-lines").click();
    await page.keyboard.type("x");
    const refusal = page.locator(".monaco-editor-overlaymessage", { hasText: "read-only" }).first();
    result.readOnlyMessage = await refusal.waitFor({ state: "visible", timeout: 10000 }).then(
      async () => squash(await refusal.innerText()), () => null);
    const activeTab = page.locator(".tabs-container .tab.active").first();
    result.inventoryDirty = /\bdirty\b/.test((await activeTab.getAttribute("class")) ?? "");
    step("typed into the inventory", { dirty: result.inventoryDirty, message: result.readOnlyMessage });
    await page.screenshot({ path: cfg.screenshot.replace(/\.png$/, "-inventory.png"), timeout: 10000 }).catch(() => {});
    throw new Done();
  }
  if (cfg.mode === "python-extension") {
    // no Backend Lens interpreter setting: the interpreter comes from the (stand-in)
    // Python extension, which has cfg.python selected: the findings appear
    result.status = await waitStatus(findingsPattern(cfg.expectedFindings), `the status bar to say "${cfg.expectedFindings} findings"`);
    step("findings with the Python extension's interpreter", { status: result.status });
    // the user selects another interpreter (one without backend-lens) in the Python
    // extension: Backend Lens restarts on its own and says what is wrong
    const picker = { prompt: cfg.pickerPrompt };
    await runCommand("Python: Select Interpreter", { answer: { ...picker, text: cfg.otherPython } });
    const toast = await toastWith(`Backend Lens is not installed in ${cfg.otherPython}`);
    result.notification = squash(await toast.innerText());
    step("notification", { text: result.notification });
    check(result.notification.includes(cfg.installCommand), `the message does not give the command "${cfg.installCommand}"`);
    result.statusAfterSelect = await waitStatus(/Backend Lens: error/, 'the status bar to say "Backend Lens: error"');
    step("status bar", { text: result.statusAfterSelect });
    await page.screenshot({ path: cfg.screenshot.replace(/\.png$/, "-not-installed.png"), timeout: 10000 }).catch(() => {});
    // "Choose interpreter" on the message opens the Python extension's picker; choosing
    // the interpreter that has backend-lens brings the findings back
    result.buttons = await buttonsOf(toast);
    await toast.locator(".monaco-button", { hasText: "Choose interpreter" }).first().click();
    await answerInputBox(cfg.pickerPrompt, cfg.python);
    step("chose an interpreter from the message", { python: cfg.python });
    result.statusAfterChoose = await waitStatus(findingsPattern(cfg.expectedFindings), `the status bar to say "${cfg.expectedFindings} findings" again`);
    step("findings again", { status: result.statusAfterChoose });
    throw new Done();
  }
  if (cfg.mode === "old-server") {
    // backendLens.serverPath is a backend-lens older than the extension needs
    // a warning: its toast hides itself after a while
    const toast = await noticeWith(`older than ${cfg.minVersion}`, cfg.toastMs);
    result.notification = squash(await toast.innerText());
    result.buttons = await buttonsOf(toast);
    step("notification", { text: result.notification, buttons: result.buttons });
    check(result.notification.includes(cfg.upgradeCommand), `the message does not give the command "${cfg.upgradeCommand}"`);
    result.status = await waitStatus(/Backend Lens: error/, 'the status bar to say "Backend Lens: error"');
    step("status bar", { text: result.status });
    throw new Done();
  }
  if (cfg.mode === "findings") {
    // the server started and analysed views.py: the count in the status bar, a squiggle on the line
    result.status = await waitStatus(findingsPattern(cfg.expectedFindings), `the status bar to say "${cfg.expectedFindings} findings"`);
    step("status bar", { text: result.status });
    const editor = page.locator(".editor-instance .monaco-editor").first();
    const squiggles = editor.locator(".squiggly-error, .squiggly-warning, .squiggly-info");
    await waitFor(`${cfg.expectedFindings} squiggles`, async () => (await squiggles.count()) >= cfg.expectedFindings);
    result.squiggles = await squiggles.count();
    step("squiggles", { count: result.squiggles });
    if (cfg.oldPython) {
      fs.mkdirSync(`${cfg.workspace}/.vscode`, { recursive: true });
      fs.writeFileSync(`${cfg.workspace}/.vscode/settings.json`, JSON.stringify({ "backendLens.interpreter": cfg.oldPython }));
      const toast = await toastWith("is too old");
      result.notification = squash(await toast.innerText());
      result.buttons = await buttonsOf(toast);
      step("notification", { text: result.notification, buttons: result.buttons });
      result.statusOldPython = await waitStatus(/Backend Lens: error/, 'the status bar to say "Backend Lens: error"');
    }
    throw new Done();
  }
  const editor = page.locator(".editor-instance .monaco-editor").first();
  await editor.locator(".view-lines").waitFor();
  await waitFor("a views.py tab", async () =>
    (await page.locator('.tabs-container .tab[data-resource-name="views.py"]').count()) +
      (await page.locator(".tabs-container .tab", { hasText: "views.py" }).count()) > 0,
  );
  step("views.py open");

  // squiggles from the server, and which line each sits on
  const squiggles = editor.locator(".squiggly-error, .squiggly-warning, .squiggly-info");
  await waitFor("a squiggle in views.py", async () => (await squiggles.count()) > 0, T);
  const lineOf = async (el) =>
    el.evaluate((node) => {
      const editorNode = node.closest(".monaco-editor");
      const top = node.getBoundingClientRect().top;
      for (const ln of editorNode.querySelectorAll(".margin-view-overlays .line-numbers")) {
        const r = ln.getBoundingClientRect();
        if (Math.abs(r.top - top) < 3) return Number(ln.textContent.trim());
      }
      return null;
    });
  await waitFor(`${cfg.expectedFindings} squiggles`, async () => (await squiggles.count()) >= cfg.expectedFindings, T);
  const lines = [];
  for (let i = 0; i < (await squiggles.count()); i++) lines.push(await lineOf(squiggles.nth(i)));
  step("squiggles", { lines });
  const idx = lines.indexOf(cfg.line);
  check(idx >= 0, `no squiggle on line ${cfg.line}; squiggles are on lines ${JSON.stringify(lines)}`);

  // hovering that squiggle names the rule
  const box = await squiggles.nth(idx).boundingBox();
  check(box !== null, "the squiggle has no box");
  await page.mouse.move(box.x + Math.min(box.width / 2, 20), box.y + box.height / 2);
  const hover = page.locator(".monaco-hover:not(.hidden)", { hasText: cfg.code }).first();
  await hover.waitFor({ state: "visible", timeout: T });
  const hoverText = (await hover.innerText()).replace(/\s+/g, " ");
  step("hover on the squiggle", { line: cfg.line, hover: hoverText.slice(0, 200) });
  check(hoverText.includes(cfg.code), `hover on line ${cfg.line} does not name ${cfg.code}: ${hoverText}`);
  await page.mouse.move(5, 450);
  await page.keyboard.press("Escape");

  // the status bar shows the number of findings; clicking it opens Problems
  const statusItem = page.locator(".statusbar-item", { hasText: "Backend Lens" }).first();
  const statusText = await waitFor(
    `the status bar to say "${cfg.expectedFindings} findings"`,
    async () => {
      const text = (await statusItem.innerText()).replace(/\s+/g, " ").trim();
      return new RegExp(`Backend Lens: ${cfg.expectedFindings} findings?\\b`).test(text) ? text : false;
    },
  );
  step("status bar", { text: statusText });
  await statusItem.click();

  const problemRows = page.locator(".markers-panel .monaco-list-row");
  const problem = await waitFor(`a Problems row with ${cfg.code} and "${cfg.codeText}"`, async () => {
    const texts = await problemRows.allInnerTexts();
    return texts.map((t) => t.replace(/\s+/g, " ")).find((t) => t.includes(cfg.code) && t.includes(cfg.codeText));
  });
  const allProblems = (await problemRows.allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
  step("problems panel", { row: problem, rows: allProblems.length });
  // the moment worth keeping: squiggles in views.py and the Problems rows under it
  await page.screenshot({ path: cfg.screenshot.replace(/\.png$/, "-problems.png"), timeout: 10000 }).catch(() => {});
  check(new RegExp(`\\bLn ${cfg.line}\\b|\\[${cfg.line}, ?\\d+\\]|\\(${cfg.line}, ?\\d+\\)`).test(problem),
    `the Problems row for ${cfg.code} is not on line ${cfg.line}: ${problem}`);
  result.problems = allProblems;

  // the report, from the button in views.py's editor title bar (its label is the
  // command's title; the icon is $(output))
  await page.locator(".monaco-editor .view-lines").first().click();
  const titleActions = page.locator(".editor-group-container .editor-actions .action-item .action-label");
  const labelsOf = () => titleActions.evaluateAll((els) => els.map((e) => e.getAttribute("aria-label") ?? ""));
  let reportButton;
  try {
    reportButton = await waitFor('a "Generate Report" button in the editor title bar', async () => {
      const index = (await labelsOf()).findIndex((label) => /^(Backend Lens: )?Generate Report$/.test(label));
      return index >= 0 && (await titleActions.nth(index).isVisible()) ? titleActions.nth(index) : false;
    }, 10000);
  } catch (err) {
    throw new CheckFailed(`${err.message}; the editor title bar has ${JSON.stringify(await labelsOf())}`);
  }
  result.editorTitleActions = await labelsOf();
  step("editor title bar", { actions: result.editorTitleActions });
  await reportButton.click();
  step("clicked Generate Report in the editor title bar");
  await waitFor(`${cfg.reportFile} to be written`, () => {
    try {
      return fs.readFileSync(cfg.reportFile, "utf8").includes(cfg.reportTitle);
    } catch {
      return false;
    }
  });
  step("report written", { file: cfg.reportFile });
  const reportName = cfg.reportFile.split("/").pop();
  const tab = await waitFor(`a tab for ${reportName}`, async () => {
    const tabs = await page.locator(".tabs-container .tab").allInnerTexts();
    return tabs.map((t) => t.replace(/\s+/g, " ").trim()).find((t) => t.includes(reportName));
  });
  step("report tab open", { tab });
  Object.assign(result, { reportTab: tab, status: statusText, squiggleLines: lines, hover: hoverText });
  // the Markdown preview is a webview (nested iframes): its text is the report's
  const previewText = await waitFor(`"${cfg.reportTitle}" in the preview`, async () => {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const text = await frame.locator("body").innerText({ timeout: 1000 }).catch(() => "");
      if (text.includes(cfg.reportTitle)) return text;
    }
    return false;
  });
  step("report preview rendered", { text: previewText.slice(0, 80).replace(/\s+/g, " ") });
  // the same command is in the command palette
  check(await paletteLists("Backend Lens: Generate Report"), 'the command palette does not list "Backend Lens: Generate Report"');
  step("Backend Lens: Generate Report is in the command palette");

  // a rule setting changed in the workspace reaches the running server
  // (workspace/didChangeConfiguration, no restart): the ignored rule's finding goes away
  fs.mkdirSync(`${cfg.workspace}/.vscode`, { recursive: true });
  fs.writeFileSync(`${cfg.workspace}/.vscode/settings.json`, JSON.stringify({ "backendLens.ignore": [cfg.code] }));
  const fewer = cfg.expectedFindings - 1;
  result.statusAfterIgnore = await waitFor(`the status bar to say "${fewer} findings" after ignoring ${cfg.code}`, async () => {
    const text = (await statusItem.innerText()).replace(/\s+/g, " ").trim();
    return new RegExp(`Backend Lens: ${fewer} findings?\\b`).test(text) ? text : false;
  });
  // the Problems view follows the status bar a moment later on a busy machine
  await waitFor(`${cfg.code} to leave the Problems view after ignoring it`, async () =>
    !(await problemRows.allInnerTexts()).join("\n").includes(cfg.code), 10000);
  step("ignored by a setting", { status: result.statusAfterIgnore });

  // Backend Lens: Restart Server from the palette: a new server, the same findings
  // every text the item shows meanwhile is recorded, so the restart is seen to happen
  await page.evaluate(() => {
    const seen = (window.__backendLensStatus = []);
    const read = () => {
      for (const el of document.querySelectorAll(".statusbar-item")) {
        const text = el.textContent.replace(/\s+/g, " ").trim();
        if (text.includes("Backend Lens") && seen[seen.length - 1] !== text) seen.push(text);
      }
    };
    new MutationObserver(read).observe(document.querySelector(".statusbar"), {
      subtree: true, childList: true, characterData: true, attributes: true,
    });
    read();
  });
  await runCommand("Backend Lens: Restart Server");
  const seen = await waitFor(`"${fewer} findings" after "starting" or "stopped"`, async () => {
    const texts = await page.evaluate(() => window.__backendLensStatus);
    const down = texts.findIndex((t) => /starting|stopped/.test(t));
    return down >= 0 && texts.slice(down).some((t) => new RegExp(`Backend Lens: ${fewer} findings?\\b`).test(t)) ? texts : false;
  });
  result.statusAfterRestart = seen[seen.length - 1];
  result.statusDuringRestart = seen;
  step("restarted", { statuses: seen });
  // and the Problems view lists the new server's findings again
  const other = await waitFor("Problems rows from the restarted server", async () => {
    const texts = (await problemRows.allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
    return texts.some((t) => /ORM001/.test(t)) ? texts : false;
  });
  result.problemsAfterRestart = other;
  step("problems after restart", { rows: other.length });

  // the quick fix, as a user applies it: the rule is no longer ignored, the cursor goes
  // on the squiggle, Ctrl+. opens the menu of fixes, and the user picks the server's
  // fix by its title. It edits the buffer only: nothing is saved
  fs.writeFileSync(`${cfg.workspace}/.vscode/settings.json`, JSON.stringify({}));
  result.statusAfterUnignore = await waitStatus(findingsPattern(cfg.expectedFindings),
    `the status bar to say "${cfg.expectedFindings} findings" once ${cfg.code} is no longer ignored`);
  step("no longer ignored", { status: result.statusAfterUnignore });
  const viewsTab = page.locator(".tabs-container .tab", { hasText: "views.py" }).first();
  await viewsTab.click();
  await editor.locator(".view-lines").waitFor();
  const squiggleOn = async (line) => {
    for (let i = 0; i < (await squiggles.count()); i++) {
      if ((await lineOf(squiggles.nth(i))) === line) return squiggles.nth(i);
    }
    return false;
  };
  const target = await waitFor(`the ${cfg.code} squiggle on line ${cfg.line} again`, () => squiggleOn(cfg.line));
  const fixStarted = Date.now();
  const at = await target.boundingBox();
  check(at !== null, "the squiggle has no box");
  await page.mouse.click(at.x + Math.min(at.width / 2, 20), at.y + at.height / 2);
  await page.keyboard.press("Control+Period");
  const menu = page.locator(".action-widget").first();
  await menu.waitFor({ state: "visible" });
  const menuRows = menu.locator(".monaco-list-row");
  await waitFor(`"${cfg.quickFixTitle}" in the quick fix menu`, async () =>
    (await menuRows.allInnerTexts()).some((t) => t.includes(cfg.quickFixTitle)));
  result.quickFixMenu = (await menuRows.allInnerTexts()).map(squash).filter(Boolean);
  step("quick fix menu", { items: result.quickFixMenu });
  check(result.quickFixMenu.some((t) => t.startsWith("Suppress")), `the quick fix menu has no "Suppress" item: ${JSON.stringify(result.quickFixMenu)}`);
  await menuRows.filter({ hasText: cfg.quickFixTitle }).first().click();
  await menu.waitFor({ state: "hidden" });
  step(`picked ${cfg.quickFixTitle}`);
  // what the user sees: the line has the timeout, its squiggle, Problems row and one
  // finding are gone, the others stay; the tab says unsaved; the file on disk is unchanged
  const textOfLine = (line) =>
    editor.evaluate((node, line) => {
      const number = [...node.querySelectorAll(".margin-view-overlays .line-numbers")].find(
        (ln) => Number(ln.textContent.trim()) === line);
      if (!number) return null;
      const top = number.getBoundingClientRect().top;
      const view = [...node.querySelectorAll(".view-lines .view-line")].find(
        (v) => Math.abs(v.getBoundingClientRect().top - top) < 3);
      return view ? view.textContent.replace(/\u00a0/g, " ") : null;
    }, line);
  result.fixedLine = await waitFor(`line ${cfg.line} to contain "timeout="`, async () => {
    const text = await textOfLine(cfg.line);
    return text && text.includes("timeout=") ? text : false;
  });
  step("fixed line", { line: cfg.line, text: result.fixedLine });
  result.statusAfterFix = await waitStatus(findingsPattern(cfg.expectedFindings - 1),
    `the status bar to say "${cfg.expectedFindings - 1} findings" after the quick fix`);
  result.squiggleLinesAfterFix = await waitFor(`the squiggle on line ${cfg.line} to go, the others to stay`, async () => {
    const now = [];
    for (let i = 0; i < (await squiggles.count()); i++) now.push(await lineOf(squiggles.nth(i)));
    const others = lines.filter((l) => l !== cfg.line);
    return !now.includes(cfg.line) && others.every((l) => now.includes(l)) ? now : false;
  });
  result.problemsAfterFix = await waitFor(`the ${cfg.code} Problems row to go, the others to stay`, async () => {
    const texts = (await problemRows.allInnerTexts()).map(squash);
    return !texts.some((t) => t.includes(cfg.code)) && ["ORM001", "DBP001"].every((c) => texts.some((t) => t.includes(c))) ? texts : false;
  });
  step("after the quick fix", { status: result.statusAfterFix, squiggles: result.squiggleLinesAfterFix, rows: result.problemsAfterFix.length });
  result.tabDirty = await waitFor("the views.py tab to show unsaved changes", async () =>
    /\bdirty\b/.test((await viewsTab.getAttribute("class")) ?? ""));
  result.diskHasTimeout = fs.readFileSync(cfg.fixedFile, "utf8").includes("timeout=");
  check(!result.diskHasTimeout, `${cfg.fixedFile} was written: the quick fix saved the file`);
  step("unsaved", { tabDirty: result.tabDirty, diskHasTimeout: result.diskHasTimeout, fixMs: Date.now() - fixStarted });
  await page.screenshot({ path: cfg.screenshot.replace(/\.png$/, "-quickfix.png"), timeout: 10000 }).catch(() => {});
} catch (err) {
  if (!(err instanceof Done)) {
    exitCode = 1;
    result.error = err instanceof CheckFailed ? err.message : String(err?.stack ?? err);
    console.error(`[driver] FAILED: ${result.error}`);
  }
} finally {
  if (page) {
    try {
      await page.screenshot({ path: cfg.screenshot, fullPage: false, timeout: 10000 });
      result.screenshot = cfg.screenshot;
    } catch (err) {
      console.error(`[driver] no screenshot: ${String(err)}`);
    }
  }
  await context.close().catch(() => {});
}
process.stdout.write(JSON.stringify(result) + "\n");
process.exit(exitCode);
