// The page in two languages: a browser set to Chinese gets the page in Chinese, the switch
// (English / 中文) changes it in place without losing the experiment, the choice is kept, and a
// share link opens in its reader's language; the playback's protocol messages are said in Chinese.
// Screenshots: tests/e2e/output/i18n-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openPage, outputDir, relayAndBrowser } from './harness.mjs';

const shared = relayAndBrowser();
const phone = { width: 390, height: 844 };

/** A message key shown instead of its text: what the page shows when a catalogue lacks a key. */
const RAW_KEY = /\b(page|sim|form|sweep|graph|live|preset|cluster|chart|timeline|compare|figure|playback|describe|topology|refusal|link|error|state|unit)\.[a-z0-9_]+(\.[a-z0-9_-]+)*\b/;

/** Text of the page's main parts (the tour, if any, included). */
const pageText = (page) => page.locator('body').innerText();

/** The number `pattern`'s group catches in `text`. */
function numberIn(text, pattern) {
  const match = pattern.exec(text);
  assert.ok(match, `${pattern} in ${text}`);
  return Number(match[1]);
}

test('a Chinese browser gets the page in Chinese; the switch keeps the experiment', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url, { locale: 'zh-CN' });
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  assert.equal(await page.locator('#sim-title').textContent(), '模拟（Web Worker）');
  assert.equal(await page.locator('#lang-zh-CN').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.getByRole('button', { name: '运行', exact: true }).count(), 1);
  assert.equal(await page.locator('#rerun').textContent(), '换下一个种子再运行');
  assert.equal(await page.locator('#sweep-title').textContent(), '参数扫描');
  assert.equal(await page.locator('#relay-title').textContent(), '实时节点（中继）');
  assert.match(await page.locator('#sim-result').textContent(), /轮后平息/);
  assert.doesNotMatch(await pageText(page), RAW_KEY);

  // A preset by its Chinese name, with its explanation in Chinese.
  await page.getByRole('button', { name: '推：起步快，收尾慢' }).click();
  await page.locator('#preset-explanation', { hasText: '已获知的节点向一个随机节点推送' }).waitFor();
  await page.locator('#sim-result.done', { hasText: '1000 个节点' }).waitFor({ timeout: 30_000 });

  // An experiment of the reader's own: 300 nodes, 10% loss, seed 5.
  await page.getByLabel('节点数', { exact: true }).fill('300');
  await page.getByLabel('丢包率 %', { exact: true }).fill('10');
  await page.getByLabel('种子', { exact: true }).fill('5');
  await page.getByRole('button', { name: '运行', exact: true }).click();
  const chinese = page.locator('#sim-result.done', { hasText: '300 个节点' });
  await chinese.waitFor({ timeout: 30_000 });
  const chineseText = await chinese.textContent();
  assert.match(chineseText, /丢包 10%/);
  const link = page.url();
  await page.screenshot({ path: path.join(outputDir, 'i18n-zh-desktop.png'), fullPage: true });

  // To English: the same scenario and the same run, now said in English; no reload.
  await page.evaluate(() => { window.notReloaded = true; });
  await page.locator('#lang-en').click();
  const english = page.locator('#sim-result.done', { hasText: '300 nodes' });
  await english.waitFor();
  const englishText = await english.textContent();
  assert.match(englishText, /10% loss/);
  assert.equal(numberIn(englishText, /quiet after (\d+) rounds/), numberIn(chineseText, /(\d+) 轮后平息/));
  assert.equal(numberIn(englishText, /(\d+) messages/), numberIn(chineseText, /共 (\d+) 条消息/));
  assert.equal(await page.locator('#sim-title').textContent(), 'Simulation (Web Worker)');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.equal(await page.locator('#lang-en').getAttribute('aria-pressed'), 'true');
  assert.equal(page.url(), link, 'the link is the same: the language is not in it');
  assert.equal(await page.locator('#nodes').inputValue(), '300');
  assert.equal(await page.locator('#loss-percent').inputValue(), '10');
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'switched without a reload');
  assert.doesNotMatch(await pageText(page), RAW_KEY);
  await page.screenshot({ path: path.join(outputDir, 'i18n-en-desktop.png'), fullPage: true });

  // And back to Chinese, the same run again.
  await page.locator('#lang-zh-CN').click();
  await page.locator('#sim-result.done', { hasText: '300 个节点' }).waitFor();
  assert.equal(await page.locator('#sim-result').textContent(), chineseText);
  assert.equal(await page.evaluate(() => localStorage.getItem('gossiplab.lang')), 'zh-CN');
  assert.deepEqual(errors, []);
});

test('the choice is kept across visits, and a share link opens in its reader\'s language', async () => {
  // An English browser: English first; the reader picks Chinese, which stays after a reload.
  const { page, errors } = await openPage(shared.browser, shared.relay.url, { locale: 'en-US' });
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('#sim-title').textContent(), 'Simulation (Web Worker)');
  await page.getByLabel('Nodes', { exact: true }).fill('250');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#sim-result.done', { hasText: '250 nodes' }).waitFor({ timeout: 30_000 });
  const link = page.url();
  await page.locator('#lang-zh-CN').click();
  await page.reload();
  await page.locator('#sim-result.done', { hasText: '250 个节点' }).waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('#sim-title').textContent(), '模拟（Web Worker）');
  assert.deepEqual(errors, []);

  // The same link for an English reader and for a Chinese one (fresh browsers): each reads it
  // in their own language.
  const reader = await openPage(shared.browser, link, { locale: 'en-GB' });
  await reader.page.locator('#sim-result.done', { hasText: '250 nodes' }).waitFor({ timeout: 30_000 });
  assert.deepEqual(reader.errors, []);
  const chineseReader = await openPage(shared.browser, link, { locale: 'zh-CN', viewport: phone });
  await chineseReader.page.locator('#sim-result.done', { hasText: '250 个节点' }).waitFor({ timeout: 30_000 });
  assert.doesNotMatch(await pageText(chineseReader.page), RAW_KEY);
  await chineseReader.page.screenshot({ path: path.join(outputDir, 'i18n-zh-phone.png') });
  await chineseReader.page.locator('#sim-title').scrollIntoViewIfNeeded();
  await chineseReader.page.screenshot({ path: path.join(outputDir, 'i18n-zh-phone-result.png') });
  assert.deepEqual(chineseReader.errors, []);

  // A broken link is explained in the reader's language, and the explanation follows a switch.
  const broken = await openPage(shared.browser, `${shared.relay.url}#s=v1.eNqrVkrOz0`, { locale: 'zh-CN' });
  const notice = broken.page.locator('#link-error');
  await notice.waitFor({ timeout: 30_000 });
  assert.match(await notice.textContent(), /^无法打开此链接：.*(截断|损坏)/);
  await broken.page.locator('#lang-en').click();
  await broken.page.locator('#link-error', { hasText: /^This link could not be opened: .*(truncated|cut short)/ }).waitFor();
  await broken.page.setViewportSize(phone);
  await broken.page.locator('#link-error').scrollIntoViewIfNeeded();
  await broken.page.screenshot({ path: path.join(outputDir, 'i18n-en-phone.png') });
  assert.deepEqual(broken.errors, []);
});

// ---------------------------------------------------------------------------------------------
// No English left for a Chinese reader: every preset, every panel, in zh-CN, with every text
// node and every attribute a reader or a screen reader meets walked for words in Latin letters.
// A word passes only if it is a name, a unit or a symbol of the allow-list below.

/**
 * Latin-letter words a Chinese page keeps: product and protocol names (said so in Chinese
 * writing too), the English terms the articles gloss in brackets (推（push）), units, file
 * formats, and the letters of formulas (log2 n + ln n, s = e^-m).
 */
const ALLOWED = new Set([
  // Names of systems, protocols, papers' authors, browsers' parts and this project.
  'GossipLab', 'SWIM', 'Lifeguard', 'Redis', 'Cluster', 'Cassandra', 'memberlist', 'HashiCorp', 'Serf',
  'Merkle', 'Pittel', 'Karp', 'Demers', 'Das', 'Dadgar', 'Hamilton', 'Erdős', 'Rényi', 'Watts', 'Strogatz',
  'Barabási', 'Albert', 'Web', 'Worker', 'WebGL', 'Canvas', 'CPU', 'Gossip', 'gossip',
  // Protocol messages and states by their protocol's own names.
  'PFAIL', 'FAIL', 'MEET', 'PING', 'PONG', 'ping', 'pong', 'ack', 'nack', 'phi', 'Syn', 'Ack', 'inv', 'getdata', 'tx',
  // Cassandra's GossipDigestSyn as its model names the message kind (with ack and ack2).
  'syn',
  // Terms the Chinese text glosses in brackets, as the articles do.
  'push', 'pull', 'incarnation',
  // Abbreviations.
  'AP', 'CP', 'CAP', 'SI', 'SIR', 'ID', 'MTU', 'UDP', 'TCP', 'IP',
  // Units and formats.
  'ms', 'KB', 'MB', 'GB', 'KiB', 'MiB', 'GiB', 'px', 'CSV', 'JSON', 'SVG', 'PNG', 'URL', 'fps', 'base',
  // Formulas.
  'log', 'ln', 'max', 'min', 'et', 'al',
]);

/**
 * Where the protocols' own messages are shown: gossip-core's and the system models' summaries
 * ("ping 17, carrying: 7 suspect inc 0", said in Chinese phrase by phrase from the catalogue's
 * `summary.*` messages) and the message kinds. A word met there fails like any other; the
 * report names these places apart, as the words come from gossip-core and the system models
 * (`SUMMARY_PHRASES`), not from the page's own text.
 */
const PROTOCOL_TEXT = '#in-flight, #playback-legend, #playback-next-kind, #message-panel, canvas#playback';

/**
 * The reader's own data, typed by this test or given by the page as a default to type over:
 * room names, keys and values. Met anywhere (the live log quotes them), they are data.
 */
const DATA = new Set(['lobby', 'words', 'colour', 'blue', 'key', 'value']);

/**
 * The Latin-letter words (two letters or more) of the page as a Chinese reader meets it: text,
 * the title, and the attributes read aloud or shown on hover. Not words: text marked as another
 * language (`lang="en"`: the switch's "English") or not to translate (`translate="no"`), code,
 * a reader's own data (keys and values, room names), and tokens that are code (`?period=MS`,
 * `rumor.fanout`, `t_ave`, quoted names).
 */
async function latinWords(page) {
  return page.evaluate(([allowed, protocol]) => {
    const allow = new Set(allowed);
    const found = [];
    const describe = (element) => {
      const id = element.id ? `#${element.id}` : '';
      const cls = typeof element.className === 'string' && element.className ? `.${element.className.split(' ')[0]}` : '';
      const parent = element.closest('[id]');
      return `${element.tagName.toLowerCase()}${id}${cls}${parent && parent !== element ? ` in #${parent.id}` : ''}`;
    };
    const skipped = (element) => {
      const marked = element.closest('[lang]');
      return (marked && !marked.getAttribute('lang').startsWith('zh'))
        || element.closest('[translate="no"], code, kbd, samp, script, style, noscript')
        // Data: stored keys and values, written keys, the room's name.
        || element.closest('#store td:not(.holders), #writes td:first-child, #live-writes td:first-child, #invite, #inspector-store td:first-child');
    };
    const check = (text, where, element) => {
      const tokens = text.split(/[\s，。：；、（）()]+/)
        .filter((token) => !/[=?&_./\\]|^--|^"|"$|^'|'$/.test(token))
        // A checksum in a summary ("checksum 00c0ffee00000000, push"): a number, in hexadecimal.
        .filter((token) => !/^[0-9a-f]{16},?$/.test(token));
      for (const word of tokens.join(' ').match(/[A-Za-zÀ-ž]{2,}/g) ?? []) {
        if (allow.has(word)) continue;
        found.push({ word, where, text: text.trim().slice(0, 120), protocol: Boolean(element?.closest(protocol)) });
      }
    };
    check(document.title, 'title');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!element || skipped(element)) continue;
      check(node.textContent, describe(element), element);
    }
    const attributes = ['aria-label', 'aria-description', 'aria-roledescription', 'aria-valuetext', 'title', 'placeholder', 'alt'];
    for (const element of document.body.querySelectorAll('*')) {
      if (skipped(element)) continue;
      for (const name of attributes) {
        const value = element.getAttribute(name);
        if (value) check(value, `${describe(element)} [${name}]`, element);
      }
      if (element.matches('input[type="button"], input[type="submit"]')) check(element.value, describe(element), element);
    }
    return found;
  }, [[...ALLOWED, ...DATA], PROTOCOL_TEXT]);
}

/**
 * Collects the words of each view into `seen` (word -> where it was met, first few), those of
 * the protocols' own text (summaries and kinds) also into `protocol`.
 */
async function collect(page, view, seen, protocol) {
  for (const { word, where, text, protocol: isProtocol } of await latinWords(page)) {
    for (const into of isProtocol ? [seen, protocol] : [seen]) {
      const places = into.get(word) ?? [];
      if (places.length < 3) places.push(`${view}: ${where}: "${text}"`);
      into.set(word, places);
    }
  }
}

/** Waits for the run of the scenario on screen to end (a result or a refusal). */
async function settled(page, timeout = 60_000) {
  await page.locator('#sim-result.done, #sim-result.error').waitFor({ timeout });
}

test('a Chinese reader meets no English word on any preset, panel, error or chart', { timeout: 600_000 }, async () => {
  const seen = new Map();
  const protocol = new Map();
  const { page, errors } = await openPage(shared.browser, shared.relay.url, { locale: 'zh-CN', viewport: { width: 1440, height: 900 } });
  await settled(page);
  await collect(page, 'first page', seen, protocol);

  // Every preset, each with its results, charts and views; the form follows its engine.
  const presets = page.locator('#presets button.preset');
  const count = await presets.count();
  assert.ok(count >= 19, `${count} presets`);
  for (let index = 0; index < count; index += 1) {
    const button = presets.nth(index);
    const name = await button.textContent();
    await button.click();
    await page.locator('#presets button.preset.chosen', { hasText: name }).waitFor();
    await settled(page, 120_000);
    await collect(page, `preset "${name}"`, seen, protocol);
    // The cluster and system runs' playback: a node (or a message) asked at some instant.
    const playback = page.locator('canvas#playback');
    if (await playback.count() && await page.locator('#playback-node-points').count()) {
      const points = (await page.locator('#playback-node-points').getAttribute('data-points')).split(';');
      const [x, y] = points[0].split(':').map(Number);
      const scrub = page.locator('#playback-scrub');
      const max = Number(await scrub.getAttribute('max'));
      await scrub.fill(String(Math.round(max / 2)));
      const box = await playback.boundingBox();
      await playback.click({ position: { x: (x * box.width) / 480, y: (y * box.height) / 480 } });
      await page.waitForTimeout(1_500);
      await collect(page, `preset "${name}", playback asked`, seen, protocol);
    }
    // Each rumor and cluster run pinned, to compare them all at the end.
    if (index % 4 === 0 && await page.locator('#pin:not([disabled])').count()) await page.locator('#pin').click();
  }
  await page.locator('#compare-table').waitFor();
  await collect(page, 'compare', seen, protocol);

  // A refused experiment: fanout 0 is said in the form; a run too large for the page is refused.
  await presets.first().click();
  await settled(page);
  await page.locator('#fanout').fill('0');
  await page.waitForTimeout(300);
  await collect(page, 'form error', seen, protocol);
  await page.locator('#fanout').fill('1');
  await page.locator('#nodes').fill('1000000');
  await page.locator('#engine').selectOption('cluster');
  await page.waitForTimeout(300);
  await collect(page, 'cluster too large', seen, protocol);
  await page.locator('#engine').selectOption('system');
  await page.waitForTimeout(300);
  await collect(page, 'system form', seen, protocol);

  // A sweep, its chart and its table.
  await page.reload();
  await settled(page);
  await page.locator('#sweep-run').click();
  await page.locator('#sweep-status.done').waitFor({ timeout: 120_000 });
  await collect(page, 'sweep', seen, protocol);
  await page.locator('#sweep-seeds').fill('0');
  await page.waitForTimeout(300);
  await collect(page, 'sweep error', seen, protocol);

  // A broken link.
  const broken = await openPage(shared.browser, `${shared.relay.url}#s=v1.eNqrVkrOz0`, { locale: 'zh-CN' });
  await broken.page.locator('#link-error').waitFor({ timeout: 30_000 });
  await collect(broken.page, 'broken link', seen, protocol);

  // Two tabs live in a room: the member list, the store, the writes and the event log.
  const room = `${shared.relay.url}?room=i18n-words&period=200`;
  const first = await openPage(shared.browser, room, { locale: 'zh-CN' });
  const second = await openPage(shared.browser, room, { locale: 'zh-CN' });
  for (const tab of [first, second]) await tab.page.locator('#relay-status.done').waitFor({ timeout: 15_000 });
  await first.page.locator('#put-key').fill('colour');
  await first.page.locator('#put-value').fill('blue');
  await first.page.locator('#put-form button[type="submit"]').click();
  await second.page.locator('#store tr[data-key="colour"]').waitFor({ timeout: 15_000 });
  await first.page.locator('#live-writes tr[data-key="colour"] .receipt').first().waitFor({ timeout: 15_000 });
  await second.page.close();
  await first.page.waitForTimeout(3_000);
  await collect(first.page, 'live', seen, protocol);

  // The tour: a chapter with its answer shown, and its comparison.
  await page.goto(`${shared.relay.url}#learn=swim`);
  await page.locator('#chapter[data-chapter="swim"]').waitFor();
  await page.locator('#tour-reveal').click();
  await page.locator('#tour-answer p.answer:not(.pending)').waitFor({ timeout: 60_000 });
  await collect(page, 'tour, SWIM chapter', seen, protocol);

  const list = (words) => [...words].map(([word, places]) => `${word}\n    ${places.join('\n    ')}`).join('\n');
  const report = list(seen);
  console.log(`English words met in zh-CN: ${seen.size}${seen.size ? `\n${report}` : ''}`);
  console.log(`Of them, in the protocols' own messages (playback summaries and kinds): ${protocol.size}${protocol.size ? `: ${[...protocol.keys()].join(', ')}` : ''}`);
  assert.equal(seen.size, 0, `English words a Chinese reader sees:\n${report}`);
  assert.deepEqual(errors, []);
});

/** The dots on the playback canvas: [{ index, kind, x, y }] in canvas pixels (kinds as written). */
async function playbackDots(page) {
  const text = (await page.locator('canvas#playback').getAttribute('data-dots')) ?? '';
  return text.split(';').filter(Boolean).map((entry) => {
    const [index, kind, x, y] = entry.split(':');
    return { index: Number(index), kind, x: Number(x), y: Number(y) };
  });
}

/** Clicks the first dot of `kind` on the playback canvas. */
async function clickDot(page, kind) {
  const canvas = page.locator('canvas#playback');
  const dot = (await playbackDots(page)).find((d) => d.kind === kind);
  assert.ok(dot, `a ${kind} dot`);
  const box = await canvas.boundingBox();
  await canvas.click({ position: { x: (dot.x * box.width) / 480, y: (dot.y * box.height) / 480 } });
}

test('the playback says the protocols\' messages in Chinese, and as written in English', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url, { locale: 'zh-CN', viewport: { width: 1440, height: 900 } });
  await settled(page);
  await page.getByRole('button', { name: 'SWIM 检测到崩溃' }).click();
  await page.locator('#message-playback').waitFor({ timeout: 60_000 });
  // From the crash at 5 s, message by message to the first ping-req (a member asking helpers to
  // ping node 7 for it), and a click on its dot.
  await page.locator('#playback-scrub').fill('5000');
  for (let steps = 0; !(await playbackDots(page)).some((d) => d.kind === 'ping-req'); steps += 1) {
    assert.ok(steps < 400, 'a ping-req within 400 messages of the crash');
    await page.locator('#playback-next').click();
  }
  await clickDot(page, 'ping-req');
  const panel = page.locator('#message-panel');
  await panel.waitFor();
  const chinese = await panel.innerText();
  assert.match(chinese, /^间接 ping 请求：从节点 \d+ 到节点 \d+/, chinese);
  assert.match(chinese, /内容：间接 ping 请求 \d+：替我 ping 7/, chinese);
  const legend = await page.locator('#playback-legend').innerText();
  for (const kind of ['ping', 'ack', '间接 ping 请求']) assert.ok(legend.includes(kind), legend);
  const options = await page.locator('#playback-next-kind option').allTextContents();
  assert.ok(options.includes('间接 ping 请求'), options.join(', '));
  assert.match(await page.locator('canvas#playback').getAttribute('aria-label'), /\d+ 间接 ping 请求/);
  await page.locator('#message-playback').screenshot({ path: path.join(outputDir, 'i18n-playback-zh-ping-req.png') });
  // Later on, the suspicion of node 7 rides on pings: said in Chinese in the list.
  for (let steps = 0; !(await page.locator('#in-flight li', { hasText: /7 被怀疑/ }).count()); steps += 1) {
    assert.ok(steps < 400, 'a message carrying the suspicion of 7 within 400 messages');
    await page.locator('#playback-next').click();
  }
  const listed = await page.locator('#in-flight li', { hasText: /7 被怀疑/ }).first().innerText();
  assert.match(listed, /^\d+ → \d+：(ping|ack) \d+，捎带：.*7 被怀疑 版本号 \d+/, listed);
  await page.locator('#in-flight li button', { hasText: /7 被怀疑/ }).first().click();
  const carried = await panel.innerText();
  assert.match(carried, /内容：(ping|ack) \d+，捎带：.*7 被怀疑 版本号 \d+/, carried);
  const words = (await latinWords(page)).filter((found) => found.protocol).map(({ word, text }) => `${word}: ${text}`);
  assert.deepEqual(words, [], 'no English word in the playback\'s summaries and kinds');
  await page.locator('#message-playback').screenshot({ path: path.join(outputDir, 'i18n-playback-zh-suspect.png') });

  // In English, the same message as gossip-core wrote it.
  await page.locator('#lang-en').click();
  await page.locator('#message-panel', { hasText: 'Carried:' }).waitFor();
  const english = await panel.innerText();
  assert.match(english, /^(ping|ack) from node \d+ to node \d+/, english);
  assert.match(english, /Carried: (ping|ack) \d+, carrying: .*7 suspect inc \d+/, english);
  assert.match(await page.locator('#playback-legend').innerText(), /ping-req/);
  await page.locator('#message-playback').screenshot({ path: path.join(outputDir, 'i18n-playback-en.png') });
  assert.deepEqual(errors, []);
});

/** The compare table as rows of cells' text (the header row first). */
async function compareTable(page) {
  return page.locator('#compare-table tr').evaluateAll((rows) => rows.map((row) =>
    [...row.querySelectorAll('th, td')].map((cell) => (cell.firstChild?.textContent ?? cell.textContent).trim())));
}

/** The numbers in a cell ("15.25 秒" and "15.25 s" both give [15.25]). */
const numbersOf = (text) => (text.match(/-?\d[\d,]*(\.\d+)?/g) ?? []).map((n) => Number(n.replace(/,/g, '')));

test('pinned runs compare in Chinese: Chinese labels, the same numbers as in English', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url, { locale: 'zh-CN', viewport: { width: 1440, height: 900 } });
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  // A rumor run and a cluster run pinned side by side.
  await page.locator('#pin').click();
  await page.getByRole('button', { name: 'SWIM 检测到崩溃' }).click();
  await page.locator('#cluster-result').waitFor({ timeout: 60_000 });
  await page.locator('#pin').click();
  await page.locator('#compare-table tr').first().locator('th').nth(2).waitFor();
  const chinese = await compareTable(page);
  const captionZh = await page.locator('#compare-chart').textContent();
  await page.locator('#pinned').screenshot({ path: path.join(outputDir, 'i18n-compare-zh.png') });

  await page.locator('#lang-en').click();
  await page.locator('#pinned-title', { hasText: /[A-Za-z]/ }).waitFor();
  const english = await compareTable(page);
  await page.locator('#pinned').screenshot({ path: path.join(outputDir, 'i18n-compare-en.png') });

  // Every label (the header row's runs, each figure's name, the chart's words) is Chinese in
  // Chinese, English in English; each value holds the same numbers in both.
  const cjk = /[\u4e00-\u9fff]/;
  assert.equal(chinese.length, english.length);
  assert.ok(chinese.length > 10, `${chinese.length} rows`);
  for (let row = 0; row < chinese.length; row += 1) {
    const [labelZh, ...valuesZh] = chinese[row];
    const [labelEn, ...valuesEn] = english[row];
    assert.match(labelZh, cjk, `row ${row}: ${labelZh}`);
    assert.doesNotMatch(labelEn, cjk, `row ${row}: ${labelEn}`);
    assert.equal(valuesZh.length, 2);
    for (let run = 0; run < valuesZh.length; run += 1) {
      if (row === 0) {
        assert.match(valuesZh[run], cjk, `run ${run}: ${valuesZh[run]}`);
        continue;
      }
      assert.deepEqual(numbersOf(valuesZh[run]), numbersOf(valuesEn[run]), `${labelEn}: ${valuesZh[run]} / ${valuesEn[run]}`);
      if (valuesEn[run] === 'never') assert.equal(valuesZh[run], '从未');
    }
  }
  assert.match(captionZh, cjk);
  const unitsZh = chinese.slice(1).flat().filter((cell) => /秒$/.test(cell)).length;
  const unitsEn = english.slice(1).flat().filter((cell) => / s$/.test(cell)).length;
  assert.equal(unitsZh, unitsEn, 'every time in seconds, in each language\'s unit');
  assert.ok(unitsZh > 0);
  assert.deepEqual(errors, []);
});
