/**
 * Rate limits per client address: link guessing at /j/…, the live API and live sockets meet
 * 429 with Retry-After; the address is the connection's unless a trusted proxy says otherwise.
 */
import WebSocket from 'ws';
import { startTestApp, useAppWithHub, type TestApp } from '../support/harness.ts';
import { makeTeleconsultation, openLink } from './live-helpers.ts';

const guess = () => `/j/${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url')}.${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url')}`;

async function statusOf(r: Promise<Response>): Promise<{ status: number; retryAfter: string | null; body: string; type: string | null }> {
  const res = await r;
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text(), type: res.headers.get('content-type') };
}

describe('rate limits', () => {
  const { t, hub } = useAppWithHub();

  it('meet 300 guesses at /j/… from one address with 429 and Retry-After, even with a forged X-Forwarded-For', async () => {
    const results = [];
    for (let i = 0; i < 300; i++) {
      // Without TRUST_PROXY the header is not believed: every guess counts on the connection's address.
      results.push(await statusOf(fetch(`${t.url}${guess()}`, { headers: { accept: 'text/html', 'x-forwarded-for': `203.0.113.${i % 250}` } })));
    }
    const refused = results.filter((r) => r.status === 429);
    const answered = results.filter((r) => r.status !== 429);
    expect(answered.every((r) => r.status === 404)).toBeTrue();
    expect(answered.length).toBe(t.config.rateLimits.linksPerMinute);
    expect(refused.length).toBe(300 - t.config.rateLimits.linksPerMinute);
    expect(Number(refused[0]!.retryAfter)).toBeGreaterThan(0);
    expect(Number(refused[0]!.retryAfter)).toBeLessThanOrEqual(60);
    // A browser gets the page, in French first, with the code.
    expect(refused[0]!.type).toContain('text/html');
    expect(refused[0]!.body).toContain('Trop de tentatives');
    expect(refused[0]!.body).toContain('RATE_LIMITED');
    // The payment pages share the links' count.
    const pay = await statusOf(fetch(`${t.url}/pay/not-a-token`));
    expect(pay.status).toBe(429);
    expect(JSON.parse(pay.body).error.code).toBe('RATE_LIMITED');
  });

  it('count the live API and live sockets on their own', async () => {
    // Made in the database directly (no link opened: the spec above may have spent the links' count).
    const tc = await makeTeleconsultation(t, hub);
    const session = `/api/live/${tc.id}/patient/session`;
    const results = [];
    for (let i = 0; i < t.config.rateLimits.livePerMinute + 5; i++) results.push(await statusOf(fetch(`${t.url}${session}`)));
    expect(results.filter((r) => r.status === 429).length).toBe(5);
    const refused = results.at(-1)!;
    expect(JSON.parse(refused.body).error.code).toBe('RATE_LIMITED');
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);

    const upgrade = () => new Promise<{ status: number; retryAfter?: string }>((resolve) => {
      const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/live/${tc.id}/patient`, { headers: { origin: new URL(t.config.publicUrl).origin } });
      ws.once('unexpected-response', (req, res) => { resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined }); req.destroy(); });
      ws.once('open', () => { ws.close(); resolve({ status: 101 }); });
      ws.once('error', () => undefined);
    });
    const upgrades = [];
    for (let i = 0; i < t.config.rateLimits.socketsPerMinute + 3; i++) upgrades.push(await upgrade());
    // No session cookie: refused by the session check (401) until the limit, then 429.
    expect(upgrades.slice(0, t.config.rateLimits.socketsPerMinute).every((u) => u.status !== 429)).toBeTrue();
    expect(upgrades.slice(-3).map((u) => u.status)).toEqual([429, 429, 429]);
    expect(Number(upgrades.at(-1)!.retryAfter)).toBeGreaterThan(0);
  });
});

describe('rate limits behind a trusted proxy', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp({ env: { TRUST_PROXY: 'loopback', RATE_LIMIT_LINKS_PER_MINUTE: '5' } }); });
  afterAll(() => t?.close());

  it('count each client address the proxy reports', async () => {
    const from = (address: string) => statusOf(fetch(`${t.url}${guess()}`, { headers: { 'x-forwarded-for': address } }));
    const first = [];
    for (let i = 0; i < 6; i++) first.push((await from('198.51.100.7')).status);
    expect(first).toEqual([404, 404, 404, 404, 404, 429]);
    // Another patient behind the same proxy is not held back by the first one's count.
    expect((await from('198.51.100.8')).status).toBe(404);
  });
});

describe('opened link and its session', () => {
  const { t, hub } = useAppWithHub(() => ({ env: { RATE_LIMIT_LINKS_PER_MINUTE: '3' } }));

  it('keep working for a patient within the limit', async () => {
    const tc = await makeTeleconsultation(t, hub);
    const patient = await openLink(t.url, tc.patientToken);
    expect(patient.cookie).toBeTruthy();
    const again = await statusOf(fetch(`${t.url}/j/${tc.patientToken}`, { redirect: 'manual' }));
    expect(again.status).toBe(303);
  });
});
