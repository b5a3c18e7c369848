import MarkdownIt from 'markdown-it';
import { Html } from '../http/html.ts';

/**
 * Petition bodies are Markdown written by organisers. Raw HTML is off (it is escaped, never
 * passed through), images are off (an image would make readers' browsers fetch from a third
 * party), and markdown-it's own link check refuses `javascript:`, `vbscript:`, `file:` and `data:`
 * addresses. Links open normally and carry no referrer.
 */
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false }).disable(['image']);

const defaultLinkOpen = markdown.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
markdown.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]?.attrSet('rel', 'nofollow noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

// Every block gets dir="auto": a paragraph in Arabic inside an English page (or the reverse) reads right.
for (const rule of ['paragraph_open', 'heading_open', 'bullet_list_open', 'ordered_list_open', 'blockquote_open'] as const) {
  markdown.renderer.rules[rule] = (tokens, idx, options, _env, self) => {
    tokens[idx]?.attrSet('dir', 'auto');
    return self.renderToken(tokens, idx, options);
  };
}

/** Renders a petition body to safe HTML. */
export function renderMarkdown(source: string): Html {
  return new Html(markdown.render(source));
}
