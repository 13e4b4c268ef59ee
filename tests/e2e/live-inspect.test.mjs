// Inspecting a live tab's own node: two tabs in a room; the first writes a key; the second opens
// its own node's inspector (the button, and a click on itself in the graph) and reads, from its
// running node, the key with where it came from (the first tab, by which mechanism, when), and
// the first tab alive in its member table; frozen, the panel keeps its instant; the first tab
// chosen from the keyboard shows the row the second holds about it. The first tab closes: the second's table
// shows it suspect (with the suspicion's end) and then dead, within SWIM's bound. The same panel
// in Chinese has no English word; axe-core finds no serious or critical violation with it open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { openPage, outputDir, relayAndBrowser } from './harness.mjs';

const PERIOD_MS = 200;
const shared = relayAndBrowser();
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core on the page as it stands: the serious and critical violations, printing all. */
async function audit(page, label) {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations
    .map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 4).map((node) => node.target.join(' ')) })));
  console.log(`${label}: violations: ${violations.length === 0 ? 'none'
    : violations.map((v) => `${v.id} (${v.impact}: ${v.targets.join(', ')})`).join('; ')}`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

async function tabId(page) {
  await page.locator('#relay-status.done').waitFor({ timeout: 15_000 });
  return /(?:as peer|节点) (\d+)/.exec(await page.locator('#relay-status').textContent())[1];
}

async function write(page, key, value) {
  await page.locator('#put-key').fill(key);
  await page.locator('#put-value').fill(value);
  await page.locator('#put-form button[type="submit"]').click();
}

test('a live tab inspects its own node: where a key came from, its member table, a closed tab failing', { timeout: 120_000 }, async () => {
  const { browser, relay } = shared;
  const url = `${relay.url}?room=e2e-inspect&period=${PERIOD_MS}`;
  const first = await openPage(browser, url);
  const second = await openPage(browser, url);
  const [firstId, secondId] = [await tabId(first.page), await tabId(second.page)];
  await write(first.page, 'colour', 'blue');
  await second.page.locator('#store tr[data-key="colour"]').waitFor({ timeout: 15_000 });

  // The writer, by a click on itself in the graph: written here.
  await first.page.locator('#live-graph g.member.me circle').click();
  const written = first.page.locator('#live-inspector[data-target="own"] #live-inspector-store tr[data-key="colour"]');
  await written.waitFor({ timeout: 5_000 });
  assert.equal(await written.getAttribute('data-arrived'), 'written');
  assert.match(await written.textContent(), /^colour1this peer4written here at \d+\.\d{3} s$/);

  // The other tab, by the keyboard's button: the key from the first tab, the first tab alive.
  await second.page.locator('#live-inspect-me').focus();
  await second.page.keyboard.press('Enter');
  const panel = second.page.locator('#live-inspector[data-target="own"]');
  await panel.waitFor({ timeout: 5_000 });
  assert.match(await panel.locator('h4').textContent(), new RegExp(`^This tab's node, peer ${secondId}, at t = \\d+\\.\\d{3} s$`));
  const row = panel.locator('#live-inspector-store tr[data-key="colour"]');
  assert.equal(await row.getAttribute('data-from'), firstId);
  assert.match(await row.getAttribute('data-arrived'), /^(rumor|anti_entropy_push|anti_entropy_pull|direct_mail)$/);
  assert.match(await row.textContent(), new RegExp(
    `^colour1peer ${firstId}4by (rumor from|anti-entropy, pushed by|anti-entropy, pulled from|direct mail from) peer ${firstId},? at \\d+\\.\\d{3} s$`));
  // Alive (on a loaded machine a late ack can make it a suspect for a moment, until it refutes).
  await panel.locator(`#live-inspector-members tr[data-member="${firstId}"][data-state="alive"]`).waitFor({ timeout: 5_000 });
  assert.equal(await panel.locator('#live-inspector-members tr[data-member]').count(), 1);
  await second.page.locator('#live-inspector').screenshot({ path: path.join(outputDir, 'live-inspect-en.png') });

  // Refreshed as the node changes; frozen, it keeps its instant.
  const at = async () => Number(await second.page.locator('#live-inspector').getAttribute('data-at'));
  const before = await at();
  await second.page.waitForFunction((then) => Number(document.querySelector('#live-inspector').dataset.at) > then, before, { timeout: 5_000 });
  await second.page.locator('#live-inspector-freeze').check();
  const frozenAt = await at();
  assert.match(await second.page.locator('label:has(#live-inspector-freeze)').textContent(), /^Frozen at t = \d+\.\d{3} s$/);
  await second.page.waitForTimeout(3 * PERIOD_MS);
  assert.equal(await at(), frozenAt);
  await second.page.locator('#live-inspector-freeze').uncheck();
  await second.page.waitForFunction((then) => Number(document.querySelector('#live-inspector').dataset.at) > then, frozenAt, { timeout: 5_000 });

  // Another peer, from the keyboard (Tab reaches each member of the graph, Enter inspects it):
  // the row this tab holds about it, said as such.
  const member = second.page.locator(`#live-graph g.member[data-peer="${firstId}"]`);
  assert.equal(await member.getAttribute('role'), 'button');
  assert.match(await member.locator('title').textContent(), new RegExp(`^peer ${firstId}: (alive|suspect)(, \\d+\\.\\d ms from this tab)?$`));
  await member.focus();
  await second.page.locator('#live-graph').screenshot({ path: path.join(outputDir, 'live-graph-member-focus.png') });
  await second.page.keyboard.press('Enter');
  const peerPanel = second.page.locator(`#live-inspector[data-target="${firstId}"]`);
  await peerPanel.waitFor({ timeout: 5_000 });
  assert.match(await peerPanel.locator('p.note').first().textContent(), new RegExp(`^Peer ${firstId} runs its node elsewhere`));
  await peerPanel.locator(`#live-inspector-members tr[data-member="${firstId}"][data-state="alive"]`).waitFor({ timeout: 5_000 });
  assert.equal(await peerPanel.locator('#live-inspector-members tr[data-member]').count(), 1);
  assert.equal(await peerPanel.locator('#live-inspector-store').count(), 0);
  assert.deepEqual(await audit(second.page, 'live inspector, a peer (en)'), []);
  await second.page.locator('#live-inspect-me').click();
  await panel.waitFor({ timeout: 5_000 });
  assert.deepEqual(await audit(second.page, 'live inspector, own node (en)'), []);

  // The first tab closes: suspect, with the suspicion's end, then dead. SWIM's bound with two
  // members: a probe finds it silent within two periods, then a suspicion of
  // 3 x period x ceil(ln(2 + 1)) = 6 periods: 8 periods, 1.6 s.
  const bound = 2 * PERIOD_MS + 6 * PERIOD_MS;
  // Watched from before the close: the watcher starts recording at a sample that reads alive,
  // and the tab closes only once it has (on a loaded machine the page's first sample can come
  // after the close, or fall within a false suspicion that the member then refutes).
  await second.page.evaluate(([id, limit]) => {
    const watch = { states: [], done: false };
    window.liveInspectWatch = watch;
    const deadline = Date.now() + limit;
    const sample = () => {
      const row = document.querySelector(`#live-inspector-members tr[data-member="${id}"]`);
      const state = row?.dataset.state;
      const recording = watch.states.length > 0;
      if (state && (recording || state === 'alive') && watch.states.at(-1)?.state !== state) {
        watch.states.push({ state, at: Date.now(), ends: row.cells[4].textContent });
      }
      if (state === 'dead' || Date.now() >= deadline) watch.done = true;
      else setTimeout(sample, 20);
    };
    sample();
  }, [firstId, 20_000]);
  await second.page.waitForFunction(() => window.liveInspectWatch.states.length > 0, null, { timeout: 10_000 });
  const closed = Date.now();
  await first.page.close();
  await second.page.waitForFunction(() => window.liveInspectWatch.done, null, { timeout: 25_000 });
  const seen = await second.page.evaluate(() => window.liveInspectWatch.states);
  console.log(`closed tab (peer ${firstId}) in the inspector: ${seen.map((s) => `${s.state} at ${s.at >= closed ? '+' : ''}${s.at - closed} ms${s.ends ? ` (ends ${s.ends})` : ''}`).join(', ')}; bound ${bound} ms`);
  // Alive when closed, then suspect and dead (a false suspicion refuted before the close may
  // come between on a loaded machine).
  assert.deepEqual([seen[0].state, ...seen.slice(-2).map((s) => s.state)], ['alive', 'suspect', 'dead']);
  assert.match(seen.at(-2).ends, /^\d+\.\d{3} s \(in \d+\.\d{3} s\)$/);
  assert.equal(seen.at(-1).ends, '');
  assert.ok(seen.at(-1).at - closed < bound + 3_000, `declared dead ${seen.at(-1).at - closed} ms after closing`);
  await second.page.locator('#live-inspector').screenshot({ path: path.join(outputDir, 'live-inspect-dead.png') });
  assert.deepEqual(second.errors, []);

  // In Chinese: a third tab joins, gets the key from the second, and inspects itself.
  const chinese = await openPage(browser, url, { locale: 'zh-CN' });
  const chineseId = await tabId(chinese.page);
  await chinese.page.locator('#store tr[data-key="colour"]').waitFor({ timeout: 15_000 });
  await chinese.page.locator('#live-inspect-me').click();
  const zhPanel = chinese.page.locator('#live-inspector[data-target="own"]');
  await zhPanel.locator('#live-inspector-store tr[data-key="colour"]').waitFor({ timeout: 5_000 });
  assert.equal(await zhPanel.locator('#live-inspector-store tr[data-key="colour"]').getAttribute('data-from'), secondId);
  assert.match(await zhPanel.locator('h4').textContent(), new RegExp(`^此标签页的节点（对等节点 ${chineseId}），t = `));
  assert.match(await zhPanel.locator('#live-inspector-store tr[data-key="colour"]').textContent(), new RegExp(
    `^colour1对等节点 ${firstId}4于 \\d+\\.\\d{3} 秒 经(谣言从|反熵由|反熵从|直接邮件从)对等节点 ${secondId}`));
  await chinese.page.locator('#live-inspector').screenshot({ path: path.join(outputDir, 'live-inspect-zh.png') });
  // No English word in the panel: Latin words of two letters or more, but the key written
  // (data, in the store's first column) and the protocols' message names, which i18n.test.mjs
  // allows too ("ack": the mail queue waits for one).
  const words = async () => chinese.page.locator('#live-inspector').evaluate((panel) => {
    const allowed = new Set(['ack', 'ping', 'SWIM']);
    const found = [];
    const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('#live-inspector-store td:first-child')) continue;
      found.push(...(node.textContent.match(/[A-Za-z]{2,}/g) ?? []).filter((word) => !allowed.has(word)));
    }
    return found;
  });
  assert.deepEqual(await words(), []);
  assert.deepEqual(await audit(chinese.page, 'live inspector, own node (zh-CN)'), []);
  await chinese.page.locator(`#live-graph g.member[data-peer="${secondId}"] circle`).click();
  await chinese.page.locator(`#live-inspector[data-target="${secondId}"]`).waitFor({ timeout: 5_000 });
  assert.deepEqual(await words(), []);
  await chinese.page.locator('#live-inspector').screenshot({ path: path.join(outputDir, 'live-inspect-zh-peer.png') });
  assert.deepEqual(chinese.errors, []);
});
