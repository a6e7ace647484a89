import { formatAmount, minorUnitDigits, parseAmount, type AmountErrorCode } from './money.ts';

const EUR = { currency: 'EUR', maxCents: 50_000 };

describe('parseAmount', () => {
  const accepted: Array<[string, unknown, number]> = [
    ['a whole number of euros as text', { value: '30' }, 3000],
    ['a dot decimal', { value: '30.5' }, 3050],
    ['a French decimal comma', { value: '30,50' }, 3050],
    ['surrounding spaces', { value: ' 45 ' }, 4500],
    ['a number in major units', { value: 30.5 }, 3050],
    ['0.30 exactly, not 0.3 × 100 = 30.000000000000004', { value: '0.30' }, 30],
    ['1.15 exactly (1.15 × 100 is 114.99999999999999 in floating point)', { value: '1.15' }, 115],
    ['the number 1.15 exactly', { value: 1.15 }, 115],
    ['4.35 (435.00000000000006 in floating point)', { value: 4.35 }, 435],
    ['a preset in cents', { cents: 2500 }, 2500],
    ['exactly the maximum', { value: '500' }, 50_000],
    ['a lower-case currency that is allowed', { value: '30', currency: 'eur' }, 3000],
  ];
  for (const [what, input, cents] of accepted) {
    it(`accepts ${what}`, () => {
      expect(parseAmount(input, EUR)).toEqual({ ok: true, cents, currency: 'EUR' });
    });
  }

  const refused: Array<[string, unknown, AmountErrorCode, ParseOpts?]> = [
    ['zero', { value: '0' }, 'AMOUNT_NOT_POSITIVE'],
    ['zero with decimals', { value: '0,00' }, 'AMOUNT_NOT_POSITIVE'],
    ['zero with too many decimals', { value: '0.000' }, 'AMOUNT_NOT_POSITIVE'],
    ['zero cents', { cents: 0 }, 'AMOUNT_NOT_POSITIVE'],
    ['minus one', { value: '-1' }, 'AMOUNT_NOT_POSITIVE'],
    ['the number minus one', { value: -1 }, 'AMOUNT_NOT_POSITIVE'],
    ['negative cents', { cents: -100 }, 'AMOUNT_NOT_POSITIVE'],
    ['letters', { value: 'abc' }, 'AMOUNT_INVALID'],
    ['an empty string', { value: '' }, 'AMOUNT_INVALID'],
    ['a currency sign in the value', { value: '30€' }, 'AMOUNT_INVALID'],
    ['two separators', { value: '1.234,50' }, 'AMOUNT_INVALID'],
    ['exponent notation text', { value: '3e1' }, 'AMOUNT_INVALID'],
    ['NaN', { value: Number.NaN }, 'AMOUNT_INVALID'],
    ['Infinity', { value: Number.POSITIVE_INFINITY }, 'AMOUNT_INVALID'],
    ['a boolean', { value: true }, 'AMOUNT_INVALID'],
    ['fractional cents', { cents: 30.5 }, 'AMOUNT_INVALID'],
    ['cents as text', { cents: '3000' }, 'AMOUNT_INVALID'],
    ['both value and cents', { value: '30', cents: 3000 }, 'AMOUNT_INVALID'],
    ['neither value nor cents', {}, 'AMOUNT_INVALID'],
    ['a bare string', '30', 'AMOUNT_INVALID'],
    ['null', null, 'AMOUNT_INVALID'],
    ['three decimals', { value: '30.555' }, 'AMOUNT_TOO_PRECISE'],
    ['three decimals even when the last is zero ("30.500" may mean 30 500 in French)', { value: '30.500' }, 'AMOUNT_TOO_PRECISE'],
    ['the float 0.1 + 0.2', { value: 0.1 + 0.2 }, 'AMOUNT_TOO_PRECISE'],
    ['a tiny float', { value: 1e-7 }, 'AMOUNT_TOO_PRECISE'],
    ['one cent over the maximum', { value: '500,01' }, 'AMOUNT_TOO_LARGE'],
    ['cents over the maximum', { cents: 50_001 }, 'AMOUNT_TOO_LARGE'],
    ['a huge number of digits', { value: '99999999999999999999999' }, 'AMOUNT_TOO_LARGE'],
    ['a huge float', { value: 1e21 }, 'AMOUNT_TOO_LARGE'],
    ['USD when only EUR is allowed', { value: '30', currency: 'USD' }, 'CURRENCY_UNSUPPORTED'],
    ['a malformed currency', { value: '30', currency: 'EURO' }, 'CURRENCY_UNSUPPORTED'],
    ['a non-string currency', { value: '30', currency: 978 }, 'CURRENCY_UNSUPPORTED'],
  ];
  for (const [what, input, code] of refused) {
    it(`refuses ${what} with ${code}`, () => {
      const result = parseAmount(input, EUR);
      expect(result.ok).toBeFalse();
      if (!result.ok) {
        expect(result.code).toBe(code);
        expect(result.message.length).toBeGreaterThan(0);
      }
    });
  }

  it('says the maximum in the refusal', () => {
    const result = parseAmount({ value: '900' }, EUR);
    expect(result).toEqual({ ok: false, code: 'AMOUNT_TOO_LARGE', message: 'The amount must be at most 500.00 EUR.' });
  });

  it('accepts another currency when the clinic allows it, with its own decimals', () => {
    const opts = { currency: 'EUR', maxCents: 1_000_000, allowedCurrencies: ['EUR', 'CHF', 'JPY'] };
    expect(parseAmount({ value: '12.35', currency: 'CHF' }, opts)).toEqual({ ok: true, cents: 1235, currency: 'CHF' });
    expect(parseAmount({ value: '1200', currency: 'JPY' }, opts)).toEqual({ ok: true, cents: 1200, currency: 'JPY' });
    const yenWithDecimals = parseAmount({ value: '12.5', currency: 'JPY' }, opts);
    expect(yenWithDecimals.ok ? 'accepted' : yenWithDecimals.code).toBe('AMOUNT_TOO_PRECISE');
  });

  it('accepts French thousands spaces (no-break and narrow no-break)', () => {
    const opts = { currency: 'EUR', maxCents: 1_000_000 };
    expect(parseAmount({ value: '1\u00a0234,50' }, opts)).toEqual({ ok: true, cents: 123_450, currency: 'EUR' });
    expect(parseAmount({ value: '1\u202f234' }, opts)).toEqual({ ok: true, cents: 123_400, currency: 'EUR' });
  });

  it('uses the default currency when the input names none', () => {
    expect(parseAmount({ cents: 100 }, { currency: 'chf', maxCents: 1000 })).toEqual({ ok: true, cents: 100, currency: 'CHF' });
  });
});

type ParseOpts = Parameters<typeof parseAmount>[1];

describe('formatAmount', () => {
  it('formats euros the French way', () => {
    // Intl uses a narrow no-break space before the euro sign.
    expect(formatAmount(3050, 'EUR', 'fr-FR').replace(/\s/g, ' ')).toBe('30,50 €');
  });

  it('formats in English and without decimals for yen', () => {
    expect(formatAmount(3050, 'EUR', 'en-GB')).toBe('€30.50');
    expect(formatAmount(1200, 'JPY', 'en-US')).toBe('¥1,200');
  });

  it('knows the minor units of a currency', () => {
    expect(minorUnitDigits('EUR')).toBe(2);
    expect(minorUnitDigits('JPY')).toBe(0);
  });
});
