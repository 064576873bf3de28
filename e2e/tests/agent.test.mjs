// The journey of issue 8 in a real browser: an agent of the commune signs
// in with the keyboard, publishes a spreadsheet, waits for its ingest,
// reads the preview and the reports, edits the title, finds the dataset by
// searching with the keyboard, switches language and deletes a dataset.
// Every page on the way is screenshot, audited by axe-core (WCAG 2.1 A and
// AA) and walked with Tab; the last test fails, page by page, on a serious
// or critical violation, an element whose focus does not show, a table
// without caption or headers, or a missing h1, main, title or language.
// The pages are also read at 320 CSS pixels wide (reflow).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  audit, audits, choose, describeViolations, env, findings, ingestRunning, labelled, launch, navigate, newContext,
  reloadUntil, serious, tabTo, waitForIngest,
} from '../lib.mjs';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const TITLE = 'Subventions aux associations 2025';
const NEW_TITLE = 'Subventions aux associations, exercice 2025';
const REAL_TITLE = 'Subventions de la commune de Roques 2017';

let browser;
let context;
let page;
// What the journey made: the dataset and resource of each upload.
const made = {};

before(async () => {
  browser = await launch();
  context = await newContext(browser, 'fr-FR');
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
});

// publish fills the publish form and returns { name, id } from the status
// page's URL, the page left there.
async function publish(file, title, schema) {
  await page.goto('/publish');
  await page.getByLabel(labelled('Titre du jeu de données')).fill(title);
  await choose(page, 'Organisation', new RegExp(`${env.org}|Ville d'Exemple`));
  await page.getByLabel(labelled('Fichier')).setInputFiles(file);
  await choose(page, 'Licence', /lov2|Licence Ouverte|etalab/i);
  await choose(page, 'Fréquence de mise à jour', /annual|annuel/i);
  await choose(page, 'Thème', /gov|gouvernement|économie|econ/i);
  await choose(page, 'Schéma de données', schema);
  await navigate(page, () => page.getByRole('button', { name: 'Publier' }).click());
  const m = new URL(page.url()).pathname.match(/^\/dataset\/([^/]+)\/resource\/([^/]+)\/status$/);
  assert.ok(m, `status page URL: ${page.url()}`);
  // The status page while the ingest runs, when an upload is caught
  // before its end (a small file may be ingested at once).
  if (!audits.has('status-running') && (await ingestRunning(page))) await audit(page, 'status-running');
  return { name: decodeURIComponent(m[1]), id: decodeURIComponent(m[2]) };
}

test('home, signed out: French, a search landmark, the skip link first', async () => {
  const res = await page.goto('/');
  assert.equal(res.status(), 200);
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
  await page.getByRole('search').waitFor();
  const q = page.getByLabel(labelled('Rechercher des données'));
  assert.equal(await q.getAttribute('id'), 'q');

  const [first] = await tabTo(page, () => true, 1);
  assert.equal(first.text, 'Aller au contenu', `first focusable: ${JSON.stringify(first)}`);
  assert.equal(first.href, '#contenu');
  assert.ok(first.visible, 'the skip link shows its focus');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#contenu');
  assert.equal(await page.locator('#contenu').count(), 1, 'the skip link leads to #contenu');
  // The next Tab goes on from the content, not from the top of the page.
  const [next] = await tabTo(page, () => true, 1);
  const inMain = await page.evaluate(() => !!document.activeElement.closest('#contenu'));
  assert.ok(inMain, `after the skip link, Tab goes into the content (reached ${JSON.stringify(next)})`);
  await audit(page, 'home');
});

test('sign-in: a wrong token is refused, the message tied to the field', async () => {
  const res = await page.goto('/login');
  assert.equal(res.status(), 200);
  await audit(page, 'login');
  await page.getByLabel(labelled("Jeton d'API")).fill('ceci-n-est-pas-un-jeton');
  await navigate(page, () => page.getByRole('button', { name: 'Se connecter' }).click());
  assert.equal(new URL(page.url()).pathname, '/login');
  const token = page.locator('#token');
  assert.equal(await token.getAttribute('aria-invalid'), 'true');
  const described = (await token.getAttribute('aria-describedby')) || '';
  const texts = await Promise.all(described.split(/\s+/).filter(Boolean)
    .map((id) => page.locator(`[id="${id}"]`).innerText().catch(() => '')));
  assert.ok(texts.join(' ').trim().length > 0, `aria-describedby="${described}" names the error message`);
  await audit(page, 'login-error');
});

test('sign-in with the keyboard only (Tab, type, Enter), focus always visible', async () => {
  await page.goto('/login');
  const way = await tabTo(page, (f) => f.id === 'token');
  const hidden = way.filter((f) => !f.visible);
  assert.deepEqual(hidden, [], 'every element reached by Tab shows its focus');
  await page.keyboard.type(env.editorToken);
  const way2 = await tabTo(page, (f) => f.tag === 'button' && /Se connecter/.test(f.text), 5);
  assert.ok(way2.at(-1).visible, 'the sign-in button shows its focus');
  await navigate(page, () => page.keyboard.press('Enter'));
  assert.equal(new URL(page.url()).pathname, '/', 'signed in, sent to the home page');
  assert.equal(await page.locator('form[action="/logout"]').count() > 0, true, 'a sign-out form once signed in');
});

test('publish: a wrong form lists its errors, each linked to its field', async () => {
  const res = await page.goto('/publish');
  assert.equal(res.status(), 200);
  await audit(page, 'publish');
  await navigate(page, () => page.getByRole('button', { name: 'Publier' }).click());
  const invalid = page.locator('[aria-invalid="true"]');
  assert.ok((await invalid.count()) > 0, 'fields in error carry aria-invalid');
  const links = page.locator('a[href^="#"]').filter({ hasNotText: 'Aller au contenu' });
  const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  const ids = await invalid.evaluateAll((els) => els.map((e) => '#' + e.id));
  assert.ok(ids.some((id) => hrefs.includes(id)), `the error summary links to the fields (${ids} among ${hrefs})`);
  await audit(page, 'publish-errors');
});

test('publish a commune CSV with its schema, wait for ingest, read both reports', async () => {
  made.main = await publish(path.join(fixtures, 'subventions-2025.csv'), TITLE, /ville\/subventions/);
  await waitForIngest(page);
  // Validation runs beside the ingest: its report may come a moment later.
  const mainText = () => page.locator('main').innerText().catch(() => '');
  await reloadUntil(page, async () => /1234567890123/.test(await mainText()), 15_000, 'no validation report');
  await audit(page, 'status');
  const text = await mainText();
  assert.match(text, /;|point-virgule/, 'the detection report names the delimiter');
  assert.match(text, /UTF-8/i, 'the detection report names the encoding');
  assert.match(text, /[Vv]alidation/, 'the validation report is there');
  assert.match(text, /1234567890123/, 'the validation report shows the broken SIRET');
  const back = page.locator(`main a[href$="/dataset/${made.main.name}"]`);
  assert.ok((await back.count()) > 0, 'a link to the dataset page');
});

test('dataset page: metadata, preview, column profiles, validation, links', async () => {
  const res = await page.goto(`/dataset/${made.main.name}`);
  assert.equal(res.status(), 200);
  await audit(page, 'dataset');
  assert.equal((await page.locator('h1').innerText()).trim(), TITLE);
  for (const h of ['Fichiers', 'Aperçu des données', 'Colonnes', 'Validation']) {
    assert.equal(await page.getByRole('heading', { name: h, exact: true }).count(), 1, `heading ${h}`);
  }
  const preview = page.locator('table').filter({ has: page.locator('caption') })
    .filter({ hasText: 'Association des Amis de la Médiathèque' });
  assert.equal(await preview.count(), 1, 'a preview table with a caption and the first rows');
  assert.ok((await preview.locator('th').count()) >= 7, 'the preview has column headers');
  assert.ok((await page.locator('main svg').count()) > 0, 'SVG histograms in the column profiles');
  assert.match(await page.locator('main').innerText(), /1234567890123/, 'the validation report lists the broken cell');

  for (const name of ['API CKAN', 'DCAT Turtle', 'DCAT JSON-LD', 'datastore_search']) {
    const link = page.getByRole('link', { name, exact: true });
    assert.ok((await link.count()) > 0, `link ${name}`);
    const href = await link.first().getAttribute('href');
    const r = await context.request.get(new URL(href, env.baseURL).href);
    assert.equal(r.status(), 200, `${name} (${href}) answers 200`);
  }
  const jsonld = JSON.parse(await page.locator('script[type="application/ld+json"]').first().textContent());
  assert.equal(jsonld['@type'], 'Dataset');
  assert.equal(jsonld.name, TITLE);
  const alternates = await page.locator('link[rel="alternate"]').evaluateAll((ls) => ls.map((l) => l.type));
  assert.ok(alternates.includes('text/turtle') && alternates.includes('application/ld+json'), `alternates ${alternates}`);
});

test('edit the title', async () => {
  const res = await page.goto(`/dataset/${made.main.name}/edit`);
  assert.equal(res.status(), 200);
  await audit(page, 'edit');
  await page.getByLabel(labelled('Titre du jeu de données')).fill(NEW_TITLE);
  await navigate(page, () => page.getByRole('button', { name: /Enregistrer/ }).click());
  assert.equal(new URL(page.url()).pathname, `/dataset/${made.main.name}`);
  assert.equal((await page.locator('h1').innerText()).trim(), NEW_TITLE);
});

test('search with the keyboard only and find the dataset; facets and paging', async () => {
  await page.goto('/');
  const way = await tabTo(page, (f) => f.id === 'q');
  assert.ok(way.at(-1).visible, `the search field shows its focus (${JSON.stringify(way.at(-1))})`);
  await page.keyboard.type('exercice');
  await navigate(page, () => page.keyboard.press('Enter'));
  assert.equal(new URL(page.url()).searchParams.get('q'), 'exercice');
  await audit(page, 'search');
  const hit = page.getByRole('link', { name: NEW_TITLE });
  assert.ok((await hit.count()) > 0, 'the edited dataset is found');
  // To the result with Tab, opened with Enter.
  await tabTo(page, (f) => f.tag === 'a' && f.text.includes(NEW_TITLE), 80);
  await navigate(page, () => page.keyboard.press('Enter'));
  assert.equal(new URL(page.url()).pathname, `/dataset/${made.main.name}`);

  for (const query of [`organization=${env.org}`, 'res_format=CSV', 'q=introuvablexyz']) {
    const r = await page.goto(`/?${query}`);
    assert.equal(r.status(), 200, query);
    const n = await page.getByRole('link', { name: NEW_TITLE }).count();
    assert.equal(n > 0, query !== 'q=introuvablexyz', `${query}: found ${n}`);
  }
  await audit(page, 'search-empty');
  assert.equal((await page.goto('/?page=2')).status(), 200, '?page=2');
});

test('organisation page', async () => {
  const res = await page.goto(`/organization/${env.org}`);
  assert.equal(res.status(), 200);
  await audit(page, 'organization');
  assert.match(await page.locator('h1').innerText(), /Ville d'Exemple|Ville d’Exemple/);
  assert.ok((await page.getByRole('link', { name: NEW_TITLE }).count()) > 0);
});

test('language: the switch link, ?lang=en and Accept-Language', async () => {
  await page.goto(`/dataset/${made.main.name}`);
  await navigate(page, () => page.getByRole('link', { name: 'English' }).click());
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await audit(page, 'dataset-en');
  await navigate(page, () => page.getByRole('link', { name: 'Français' }).click());
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr');

  await page.goto('/login?lang=en');
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await page.goto('/login');
  assert.equal(await page.locator('html').getAttribute('lang'), 'en', 'the choice is remembered');
  await page.goto('/?lang=fr');
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr', 'and can be taken back');

  const english = await newContext(browser, 'en-GB');
  try {
    const p = await english.newPage();
    await p.goto('/');
    assert.equal(await p.locator('html').getAttribute('lang'), 'en', 'Accept-Language: en-GB');
    await audit(p, 'home-en');
  } finally {
    await english.close();
  }
});

test('reflow: at 320 CSS pixels wide (400 % zoom) no page scrolls sideways, only wide tables in their own region', async () => {
  const narrow = await context.newPage();
  try {
    await narrow.setViewportSize({ width: 320, height: 640 });
    const wide = [];
    for (const url of ['/', '/?q=subventions', `/dataset/${made.main.name}`, `/dataset/${made.main.name}/resource/${made.main.id}/status`,
      `/dataset/${made.main.name}/edit`, '/publish', `/organization/${env.org}`]) {
      await narrow.goto(url);
      const w = await narrow.evaluate(() => document.documentElement.scrollWidth);
      if (w > 321) {
        // The innermost elements that reach furthest right, positioned ones
        // first (an absolute element escapes a scrolling box that is not
        // its containing block).
        const culprits = await narrow.evaluate((w) => [...document.querySelectorAll('body *')]
          .filter((e) => Math.ceil(e.getBoundingClientRect().right) >= w - 1 &&
            ![...e.children].some((c) => Math.ceil(c.getBoundingClientRect().right) >= w - 1))
          .sort((a, b) => (getComputedStyle(a).position === 'static') - (getComputedStyle(b).position === 'static'))
          .slice(0, 3).map((e) => {
            const id = e.id ? '#' + e.id : (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '');
            const pos = getComputedStyle(e).position;
            return `${e.tagName.toLowerCase()}${id}${pos === 'static' ? '' : ' (' + pos + ')'} ${Math.round(e.getBoundingClientRect().width)}px "${(e.innerText || '').slice(0, 40).replace(/\s+/g, ' ')}"`;
          }), w);
        wide.push(`${url}: ${w}px wide; ${culprits.join('; ')}`);
        await narrow.screenshot({ path: path.join(env.artifacts, `reflow-320${url.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true });
      }
    }
    assert.deepEqual(wide, [], 'pages wider than the 320px viewport');
  } finally {
    await narrow.close();
  }
});

test('publish a real commune file (shared fixtures), no schema', { skip: !env.realFixture && 'no ../shared/fixtures/tabular' }, async () => {
  made.real = await publish(env.realFixture, REAL_TITLE, /^$|aucun|none/i);
  await waitForIngest(page);
  await page.goto(`/dataset/${made.real.name}`);
  assert.equal((await page.locator('h1').innerText()).trim(), REAL_TITLE);
  const preview = page.locator('table').filter({ hasText: 'TENNIS ROQUES OLYMPIC CLUB' });
  assert.equal(await preview.count(), 1, 'the preview shows the first rows');
  await audit(page, 'dataset-real');
});

test('the status page while an ingest runs (a file of 300 000 rows)', async (t) => {
  // Publishing waits a moment for a small file, so the page seen right
  // after "Publier" may already be the final report: a large file, sent
  // through the CKAN API, is still being ingested when an agent opens its
  // status page ("Suivre l'intégration").
  const lines = ['idAttribuant;dateMandat;montant;nomBeneficiaire'];
  for (let i = 0; i < 300_000; i++) {
    lines.push(`21860194700013;${String(1 + (i % 28)).padStart(2, '0')}/${String(1 + (i % 12)).padStart(2, '0')}/2024;${i % 9999},${String(i % 100).padStart(2, '0')};Bénéficiaire ${i}`);
  }
  const auth = { Authorization: env.editorToken };
  const created = await context.request.post('/api/3/action/package_create', {
    headers: auth,
    data: { name: 'mandats-2024-e2e', title: 'Mandats 2024 (grand fichier)', owner_org: env.org, license_id: 'lov2' },
  });
  assert.equal(created.status(), 200, await created.text());
  const upload = await context.request.post('/api/3/action/resource_create', {
    headers: auth,
    multipart: {
      package_id: 'mandats-2024-e2e',
      name: 'Mandats 2024',
      upload: { name: 'mandats-2024.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n') + '\n') },
    },
  });
  assert.equal(upload.status(), 200, await upload.text());
  made.big = { name: 'mandats-2024-e2e', id: (await upload.json()).result.id };
  await page.goto(`/dataset/${made.big.name}/resource/${made.big.id}/status`);
  if (await ingestRunning(page)) {
    if (!audits.has('status-running')) await audit(page, 'status-running');
  } else {
    t.diagnostic('the ingest ended before the status page was seen: its running state was not audited');
  }
  await waitForIngest(page, 90_000);
  assert.match(await page.locator('main').innerText(), /300[\s\u202f\u00a0.,]?000/, 'all rows read');
});

test('delete a dataset after a confirmation page; then 404', async () => {
  const victim = made.real || made.main;
  assert.ok(victim, 'a dataset was published');
  const res = await page.goto(`/dataset/${victim.name}/delete`);
  assert.equal(res.status(), 200, 'the confirmation page');
  await audit(page, 'delete');
  await navigate(page, () => page.getByRole('button', { name: /Supprimer/ }).click());
  assert.match(await page.locator('main').innerText(), /supprimé/, 'the deletion is confirmed');
  await audit(page, 'delete-done');
  const gone = await page.goto(`/dataset/${victim.name}`);
  assert.equal(gone.status(), 404);
  await audit(page, '404');
});

test('404 page', async () => {
  const nf = await page.goto('/dataset/ce-jeu-n-existe-pas');
  assert.equal(nf.status(), 404);
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
  assert.ok((await page.locator('h1').count()) === 1, 'the error page has one h1');
  if (!audits.has('404')) await audit(page, '404');
});

test('sign out', async () => {
  await page.goto('/');
  await navigate(page, () => page.locator('form[action="/logout"]').getByRole('button').click());
  assert.equal(await page.locator('form[action="/logout"]').count(), 0, 'signed out');
  await page.goto('/publish');
  assert.equal(new URL(page.url()).pathname, '/login', '/publish sends a visitor to the sign-in page');
});

// REQUIRED are the pages issue 8 names, each of which must have been audited.
const REQUIRED = ['home', 'search', 'dataset', 'organization', 'login', 'publish', 'status', 'edit', 'delete', '404'];

test('every page: no serious or critical axe-core violation (WCAG 2.1 A, AA), focus visible on all it reaches with Tab', async (t) => {
  const missing = REQUIRED.filter((name) => !audits.has(name));
  for (const [name, entry] of audits) {
    for (const line of findings(name, entry)) t.diagnostic(line);
  }
  for (const [name, entry] of audits) {
    await t.test(`${name} (${new URL(entry.url).pathname})`, () => {
      const vs = serious(entry);
      assert.equal(vs.length, 0, `${name}: ${entry.url}\n${describeViolations(vs)}`);
      const st = entry.structure;
      assert.ok(st.title.length > 0 && /^(fr|en)$/.test(st.lang), `${name}: <title> "${st.title}", lang "${st.lang}"`);
      assert.equal(st.h1, 1, `${name}: one h1`);
      assert.equal(st.main, 1, `${name}: one main landmark`);
      assert.equal(st.tablesWithoutCaption + st.tablesWithoutHeaders, 0, `${name}: every table has a caption and header cells`);
      assert.ok(entry.focus.reached > 0, `${name}: Tab reached nothing`);
      assert.deepEqual(entry.focus.hidden, [], `${name}: reached with Tab but no visible focus (outline or box-shadow)`);
    });
  }
  assert.deepEqual(missing, [], 'pages never audited (an earlier step failed)');
});
