import { countSmsSegments, isGsm7, toGsm7 } from './sms-segments.ts';

describe('countSmsSegments', () => {
  it('fits 160 GSM-7 characters in one segment and splits 161 into two of 153', () => {
    expect(countSmsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160, perSegment: 160 });
    expect(countSmsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', segments: 2, units: 161, perSegment: 153 });
    expect(countSmsSegments('a'.repeat(306)).segments).toBe(2);
    expect(countSmsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts extension characters (€ [ ] { } ~ ^ | \\) as two septets', () => {
    expect(countSmsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160, perSegment: 160 });
    expect(countSmsSegments('€'.repeat(80) + 'a').segments).toBe(2);
    expect(countSmsSegments('[]{}~^|\\').units).toBe(16);
  });

  it('never splits an escape sequence across two segments', () => {
    // 152 septets then a 2-septet "€": the "€" moves to the second part, and 153 more "a" overflow into a third.
    const text = 'a'.repeat(152) + '€' + 'a'.repeat(152);
    expect(countSmsSegments(text).units).toBe(306);
    expect(countSmsSegments(text).segments).toBe(3);
  });

  it('counts French accented letters of the GSM alphabet as GSM-7', () => {
    expect(countSmsSegments('é è ù ì ò à Ç É Ä Ö Ñ Ü ä ö ñ ü Ø ø Å å').encoding).toBe('GSM-7');
  });

  it('switches to UCS-2 (70/67) for a single character outside GSM-7', () => {
    expect(countSmsSegments('ê' + 'a'.repeat(69))).toEqual({ encoding: 'UCS-2', segments: 1, units: 70, perSegment: 70 });
    expect(countSmsSegments('ê' + 'a'.repeat(70))).toEqual({ encoding: 'UCS-2', segments: 2, units: 71, perSegment: 67 });
    expect(countSmsSegments('ê' + 'a'.repeat(133)).segments).toBe(2);
    expect(countSmsSegments('ê' + 'a'.repeat(134)).segments).toBe(3);
  });

  it('counts an emoji as two UTF-16 units and never splits it', () => {
    expect(countSmsSegments('🙂').units).toBe(2);
    // 66 units, then a surrogate pair that does not fit the 67-unit part.
    const text = 'a'.repeat(66) + '🙂' + 'a'.repeat(10);
    expect(countSmsSegments(text)).toEqual({ encoding: 'UCS-2', segments: 2, units: 78, perSegment: 67 });
  });

  it('returns zero segments for an empty text', () => {
    expect(countSmsSegments('').segments).toBe(0);
  });
});

describe('toGsm7', () => {
  it('keeps the GSM-7 letters of French (é è à ù É Ç) and maps the others (ê â î ô û ë ï ç)', () => {
    expect(toGsm7('éèàùÉÇ')).toBe('éèàùÉÇ');
    expect(toGsm7('fenêtre, âge, île, hôpital, sûr, Noël, maïs, reçu')).toBe('fenetre, age, ile, hopital, sur, Noel, mais, recu');
    expect(toGsm7('À BIENTÔT, Ève, Ÿ')).toBe('A BIENTOT, Eve, Y');
  });

  it('replaces typographic punctuation and special spaces', () => {
    const input = 'l\u2019attente \u00ab salle \u00bb \u201cok\u201d \u2013 \u2014 fin\u2026 35,00\u202f€ 10\u00a0h';
    expect(toGsm7(input)).toBe('l\'attente " salle " "ok" - - fin... 35,00 € 10 h');
    expect(toGsm7('cœur Œuvre')).toBe('coeur OEuvre');
    expect(toGsm7('a\u200bb')).toBe('ab');
  });

  it('makes a typical French sentence GSM-7', () => {
    const out = toGsm7('Rappel : votre téléconsultation est prête ; rejoignez la salle d\u2019attente…');
    expect(isGsm7(out)).toBeTrue();
    expect(out).toBe("Rappel : votre téléconsultation est prete ; rejoignez la salle d'attente...");
  });

  it('keeps characters with no GSM-7 equivalent rather than lose them', () => {
    expect(toGsm7('王芳 🙂')).toBe('王芳 🙂');
    expect(isGsm7(toGsm7('王芳'))).toBeFalse();
  });

  it('leaves URLs and ASCII untouched', () => {
    const url = 'https://tc.example.org/p/abc_DEF-123?x=1&y=~2#z';
    expect(toGsm7(url)).toBe(url);
  });
});
