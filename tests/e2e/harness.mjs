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

/** Starts `gossip-node relay` and resolves once it prints its URL. */
export async function startRelay() {
  const port = await freePort();
  const child = spawn(nodeBin, ['relay', '--addr', `127.0.0.1:${port}`, '--dist', path.join(root, 'dist')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  return { url, child, log: () => log, stop: () => child.kill('SIGTERM') };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A page that records console errors and uncaught exceptions, so a test can assert there were none. */
export async function openPage(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
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
 * Starts a relay and a browser before the file's tests and stops them after. Returns an object
 * whose `relay` and `browser` are set once the tests run.
 */
export function relayAndBrowser() {
  const context = { relay: undefined, browser: undefined };
  before(async () => {
    context.relay = await startRelay();
    context.browser = await launchBrowser();
  });
  after(async () => {
    await context.browser?.close();
    context.relay?.stop();
  });
  return context;
}
