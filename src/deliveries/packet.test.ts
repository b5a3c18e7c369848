import { describe, expect, it } from 'vitest';
import { translator } from '../i18n/i18n.ts';
import type { Petition } from '../petitions/petition.ts';
import { csvColumns, parseFields } from './packet.ts';
import { cssString, listChunkHtml } from './packet.views.ts';

const petition = (title: string): Petition => ({
  id: 1, organisationId: 1, slug: 'p', title, target: 'T', demand: 'D', body: '', goal: 1, status: 'open', locale: 'en', showComments: false, autoNextGoal: false, closedAt: null, retentionDays: null, hold: null, createdAt: 0, updatedAt: 0,
});

describe('packet rules and views', () => {
  it('takes only the allowed signer fields, in a fixed order', () => {
    expect(parseFields(undefined)).toEqual(['name', 'country']);
    expect(parseFields('comment, NAME')).toEqual(['name', 'comment']);
    expect(parseFields(['country'])).toEqual(['country']);
    expect(parseFields('name,email')).toBeUndefined();
    expect(parseFields('postcode')).toBeUndefined();
    expect(parseFields('')).toBeUndefined();
    expect(csvColumns(['name', 'country'])).toEqual(['number', 'name', 'country']);
  });

  it('puts a petition title into the page footer as an inert CSS string', () => {
    expect(cssString('Drop "AnyVision"')).toBe('"Drop \\22 AnyVision\\22 "');
    const hostile = 'x"; } body { display: none } </style><script>alert(1)</script>';
    const page = listChunkHtml(translator('en'), petition(hostile), [{ number: 1, name: '<b>Amina</b> H.', country: 'FR', comment: undefined }], { firstPage: 1, fields: ['name', 'country'], first: true });
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('</style><');
    expect(page.match(/<\/style>/g)).toHaveLength(1);
    expect(page).toContain('&lt;b&gt;Amina&lt;/b&gt; H.');
    expect(page).toContain('@page:first { counter-set: page 1; }');
  });
});
