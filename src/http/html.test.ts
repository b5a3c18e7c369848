import { describe, expect, it } from 'vitest';
import { html, withLang } from './html.ts';

describe('html', () => {
  it('escapes every interpolated value', () => {
    const name = '<script>alert("x")</script> & \'quotes\'';
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</p>',
    );
  });

  it('trusts only its own output, joins arrays and skips empty values', () => {
    const items = ['a<', 'b'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.value).toBe('<ul><li>a&lt;</li><li>b</li></ul>0');
  });
});

describe('withLang', () => {
  it('adds or replaces the language, keeping other parameters', () => {
    expect(withLang('/p/x', 'fr')).toBe('/p/x?lang=fr');
    expect(withLang('/p/x?already=1&lang=en', 'ar')).toBe('/p/x?already=1&lang=ar');
    expect(withLang('/p/x', undefined)).toBe('/p/x');
  });
});
