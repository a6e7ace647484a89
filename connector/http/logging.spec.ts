import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { describeError, redactUrl } from './logging.ts';

describe('log lines', () => {
  it('say a database error by code and constraint only, never the values bound to the statement', async () => {
    const pglite = await PGlite.create();
    try {
      await pglite.exec('create table patients (id int primary key, name text not null, email text, constraint email_unique unique (email))');
      const db = drizzle(pglite);
      await db.execute(sql`insert into patients values (1, ${'Alice Martin'}, ${'alice@example.org'})`);
      const failure = await db.execute(sql`insert into patients values (2, ${'Alice Martin'}, ${'alice@example.org'})`).then(() => null, (err: unknown) => err);
      expect(failure).not.toBeNull();
      // What drizzle's own message would have put in the log:
      expect(String((failure as Error).message)).toContain('alice@example.org');
      const logged = JSON.stringify(describeError(failure));
      expect(logged).not.toContain('Alice');
      expect(logged).not.toContain('alice@example.org');
      expect(JSON.parse(logged)).toEqual(jasmine.objectContaining({ type: 'DatabaseError', code: '23505', constraint: 'email_unique' }));
    } finally {
      await pglite.close();
    }
  });

  it('mask emails, phone numbers and link tokens in any other error', () => {
    const err = new Error('The To number +33 6 12 34 56 78 of alex.dupont@example.org is invalid, see https://x.test/j/AAAA.BBBB', { cause: new Error('also +33612345678') });
    const logged = JSON.stringify(describeError(err));
    for (const secret of ['+33 6 12 34 56 78', '+33612345678', 'alex.dupont@example.org', 'AAAA.BBBB']) expect(logged).not.toContain(secret);
    expect(logged).toContain('is invalid');
  });

  it('mask link tokens in URLs, sandbox payment pages included', () => {
    expect(redactUrl('/pay/sandbox/0f0e0d0c-0000-4000-8000-000000000000.abcdefghijklmnopqrstuv/paid')).toBe('/pay/sandbox/[redacted]/paid');
    expect(redactUrl('/pay/0f0e.abc?done=1')).toBe('/pay/[redacted]?done=1');
    expect(redactUrl('/j/abc.def')).toBe('/j/[redacted]');
  });
});
