/**
 * What a browser is told by every response (CSP, framing, sniffing, referrer, caching, HSTS),
 * and the Origin check of state-changing requests and live sockets.
 */
import WebSocket from 'ws';
import { ensureUiBuilt } from '../browser/support/ui-build.ts';
import { startTestApp, useAppWithHub, type TestApp } from '../support/harness.ts';
import { makeTeleconsultation, openLink } from './live-helpers.ts';

function directives(csp: string | undefined): Map<string, string[]> {
  return new Map((csp ?? '').split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name!, values]));
}

describe('security headers', () => {
  // The UI is built before the app starts: the app serves /app/ only if the build is there.
  const { t, hub } = useAppWithHub(async () => { await ensureUiBuilt(); return {}; });

  it('are on the pages, the links, the payment pages and the API', async () => {
    const tc = await makeTeleconsultation(t, hub);
    const urls = [
      '/app/panel/00000000-0000-4000-8000-000000000000', '/app/patient/00000000-0000-4000-8000-000000000000',
      `/j/${tc.patientToken}`, '/j/not-a-token', '/pay/not-a-token',
      `/api/live/${tc.id}/patient/session`, '/api/v1/teleconsultations', '/healthz',
    ];
    for (const url of urls) {
      const r = await fetch(`${t.url}${url}`, { redirect: 'manual', headers: { accept: 'text/html' } });
      await r.arrayBuffer();
      const csp = directives(r.headers.get('content-security-policy') ?? undefined);
      expect(csp.get('default-src')).withContext(url).toEqual(["'self'"]);
      expect(csp.get('script-src')).withContext(url).toEqual(["'self'", "'wasm-unsafe-eval'"]);
      expect(csp.get('frame-ancestors')).withContext(url).toEqual(["'none'"]);
      expect(csp.get('object-src')).withContext(url).toEqual(["'none'"]);
      expect(r.headers.get('x-content-type-options')).withContext(url).toBe('nosniff');
      expect(r.headers.get('referrer-policy')).withContext(url).toBe('no-referrer');
      expect(r.headers.get('x-frame-options')).withContext(url).toBe('DENY');
      expect(r.headers.get('cache-control')).withContext(url).toBe('no-store');
      expect(r.headers.get('strict-transport-security')).withContext(url).toBeNull(); // PUBLIC_URL is http here
    }
    // A webhook's answer goes to the sender's server, never rendered: no document headers.
    const webhook = await fetch(`${t.url}/webhooks/agenda`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(webhook.status).toBe(400);
    expect(((await webhook.json()) as { error: { code: string } }).error.code).toBe('WEBHOOK_HEADERS_MISSING');
    expect(webhook.headers.get('x-content-type-options')).toBe('nosniff');
    expect(webhook.headers.get('cache-control')).toBe('no-store');
    expect(webhook.headers.get('content-security-policy')).toBeNull();
    // Hashed bundles alone are cached, for good.
    const html = await (await fetch(`${t.url}/app/panel/x`)).text();
    const bundle = /src="(main-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(bundle).toBeDefined();
    const js = await fetch(`${t.url}/app/${bundle}`);
    await js.arrayBuffer();
    expect(js.headers.get('cache-control')).toContain('immutable');
    // No inline script or handler the CSP would block.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+="/);
  });

  it('refuse a request from another origin that changes something, and a live socket opened from there', async () => {
    const tc = await makeTeleconsultation(t, hub);
    const practitioner = await openLink(t.url, tc.practitionerToken);
    const post = (headers: Record<string, string>) => fetch(`${t.url}/api/live/${tc.id}/practitioner/invoice/resend`, {
      method: 'POST', headers: { cookie: practitioner.cookie, 'content-type': 'application/json', ...headers }, body: '{}',
    });
    const foreign = await post({ origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('ORIGIN_REFUSED');
    const status = async (r: Promise<Response>) => { const res = await r; await res.arrayBuffer(); return res.status; };
    expect(await status(post({ 'sec-fetch-site': 'cross-site' }))).toBe(403);
    expect(await status(post({ origin: 'null', 'sec-fetch-site': 'cross-site' }))).toBe(403);
    expect(await status(post({ origin: 'null' }))).toBe(403);
    // A form posted from our own page under no-referrer: Origin null, but same-origin.
    expect(await status(post({ origin: 'null', 'sec-fetch-site': 'same-origin' }))).toBe(409);
    // From our own pages (or a server client without Origin) it goes through to its own checks.
    expect(await status(post({ origin: new URL(t.config.publicUrl).origin }))).toBe(409);
    expect(await status(post({}))).toBe(409);
    // JSON only: a text body (what a form on another site can send without a preflight) is refused.
    const text = await fetch(`${t.url}/api/live/${tc.id}/practitioner/invoice`, { method: 'POST', headers: { cookie: practitioner.cookie, 'content-type': 'text/plain' }, body: '{"amount":{"value":"30"}}' });
    expect(text.status).toBe(415);
    await text.arrayBuffer();

    const upgrade = (origin: string) => new Promise<number>((resolve) => {
      const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/live/${tc.id}/practitioner`, { headers: { cookie: practitioner.cookie, origin } });
      ws.once('unexpected-response', (req, res) => { resolve(res.statusCode ?? 0); req.destroy(); });
      ws.once('open', () => { ws.close(); resolve(101); });
      ws.once('error', () => undefined);
    });
    expect(await upgrade('https://evil.example')).toBe(403);
    expect(await upgrade(new URL(t.config.publicUrl).origin)).toBe(101);
  });
});

describe('security headers with https, Jitsi and an agenda that embeds the panel', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        PUBLIC_URL: 'https://teleconsult.example.org', FRAME_ANCESTORS: 'https://agenda.example.org',
        JITSI_DOMAIN: 'meet.example.org', JITSI_APP_ID: 'teleconsult', JITSI_APP_SECRET: 'kQ8vZ3nR1xL6tW9yB2cM5fH7jD0sG4pA', JITSI_EVENTS_TOKEN: 'e7Tq2Wz9Lm4Xc8Vb1Nk6Hs3J',
      },
    });
  });
  afterAll(() => t?.close());

  it('add HSTS, the clinic\'s Jitsi server and the embedding agenda', async () => {
    const r = await fetch(`${t.url}/healthz`);
    await r.arrayBuffer();
    expect(r.headers.get('strict-transport-security')).toContain('max-age=31536000');
    const csp = directives(r.headers.get('content-security-policy') ?? undefined);
    expect(csp.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'", 'https://meet.example.org']);
    expect(csp.get('connect-src')).toEqual(jasmine.arrayContaining(['wss://teleconsult.example.org', 'https://meet.example.org', 'wss://meet.example.org']));
    expect(csp.get('frame-ancestors')).toEqual(['https://agenda.example.org']);
    expect(r.headers.get('x-frame-options')).toBeNull();
  });
});
