import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown.ts';

describe('renderMarkdown', () => {
  it('renders paragraphs, emphasis, lists and links', () => {
    const out = renderMarkdown('Why **now**:\n\n- one\n- two\n\n[Read the report](https://example.org/report)').value;
    expect(out).toContain('<p dir="auto">Why <strong>now</strong>:</p>');
    expect(out).toContain('<ul dir="auto">\n<li>one</li>');
    expect(out).toContain('<a href="https://example.org/report" rel="nofollow noreferrer">Read the report</a>');
  });

  it('escapes raw HTML and refuses script links and images', () => {
    const out = renderMarkdown('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) ![tracker](https://third.party/pixel.png)').value;
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<img');
    expect(out).not.toContain('href="javascript:');
    expect(out).toContain('&lt;script&gt;');
  });
});
