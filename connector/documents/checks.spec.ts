import { AppError } from '../errors.ts';
import { checkDeclaredType, plainTextCheck } from './formats.ts';
import { checkDocumentLink, signedDocumentLink } from './links.ts';
import { attachmentDisposition, checkDocumentName } from './names.ts';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (err) {
    return err instanceof AppError ? err.code : String(err);
  }
};

describe('document names', () => {
  it('keeps an ordinary name as it is, in NFC', () => {
    expect(checkDocumentName('Compte-rendu du 12.03 (v2).pdf')).toBe('Compte-rendu du 12.03 (v2).pdf');
    expect(checkDocumentName('e\u0301te\u0301.txt')).toBe('été.txt');
    expect(checkDocumentName('..notes.txt')).toBe('..notes.txt');
  });

  it('refuses paths, dot names, control and direction characters, empty and long names', () => {
    for (const bad of [undefined, '', '   ', '../a.pdf', 'a/b.pdf', 'C:\\Users\\a.pdf', '..', '.', 'a\u0000.pdf', 'a\nb.pdf', 'a\u007f.pdf', 'a\u0085.pdf', 'x\u202egpj.exe', 'x\u2066.pdf', `${'é'.repeat(197)}.pdf`]) {
      expect(code(() => checkDocumentName(bad))).withContext(JSON.stringify(bad)).toBe('DOCUMENT_NAME_INVALID');
    }
    expect(checkDocumentName(`${'é'.repeat(196)}.pdf`).length).toBe(200);
  });

  it('gives an RFC 6266 attachment: an ASCII fallback and the exact UTF-8 name', () => {
    expect(attachmentDisposition('ordonnance.pdf')).toBe(`attachment; filename="ordonnance.pdf"; filename*=UTF-8''ordonnance.pdf`);
    expect(attachmentDisposition('Éa "b" 100% (1)*\'.pdf')).toBe(`attachment; filename="Ea _b_ 100_ (1)*'.pdf"; filename*=UTF-8''%C3%89a%20%22b%22%20100%25%20%281%29%2A%27.pdf`);
    expect(attachmentDisposition('写真.heic')).toBe(`attachment; filename="__.heic"; filename*=UTF-8''%E5%86%99%E7%9C%9F.heic`);
  });
});

describe('document types', () => {
  const all = ['application/pdf', 'image/jpeg', 'image/png', 'text/plain'] as const;

  it('takes a declared type with its parameters and aliases, matching the extension', () => {
    expect(checkDeclaredType('image/jpg', 'a.JPEG', all)).toBe('image/jpeg');
    expect(checkDeclaredType('text/plain; charset=UTF-8', 'a.txt', all)).toBe('text/plain');
  });

  it('refuses a type not accepted, and an extension of another type', () => {
    expect(code(() => checkDeclaredType('image/webp', 'a.webp', all))).toBe('DOCUMENT_TYPE_REFUSED');
    expect(code(() => checkDeclaredType('application/pdf', 'a.png', all))).toBe('DOCUMENT_CONTENT_MISMATCH');
    expect(code(() => checkDeclaredType('application/pdf', 'pdf', all))).toBe('DOCUMENT_CONTENT_MISMATCH');
    expect(code(() => checkDeclaredType('text/plain', 'a.csv', all))).toBe('DOCUMENT_CONTENT_MISMATCH');
  });

  it('checks plain text across chunks: a character split in two is fine, invalid UTF-8 or a control is not', () => {
    const bytes = Buffer.from('fièvre\tœdème\r\n', 'utf8');
    const ok = plainTextCheck();
    for (let i = 0; i < bytes.length; i++) ok.push(bytes.subarray(i, i + 1));
    expect(() => ok.end()).not.toThrow();
    const cut = plainTextCheck();
    cut.push(Buffer.from([0x66, 0xc3]));
    expect(code(() => cut.end())).toBe('DOCUMENT_CONTENT_MISMATCH');
    expect(code(() => plainTextCheck().push(Buffer.from([0xff])))).toBe('DOCUMENT_CONTENT_MISMATCH');
    expect(code(() => plainTextCheck().push(Buffer.from('a\u0000b')))).toBe('DOCUMENT_CONTENT_MISMATCH');
    expect(code(() => plainTextCheck().push(Buffer.from('a\u001b[0m')))).toBe('DOCUMENT_CONTENT_MISMATCH');
  });
});

describe('document download links', () => {
  const secret = 'unit-test-secret-0123456789-abcdefghij';
  const tc = '6f1c7c6e-3f43-4b8e-9a55-0a8f7c1b2d3e';
  const doc = '0b7a4d1e-9c2f-4e6a-8d3b-5f1e2a3c4b5d';
  const now = new Date('2026-03-01T10:00:00Z');
  const parse = (link: string) => {
    const u = new URL(link, 'http://x');
    const [, , t, d] = u.pathname.split('/');
    return { teleconsultationId: t!, documentId: d!, expires: u.searchParams.get('expires') ?? undefined, sig: u.searchParams.get('sig') ?? undefined };
  };

  it('is valid for its document and consultation until it expires', () => {
    const link = signedDocumentLink(secret, tc, doc, new Date(now.getTime() + 300_000));
    expect(link.startsWith(`/documents/${tc}/${doc}?expires=`)).toBeTrue();
    expect(checkDocumentLink(secret, parse(link), now)).toBe('valid');
    expect(checkDocumentLink(secret, parse(link), new Date(now.getTime() + 300_000))).toBe('expired');
  });

  it('is worthless for another document, consultation, expiry or secret', () => {
    const p = parse(signedDocumentLink(secret, tc, doc, new Date(now.getTime() + 300_000)));
    expect(checkDocumentLink(secret, { ...p, documentId: tc }, now)).toBe('invalid');
    expect(checkDocumentLink(secret, { ...p, teleconsultationId: doc }, now)).toBe('invalid');
    expect(checkDocumentLink(secret, { ...p, expires: String(Number(p.expires) + 1) }, now)).toBe('invalid');
    expect(checkDocumentLink(`${secret}x`, p, now)).toBe('invalid');
    expect(checkDocumentLink(secret, { ...p, sig: undefined }, now)).toBe('invalid');
    expect(checkDocumentLink(secret, { ...p, expires: '1e99' }, now)).toBe('invalid');
  });
});
