import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { DomainError } from '../shared/errors.ts';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { FONT_ORIGIN, readFontFile } from './fonts.ts';

const run = promisify(execFile);

/**
 * Headless Chromium from the operating system (Debian's `chromium` package), never a downloaded
 * browser: it shapes and orders every script correctly (Arabic and Hebrew right to left included)
 * and writes a PDF whose text extracts in logical order. qpdf (Debian's `qpdf`) joins the chunks.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const QPDF_PATH = '/usr/bin/qpdf';

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'];

const PAGE_ORIGIN = 'https://packet.chorus.invalid';

export interface PdfRenderer {
  /** Renders one HTML document to a PDF file; `tagged` adds the structure tree (accessibility, at a size cost). */
  render(html: string, file: string, tagged: boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts one browser for a whole packet. Every request the page makes is answered here: the
 * document, our font files from disk; anything else is refused, so no packet ever reaches the network.
 */
export async function openPdfRenderer(): Promise<PdfRenderer> {
  for (const [tool, file, pkg] of [['Chromium', CHROMIUM_PATH, 'chromium'], ['qpdf', QPDF_PATH, 'qpdf']] as const) {
    if (!existsSync(file)) throw new DomainError('unavailable', `PDF packets need ${tool} at ${file} (Debian: apt-get install -y ${pkg}). CSV packets work without it.`);
  }
  const { chromium } = await import('playwright-core');
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
  let page: Page | undefined;
  let current = '';
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, offline: false });
    page = await context.newPage();
    await page.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin === PAGE_ORIGIN) return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: current });
      if (url.origin === FONT_ORIGIN) {
        const font = readFontFile(url);
        if (font) return route.fulfill({ status: 200, contentType: 'font/woff2', body: font });
      }
      return route.abort('blockedbyclient');
    });
  } catch (error) {
    await browser.close();
    throw error;
  }
  const ready = page;
  return {
    async render(html, file, tagged) {
      current = html;
      await ready.goto(`${PAGE_ORIGIN}/packet`, { waitUntil: 'load' });
      // Fonts load lazily by unicode range: wait for every one the page uses before printing.
      await ready.evaluate('document.fonts.ready.then(() => true)');
      await ready.pdf({ path: file, tagged, printBackground: true, preferCSSPageSize: true, outline: false });
      current = '';
    },
    async close() {
      await browser.close();
    },
  };
}

/**
 * How many pages a PDF that Chromium wrote has: the largest /Count of its page tree nodes (the
 * root counts them all). Skia writes the page tree as plain, uncompressed objects.
 */
export function countPdfPages(file: string): number {
  const text = readFileSync(file).toString('latin1');
  let pages = 0;
  for (const match of text.matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)/g)) pages = Math.max(pages, Number(match[1]));
  if (pages === 0) for (const match of text.matchAll(/\/Count\s+(\d+)[^>]*?\/Type\s*\/Pages\b/g)) pages = Math.max(pages, Number(match[1]));
  return pages;
}

/**
 * Joins the chunks into one PDF with qpdf (Debian's `qpdf`), which copies pages object by object.
 * The first file's document-level data (its structure tree, the cover's tags) is kept.
 */
export async function joinPdfs(files: readonly string[], out: string): Promise<void> {
  const [first, ...rest] = files;
  if (!first) throw new Error('nothing to join');
  await run(QPDF_PATH, [first, '--pages', first, ...rest, '--', out], { maxBuffer: 1024 * 1024 });
}
