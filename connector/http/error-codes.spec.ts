import { readFileSync } from 'node:fs';
import { ERRORS } from '#protocol/errors';
import { errorCodesTable, README, readmeErrorCodes } from '../scripts/write-error-codes.ts';

describe('the error registry', () => {
  it('is the README\'s table of codes (npm run docs:errors writes it)', () => {
    const table = readmeErrorCodes(readFileSync(README, 'utf8'));
    expect(table).withContext('README.md has no error-codes section').not.toBeNull();
    expect(table).toBe(errorCodesTable());
  });

  it('gives every code a client-error or server-error status and a one-line meaning', () => {
    for (const [code, e] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(e.status).withContext(code).toBeGreaterThanOrEqual(400);
      expect(e.status).withContext(code).toBeLessThan(600);
      expect(e.meaning.length).withContext(code).toBeGreaterThan(10);
      expect(e.meaning).withContext(code).not.toContain('\n');
    }
  });
});
