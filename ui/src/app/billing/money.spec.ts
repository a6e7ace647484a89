import { amountFieldText, currencySymbol, formatMoney, parseTypedAmount } from './money';

const NBSP = /[\u00a0\u202f]/g;
const plain = (text: string) => text.replace(NBSP, ' ');

describe('billing amounts', () => {
  it('formats cents in the UI language', () => {
    expect(plain(formatMoney(3000, 'EUR', 'fr'))).toBe('30,00 €');
    expect(plain(formatMoney(3050, 'EUR', 'fr'))).toBe('30,50 €');
    expect(plain(formatMoney(123450, 'EUR', 'fr'))).toBe('1 234,50 €');
    expect(formatMoney(3050, 'EUR', 'en')).toBe('€30.50');
    expect(formatMoney(500, 'JPY', 'en')).toBe('JP¥500');
  });

  it('writes a preset as the practitioner would type it', () => {
    expect(amountFieldText(3000, 'EUR', 'fr')).toBe('30,00');
    expect(amountFieldText(3050, 'EUR', 'en')).toBe('30.50');
    expect(amountFieldText(500, 'JPY', 'fr')).toBe('500');
  });

  it('gives the currency sign for the amount label', () => {
    expect(currencySymbol('EUR', 'fr')).toBe('€');
    expect(currencySymbol('NOPE!', 'fr')).toBe('NOPE!');
  });

  it('accepts typed amounts with a decimal comma or dot, spaces and a euro sign', () => {
    const parse = (text: string) => parseTypedAmount(text, 'EUR', 50000);
    expect(parse('30')).toEqual({ ok: true, cents: 3000, text: '30' });
    expect(parse('30,5')).toEqual({ ok: true, cents: 3050, text: '30.5' });
    expect(parse(' 30,50 € ')).toEqual({ ok: true, cents: 3050, text: '30.50' });
    expect(parse('30.50')).toEqual({ ok: true, cents: 3050, text: '30.50' });
    expect(parseTypedAmount('1\u202f200,00', 'EUR', 500000)).toEqual({ ok: true, cents: 120000, text: '1200.00' });
    expect(parseTypedAmount('500', 'JPY', 1000)).toEqual({ ok: true, cents: 500, text: '500' });
    expect(parseTypedAmount('500,5', 'JPY', 1000)).toEqual({ ok: false, code: 'AMOUNT_TOO_PRECISE' });
  });

  it('refuses typed amounts with the server\'s codes', () => {
    const parse = (text: string) => parseTypedAmount(text, 'EUR', 50000);
    expect(parse('')).toEqual({ ok: false, code: 'AMOUNT_INVALID' });
    expect(parse('trente')).toEqual({ ok: false, code: 'AMOUNT_INVALID' });
    expect(parse('30,5,0')).toEqual({ ok: false, code: 'AMOUNT_INVALID' });
    expect(parse('1e3')).toEqual({ ok: false, code: 'AMOUNT_INVALID' });
    expect(parse('0')).toEqual({ ok: false, code: 'AMOUNT_NOT_POSITIVE' });
    expect(parse('0,00')).toEqual({ ok: false, code: 'AMOUNT_NOT_POSITIVE' });
    expect(parse('-30')).toEqual({ ok: false, code: 'AMOUNT_NOT_POSITIVE' });
    expect(parse('30,505')).toEqual({ ok: false, code: 'AMOUNT_TOO_PRECISE' });
    expect(parse('500,01')).toEqual({ ok: false, code: 'AMOUNT_TOO_LARGE' });
    expect(parse('500')).toEqual({ ok: true, cents: 50000, text: '500' });
  });
});

describe('billing amounts with the contract\'s rules (#protocol/money)', () => {
  it('refuses a currency the contract does not accept', () => {
    expect(parseTypedAmount('30', 'NOPE!', 50000)).toEqual({ ok: false, code: 'CURRENCY_UNSUPPORTED' });
  });

  it('reads a separator with nothing on one side as the practitioner meant it', () => {
    expect(parseTypedAmount('30,', 'EUR', 50000)).toEqual({ ok: true, cents: 3000, text: '30' });
    expect(parseTypedAmount(',5', 'EUR', 50000)).toEqual({ ok: true, cents: 50, text: '0.5' });
    expect(parseTypedAmount('+30', 'EUR', 50000)).toEqual({ ok: true, cents: 3000, text: '30' });
    expect(parseTypedAmount(',', 'EUR', 50000)).toEqual({ ok: false, code: 'AMOUNT_INVALID' });
  });

  it('formats like the contract\'s formatter, with a fallback for a code Intl refuses', () => {
    expect(formatMoney(3050, 'EUR', 'fr')).toBe(new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(30.5));
    expect(formatMoney(3050, 'NOPE!', 'en')).toBe('30.50 NOPE!');
  });
});
