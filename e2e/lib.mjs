// Helpers of the browser suite: the server scripts/e2e started, the
// browser, axe-core audits and screenshots of every page.
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite with scripts/e2e`);
  return v;
}

// env is what scripts/e2e hands the tests.
export const env = {
  baseURL: need('E2E_BASE_URL'),
  editorToken: need('E2E_EDITOR_TOKEN'),
  sysadminToken: process.env.E2E_SYSADMIN_TOKEN || '',
  org: process.env.E2E_ORG || 'ville-exemple',
  chromium: process.env.E2E_CHROMIUM || '/usr/bin/chromium',
  artifacts: process.env.E2E_ARTIFACTS || path.resolve('artifacts'),
  realFixture: process.env.E2E_REAL_FIXTURE || '',
};
if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(env.baseURL)) {
  throw new Error(`E2E_BASE_URL must be http://127.0.0.1:PORT, not ${env.baseURL}`);
}
mkdirSync(env.artifacts, { recursive: true });

// launch starts headless Chromium. Every request to another host than the
// test server is aborted: the suite never leaves 127.0.0.1.
export async function launch() {
  return chromium.launch({
    executablePath: env.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

// newContext opens a browser profile of its own (cookies…) in a language.
// bypassCSP lets axe-core run in pages whose policy forbids scripts.
export async function newContext(browser, locale = 'fr-FR') {
  const context = await browser.newContext({
    baseURL: env.baseURL,
    locale,
    bypassCSP: true,
    viewport: { width: 1280, height: 900 },
  });
  const origin = new URL(env.baseURL).origin;
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(origin + '/') || u === origin || u.startsWith('data:')) return route.continue();
    return route.abort('blockedbyclient');
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  return context;
}

// TAGS are the WCAG 2.1 A and AA rules of axe-core.
export const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// audits collects, per page name, axe-core's findings; audit.test.mjs
// checks them and axe.json keeps them.
export const audits = new Map();
let shot = 0;

// audit takes a full-page screenshot of the page as it is, runs axe-core
// on it and records the result under name. It returns the serious and
// critical violations.
export async function audit(page, name) {
  shot += 1;
  const file = `${String(shot).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-')}.png`;
  await page.screenshot({ path: path.join(env.artifacts, file), fullPage: true });
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.evaluate(axeSource);
  // One run for the WCAG rules, which fail the suite, and axe-core's best
  // practices, which are only reported (axe.json, the suite's diagnostics).
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations', 'incomplete'] }),
    [...TAGS, 'best-practice'],
  );
  const wcag = (v) => v.tags.some((t) => TAGS.includes(t));
  const simplify = (v) => ({
    id: v.id,
    impact: v.impact,
    tags: v.tags.filter((t) => /^wcag|^best-practice$/.test(t)),
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary, html: n.html.slice(0, 200) })),
  });
  const entry = {
    url: page.url(),
    screenshot: file,
    violations: result.violations.filter(wcag).map(simplify),
    incomplete: result.incomplete.filter(wcag).map(simplify),
    bestPractice: result.violations.filter((v) => !wcag(v)).map(simplify),
  };
  entry.structure = await page.evaluate(() => ({
    title: document.title.trim(),
    lang: document.documentElement.lang,
    h1: document.querySelectorAll('h1').length,
    main: document.querySelectorAll('main').length,
    // Data tables (RGAA 5.4, 5.6): a caption and header cells.
    tablesWithoutCaption: [...document.querySelectorAll('table')].filter((t) => !t.caption || !t.caption.textContent.trim()).length,
    tablesWithoutHeaders: [...document.querySelectorAll('table')].filter((t) => !t.querySelector('th')).length,
  }));
  entry.focus = await focusWalk(page);
  audits.set(name, entry);
  writeFileSync(path.join(env.artifacts, 'axe.json'), JSON.stringify(Object.fromEntries(audits), null, 2));
  return serious(entry);
}

// focusWalk presses Tab from the top of the page to its last focusable
// element (at most 120 times) and returns how many elements it reached and
// those that did not show their focus.
export async function focusWalk(page) {
  await page.evaluate(() => {
    const start = document.createElement('span');
    start.id = '__e2e_start';
    start.tabIndex = -1;
    document.body.prepend(start);
    start.focus();
  });
  const seen = [];
  const hidden = [];
  for (let i = 0; i < 120; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body || el.id === '__e2e_start') return null;
      const s = getComputedStyle(el);
      // Focus inside a control's own parts (the calendar button of a date
      // input) is drawn by the browser: not the page's to check.
      const inner = !el.matches(':focus');
      const visible = inner || (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== 'none');
      const path = [];
      for (let e = el; e && e !== document.body; e = e.parentElement) {
        path.unshift(e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''));
      }
      return { key: path.join('>') + ':' + [...el.parentElement.children].indexOf(el), label: (el.getAttribute('aria-label') || el.innerText || el.value || el.name || '').trim().slice(0, 40), tag: el.tagName.toLowerCase(), visible };
    });
    if (!f || (seen.length && f.key === seen[0])) break;
    seen.push(f.key);
    if (!f.visible) hidden.push(`${f.tag} "${f.label}"`);
  }
  await page.evaluate(() => document.getElementById('__e2e_start')?.remove());
  return { reached: seen.length, hidden };
}

// serious returns the serious and critical violations of an audit.
export function serious(entry) {
  return entry.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

// findings lists what an audit found that does not fail the suite: WCAG
// violations of moderate or minor impact, best-practice violations, and
// the checks axe-core could not decide (contrast over images…), one line
// each.
export function findings(name, entry) {
  const lines = [];
  const line = (kind, v) => lines.push(`${name}: ${kind} ${v.id} (${v.impact ?? 'n/a'}, ${v.nodes.length} node${v.nodes.length > 1 ? 's' : ''}): ${v.help}; e.g. ${v.nodes[0]?.target}`);
  for (const v of entry.violations) if (!serious({ violations: [v] }).length) line('WCAG', v);
  for (const v of entry.bestPractice) line('best practice', v);
  for (const v of entry.incomplete) line('needs review', v);
  return lines;
}

// describeViolations prints violations with their targets, for a failure.
export function describeViolations(vs) {
  return vs
    .map((v) => `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
      v.nodes.map((n) => `      at ${n.target}\n        ${(n.summary || '').replace(/\n/g, '\n        ')}`).join('\n'))
    .join('\n');
}

// focusVisible reports how the focused element shows its focus: an outline
// (not "none", wider than 0) or a box shadow. It returns null when nothing
// marks it, else a short description.
export async function focusVisible(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const s = getComputedStyle(el);
    if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) {
      return `outline ${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`;
    }
    if (s.boxShadow && s.boxShadow !== 'none') return `box-shadow ${s.boxShadow}`;
    return null;
  });
}

// focused describes the focused element: tag, id, name, text, href.
export async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return null;
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      name: el.getAttribute('name'),
      type: el.getAttribute('type'),
      text: (el.innerText || el.value || '').trim().slice(0, 80),
      href: el.getAttribute('href'),
    };
  });
}

// tabTo presses Tab until match(focused element) holds, at most max times;
// it checks that each element reached on the way shows its focus and
// returns the elements met, the last one matching.
export async function tabTo(page, match, max = 40) {
  const path = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    const visible = await focusVisible(page);
    path.push({ ...f, visible });
    if (f && match(f)) return path;
  }
  throw new Error(`Tab never reached the element after ${max} presses; went through:\n` +
    path.map((f) => `  ${f.tag}#${f.id} ${f.text || f.href || ''}`).join('\n'));
}

// labelled matches a label that starts with text, whatever follows it
// ("Titre du jeu de données (obligatoire)").
export function labelled(text) {
  return new RegExp('^\\s*' + text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '(?![\\p{L}\\p{N}])', 'u');
}

// choose sets a form control found by its label: a <select> (the first
// option whose text or value matches want, else the first non-empty one),
// a text input (fill), or a radio group named by its legend.
export async function choose(page, label, want) {
  const control = page.getByLabel(labelled(label));
  if ((await control.count()) === 1) {
    const tag = await control.evaluate((el) => el.tagName.toLowerCase());
    if (tag === 'select') {
      const options = await control.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent.trim() })));
      const hit = options.find((o) => want && (want.test(o.text) || want.test(o.value))) || options.find((o) => o.value !== '');
      if (!hit) throw new Error(`${label}: no option to choose among ${JSON.stringify(options)}`);
      await control.selectOption(hit.value);
      return hit.text;
    }
    if (tag === 'input' || tag === 'textarea') {
      await control.fill(String(want.source ?? want));
      return want;
    }
  }
  const group = page.getByRole('group', { name: labelled(label) }).or(page.getByRole('radiogroup', { name: labelled(label) }));
  const radios = group.getByRole('radio');
  const n = await radios.count();
  if (n === 0) throw new Error(`no control labelled ${JSON.stringify(label)}`);
  for (let i = 0; i < n; i++) {
    const r = radios.nth(i);
    const id = await r.getAttribute('id');
    const text = id ? await page.locator(`label[for="${id}"]`).innerText().catch(() => '') : '';
    if (want && (want.test(text) || want.test((await r.getAttribute('value')) || ''))) {
      await r.check();
      return text;
    }
  }
  await radios.first().check();
  return 'first';
}

// navigate runs action (a click, a key press) and waits for the document
// it brings to have loaded: a form that answers with the same URL too.
export async function navigate(page, action) {
  await Promise.all([page.waitForEvent('load'), action()]);
}

// ingestRunning reports whether a status page says the ingest is still
// going on: it reloads itself, shows a progress bar, or its status region
// says waiting or running.
export async function ingestRunning(page) {
  if ((await page.locator('meta[http-equiv="refresh" i]').count()) > 0) return true;
  if ((await page.locator('main progress').count()) > 0) return true;
  const status = await page.getByRole('status').allInnerTexts().catch(() => []);
  return /\b(En attente|En cours|Waiting|Running)\b/i.test(status.join(' '));
}

// waitForIngest reloads a status page until it no longer says the ingest
// is going on, at most ms milliseconds.
export async function waitForIngest(page, ms = 60_000) {
  await reloadUntil(page, async () => !(await ingestRunning(page).catch(() => true)), ms, 'ingest still running');
}

// reloadUntil reloads the page every half second until done() holds, at
// most ms milliseconds; what is the failure's message.
export async function reloadUntil(page, done, ms = 15_000, what = 'condition never met') {
  const until = Date.now() + ms;
  for (;;) {
    if (await done()) return;
    if (Date.now() > until) throw new Error(`${what} after ${ms / 1000}s at ${page.url()}`);
    await page.waitForTimeout(500);
    await page.reload({ waitUntil: 'load' }).catch(() => {});
  }
}
