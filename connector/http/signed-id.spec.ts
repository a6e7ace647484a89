import { signId, verifySignedId } from './signed-id.ts';

const SECRET = 'a-secret-of-enough-length-0123456789';
const ID = /^[A-Za-z0-9_-]{22}$/;
const id = 'AAECAwQFBgcICQoLDA0ODw';

describe('signed ids', () => {
  it('gives the id back from its own token', () => {
    const token = signId(SECRET, 'access-link:v1', id);
    expect(token.startsWith(`${id}.`)).toBeTrue();
    expect(verifySignedId(SECRET, 'access-link:v1', token, ID)).toBe(id);
  });

  it('refuses a token of another purpose, another secret, or a changed id', () => {
    const token = signId(SECRET, 'access-link:v1', id);
    expect(verifySignedId(SECRET, 'payment-link:v1', token, ID)).toBeNull();
    expect(verifySignedId(`${SECRET}x`, 'access-link:v1', token, ID)).toBeNull();
    const otherId = `B${id.slice(1)}`;
    expect(verifySignedId(SECRET, 'access-link:v1', `${otherId}${token.slice(id.length)}`, ID)).toBeNull();
  });

  it('refuses every other text of the MAC, even one that decodes to the same bytes', () => {
    const token = signId(SECRET, 'access-link:v1', id);
    const last = token.at(-1)!;
    // The 22nd base64url character carries 2 bits; its 4 low bits are spare.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sameBytes = alphabet[alphabet.indexOf(last) ^ 1]!;
    expect(verifySignedId(SECRET, 'access-link:v1', `${token.slice(0, -1)}${sameBytes}`, ID)).toBeNull();
  });

  it('refuses malformed tokens', () => {
    for (const bad of ['', '.', `${id}.`, `.${id}`, `${id}`, `${id}.${'A'.repeat(21)}`, `x.${'A'.repeat(22)}`]) {
      expect(verifySignedId(SECRET, 'access-link:v1', bad, ID)).withContext(bad).toBeNull();
    }
  });
});
