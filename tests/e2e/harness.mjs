// Shared set-up for the browser tests: a relay on a free loopback port serving the built
// playground, and Debian's Chromium driven by playwright-core (which never downloads a browser).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const root = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const outputDir = path.join(root, 'tests', 'e2e', 'output');
export const nodeBin = process.env.GOSSIP_NODE_BIN ?? path.join(root, 'target', 'release', 'gossip-node');
/** The built playground the relay serves (Trunk's output); GOSSIPLAB_DIST points elsewhere. */
export const distDir = process.env.GOSSIPLAB_DIST ?? path.join(root, 'dist');
/** The headless wasm peer (peer-wasm/peer.mjs, built by build_wasm_peer in scripts/setup.sh). */
export const wasmPeerScript = path.join(root, 'peer-wasm', 'peer.mjs');
mkdirSync(outputDir, { recursive: true });

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `gossip-node relay` and resolves once it prints its URL: on a free port, or on `port`
 * (to restart a relay where its peers will look for it). `stop()` resolves once it has exited.
 */
export async function startRelay({ port } = {}) {
  port ??= await freePort();
  const child = spawn(nodeBin, ['relay', '--addr', `127.0.0.1:${port}`, '--dist', distDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let log = '';
  child.stderr.on('data', (chunk) => { log += chunk; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start in 15 s:\n${log}`)), 15_000);
    child.stdout.on('data', (chunk) => {
      const match = /http:\/\/\S+/.exec(String(chunk));
      if (match) { clearTimeout(timer); resolve(match[0]); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`relay exited with ${code}:\n${log}`)); });
  });
  return {
    url,
    port,
    ws: url.replace('http://', 'ws://').replace(/\/$/, ''),
    child,
    log: () => log,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

const peers = new Set();

/**
 * A live peer process in `room` of `relay`: the native `gossip-node peer`, or with `wasm` the
 * wasm peer under Node.js; `args` are further flags (both take the same ones). Its printed lines
 * can be awaited: `waitFor(text or RegExp, ms)` resolves with the first matching line at or after
 * `from` (a line count: `lines()` at some moment), so an event can be awaited again later.
 */
export function startPeer(relay, room, { wasm = false, args = [] } = {}) {
  const [command, base] = wasm
    // Node 20 has a global WebSocket only behind this flag; Node 22 has it by default.
    ? [process.execPath, [...(typeof WebSocket === 'undefined' ? ['--experimental-websocket'] : []), wasmPeerScript]]
    : [nodeBin, ['peer']];
  const child = spawn(command, [...base, '--relay', relay.ws, '--room', room, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  peers.add(child);
  child.once('exit', () => peers.delete(child));
  const printed = [];
  let partial = '';
  let errors = '';
  child.stdout.on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    printed.push(...parts);
  });
  child.stderr.on('data', (chunk) => { errors += chunk; });
  const find = (text, from) => printed.slice(from).find((line) => (typeof text === 'string' ? line.includes(text) : text.test(line)));
  child.lines = () => printed.length;
  child.output = () => printed.join('\n');
  child.waitFor = (text, ms = 15_000, from = 0) => new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const line = find(text, from);
      if (line !== undefined) { clearInterval(poll); resolve(line); }
      else if (Date.now() - started > ms) {
        clearInterval(poll);
        reject(new Error(`${wasm ? 'wasm' : 'native'} peer never printed ${text} in ${ms} ms:\n${child.output()}\n${errors}`));
      }
    }, 25);
  });
  child.stdin.on('error', () => {}); // a peer that has exited just misses the command
  child.command = (line) => child.stdin.write(`${line}\n`);
  /** The id the relay gave this peer (its first welcome). */
  child.peerId = async () => /as peer (\d+)/.exec(await child.waitFor('joined room'))[1];
  return child;
}

/** Kills every peer process still running (for a file's `after`). */
export function killPeers() {
  for (const child of peers) child.kill('SIGKILL');
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/**
 * A page that records console errors and uncaught exceptions, so a test can assert there were none.
 * `colorScheme` ('light' or 'dark') is the system theme the page sees; `locale` the browser's
 * language (navigator.language), which the page's language follows; `viewport` its size.
 */
export async function openPage(browser, url, { colorScheme = 'light', locale = 'en-US', viewport = { width: 1100, height: 800 } } = {}) {
  const page = await browser.newPage({ viewport, colorScheme, locale });
  const errors = [];
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  page.on('pageerror', (error) => errors.push(String(error)));
  // Workers are started from a blob that imports the worker script, so record both.
  const workers = [];
  page.on('worker', (worker) => workers.push(worker.url()));
  const requests = [];
  page.context().on('request', (request) => requests.push(new URL(request.url()).pathname));
  await page.goto(url);
  return { page, errors, workers, requests };
}

/**
 * Starts a relay and a browser before the file's tests and stops them after, with any peer
 * process a test started (`startPeer`). Returns an object whose `relay` and `browser` are set
 * once the tests run; a test that restarts the relay sets `relay` to the new one, which is
 * stopped after.
 */
export function relayAndBrowser() {
  const context = { relay: undefined, browser: undefined };
  before(async () => {
    context.relay = await startRelay();
    context.browser = await launchBrowser();
  });
  after(async () => {
    killPeers();
    await context.browser?.close();
    await context.relay?.stop();
  });
  return context;
}
