import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Open fonts for packets, shipped in npm packages (@fontsource: WOFF2 split by script, with
 * unicode ranges, so Chromium loads only the slices a page uses). Noto Sans covers Latin (with
 * Vietnamese), Greek, Cyrillic and Devanagari; Amiri covers Arabic; Noto Sans Hebrew and Noto Sans
 * SC (Chinese, including the kanji of Japanese names) the rest we expect. The renderer serves the
 * files to the page from disk: nothing is fetched from the network.
 */
export const FONT_PACKAGES = ['@fontsource/noto-sans', '@fontsource/amiri', '@fontsource/noto-sans-hebrew', '@fontsource/noto-sans-sc'] as const;

/** The families in the order the page asks for them: a glyph comes from the first that has it. */
export const FONT_STACK = `'Noto Sans', 'Amiri', 'Noto Sans Hebrew', 'Noto Sans SC', sans-serif`;

/** A made-up origin that only the renderer answers (the `.invalid` top-level domain never resolves: RFC 2606). */
export const FONT_ORIGIN = 'https://fonts.chorus.invalid';

const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

let cachedCss: string | undefined;

/** The @font-face rules for regular and bold, pointing at FONT_ORIGIN. */
export function fontFaceCss(): string {
  if (cachedCss !== undefined) return cachedCss;
  let css = '';
  for (const name of FONT_PACKAGES) {
    for (const weight of ['400', '700']) {
      const file = path.join(packageDir(name), `${weight}.css`);
      css += readFileSync(file, 'utf8').replace(
        /url\(\.\/files\/([A-Za-z0-9._-]+\.woff2)\) format\('woff2'\)(?:, url\([^)]*\) format\('woff'\))?/g,
        (_match, fileName: string) => `url(${FONT_ORIGIN}/${name}/${fileName}) format('woff2')`,
      );
    }
  }
  cachedCss = css;
  return css;
}

/** The bytes of a font file the page asked for, or undefined if it is not one of ours. */
export function readFontFile(url: URL): Buffer | undefined {
  const match = /^\/(@fontsource\/[a-z0-9-]+)\/([A-Za-z0-9._-]+\.woff2)$/.exec(url.pathname);
  if (!match?.[1] || !match[2] || !(FONT_PACKAGES as readonly string[]).includes(match[1])) return undefined;
  try {
    return readFileSync(path.join(packageDir(match[1]), 'files', match[2]));
  } catch {
    return undefined;
  }
}
