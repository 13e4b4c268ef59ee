// Live mode's frames as people watch them: two tabs and a native peer in one room. Each tab
// measures its latency to each peer (shown under the peer), and the frames it sends and
// receives move as dots from sender to receiver; the frames between the other two, which the
// relay reports, move too (grey).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openPage, outputDir, relayAndBrowser, startPeer } from './harness.mjs';

const PERIOD_MS = 300;

const shared = relayAndBrowser();

/**
 * Finds the newest dot between peers `a` and `b` (either way; `room`: one of the relay's report)
 * and looks at it again 300 ms later: resolves with where it was, where it went, and its ends'
 * centres, once a dot has been seen moving; else with what was seen, after 15 s.
 */
function watchDot(page, a, b, room) {
  return page.evaluate(async ([a, b, room]) => {
    const centre = (id) => {
      const circle = document.querySelector(`#live-graph g.member[data-peer="${id}"] circle`);
      return circle && [Number(circle.getAttribute('cx')), Number(circle.getAttribute('cy'))];
    };
    const at = (dot) => [Number(dot.getAttribute('cx')), Number(dot.getAttribute('cy'))];
    const between = (dot) => [dot.dataset.from, dot.dataset.to].sort().join() === [String(a), String(b)].sort().join();
    const deadline = Date.now() + 15_000;
    const seen = [];
    while (Date.now() < deadline) {
      const dots = [...document.querySelectorAll(`#live-graph circle.dot${room ? '.room' : ':not(.room)'}`)].filter(between);
      // The newest dot has the most of its trip ahead of it.
      const dot = dots.at(-1);
      if (dot) {
        const first = at(dot);
        const key = dot.dataset.dot;
        await new Promise((resolve) => setTimeout(resolve, 300));
        const again = document.querySelector(`#live-graph circle.dot[data-dot="${key}"]`);
        const second = again && at(again);
        if (seen.length < 5) seen.push({ key, first, second });
        if (second && (first[0] !== second[0] || first[1] !== second[1])) {
          return { first, second, from: centre(dot.dataset.from), to: centre(dot.dataset.to), kind: dot.getAttribute('class') };
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    return { none: true, seen };
  }, [a, b, room]);
}

/** The dot moved from `first` to `second` towards its receiver, on the line between the two. */
function assertAlongTrack(seen, what) {
  assert.ok(seen && !seen.none, `a moving dot ${what}: ${JSON.stringify(seen)}`);
  const { first, second, from, to } = seen;
  const distance = ([x1, y1], [x2, y2]) => Math.hypot(x2 - x1, y2 - y1);
  const length = distance(from, to);
  for (const point of [first, second]) {
    // On the segment: the two distances to its ends add up to its length.
    assert.ok(Math.abs(distance(from, point) + distance(point, to) - length) < 0.5, `${what}: ${JSON.stringify(seen)}`);
  }
  assert.ok(distance(from, second) > distance(from, first), `${what} moves towards its receiver: ${JSON.stringify(seen)}`);
}

test('two tabs in live mode: frames move between the peers over their measured latency, the room\'s other traffic too', async () => {
  const room = 'e2e-frames';
  const { relay, browser } = shared;
  const url = `${relay.url}?room=${room}&period=${PERIOD_MS}`;
  const first = await openPage(browser, url);
  const second = await openPage(browser, url);
  const ids = [];
  for (const { page } of [first, second]) {
    await page.locator('#relay-status.done', { hasText: `room "${room}"` }).waitFor({ timeout: 15_000 });
    ids.push(/as peer (\d+)/.exec(await page.locator('#relay-status').textContent())[1]);
  }
  const native = startPeer(relay, room, { args: ['--swim-period-ms', String(PERIOD_MS), '--anti-entropy-ms', String(PERIOD_MS)] });
  const nativeId = await native.peerId();
  const [firstId, secondId] = ids;

  for (const [{ page }, other] of [[first, secondId], [second, firstId]]) {
    // The slowest speed: a frame of a millisecond or two crosses in a second or more.
    await page.locator('#live-slowdown').selectOption('2000');
    // The latency to the other tab, measured from pings and their acks.
    const latency = page.locator(`#live-graph g.member[data-peer="${other}"] text.latency`);
    await latency.waitFor({ timeout: 10_000 });
    assert.match(await latency.textContent(), /^\d+\.\d ms$/);
    assert.match(await page.locator('#members li', { hasText: `peer ${other}:` }).textContent(), /, latency \d+\.\d ms$/);
  }

  // In each tab, a frame between the two tabs moves from its sender towards its receiver.
  assertAlongTrack(await watchDot(first.page, firstId, secondId, false), 'between the tabs, in the first tab');
  await first.page.locator('#live-graph').locator('xpath=..').screenshot({ path: path.join(outputDir, 'live-frames-first.png') });
  assertAlongTrack(await watchDot(second.page, firstId, secondId, false), 'between the tabs, in the second tab');
  await second.page.locator('#live-graph').locator('xpath=..').screenshot({ path: path.join(outputDir, 'live-frames-second.png') });
  // Frames between the second tab and the native peer never pass through the first tab: the
  // relay's reports of them move as grey dots there.
  const roomDot = await watchDot(first.page, secondId, nativeId, true);
  assertAlongTrack(roomDot, 'between the other two, in the first tab');
  assert.match(roomDot.kind, /\broom\b/);
  await first.page.locator('#live-graph').locator('xpath=..').screenshot({ path: path.join(outputDir, 'live-frames-room.png') });
  await first.page.screenshot({ path: path.join(outputDir, 'live-frames.png'), fullPage: true });
  assert.deepEqual(first.errors, []);
  assert.deepEqual(second.errors, []);
});
