import { describe, expect, it } from 'vitest';
import { anchorId, csvField, csvRow, escapeHtml, escapeMarkdownCell, escapeMarkdownText } from './escape.ts';

describe('escapeHtml', () => {
  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(`<script>alert("x") & 'y'</script>`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;',
    );
  });

  it('escapes & first, so existing entities are shown, not interpreted', () => {
    expect(escapeHtml('&lt;')).toBe('&amp;lt;');
  });
});

describe('anchorId', () => {
  it('keeps safe characters and encodes the rest injectively', () => {
    expect(anchorId('run', 'a1b2c3d4e5f60000')).toBe('run-a1b2c3d4e5f60000');
    expect(anchorId('claim', 'H3 a')).toBe('claim-H3.20.a');
    expect(anchorId('claim', 'B2 "x" <y>')).toMatch(/^claim-[A-Za-z0-9_.-]+$/);
    // "a b" and "a.20.b" must not collide.
    expect(anchorId('c', 'a b')).not.toBe(anchorId('c', 'a.20.b'));
  });
});

describe('CSV (RFC 4180)', () => {
  it('quotes fields with commas, quotes, line breaks or outer spaces, doubling inner quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField(' padded')).toBe('" padded"');
  });

  it('writes numbers at full precision, null as empty, non-finite spelled out', () => {
    expect(csvRow([0.1 + 0.2, null, Infinity, -Infinity, Number.NaN, 'x'])).toBe('0.30000000000000004,,Infinity,-Infinity,NaN,x');
  });
});

describe('Markdown', () => {
  it('escapes pipes in cells, raw HTML and emphasis markers, and folds line breaks', () => {
    expect(escapeMarkdownCell('a|b')).toBe('a\\|b');
    expect(escapeMarkdownText('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)>');
    expect(escapeMarkdownText('rigl_erk *bold* [link](x) `code`')).toBe('rigl\\_erk \\*bold\\* \\[link\\](x) \\`code\\`');
    expect(escapeMarkdownText('a\r\nb\nc')).toBe('a b c');
    expect(escapeMarkdownText('back\\slash')).toBe('back\\\\slash');
  });
});
