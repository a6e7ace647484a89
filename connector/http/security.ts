/**
 * The headers every response carries (through helmet): a Content Security Policy
 * (our own scripts, plus the clinic's Jitsi server when configured, since lib-jitsi-meet is
 * loaded from it), `frame-ancestors` (none, unless FRAME_ANCESTORS names an agenda that
 * embeds the panel), `nosniff`, `Referrer-Policy: no-referrer` (links carry tokens), HSTS
 * when PUBLIC_URL is https, and `Cache-Control: no-store` on every response that does not
 * say otherwise (pages and API answers carry patient data; hashed bundles set their own).
 *
 * And the Origin check: a state-changing request, or a live socket's upgrade, that a browser
 * sends from another site is refused (ORIGIN_REFUSED), so a page elsewhere cannot act with a
 * participant's cookie. Webhooks (signed) and the integrator API (Bearer key) are called by
 * servers, not browsers, and are left to their own checks.
 */
import helmet from 'helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/schema.ts';

/** The CSP directives for a configuration. */
export function contentSecurityPolicy(config: Config): Record<string, string[]> {
  const self = new URL(config.publicUrl);
  const socket = `${self.protocol === 'https:' ? 'wss:' : 'ws:'}//${self.host}`;
  const jitsi = config.jitsi ? [`https://${config.jitsi.domain}`] : [];
  const jitsiSocket = config.jitsi ? [`wss://${config.jitsi.domain}`] : [];
  return {
    'default-src': ["'self'"],
    // 'wasm-unsafe-eval': the background of the practitioner's camera runs MediaPipe's WebAssembly (our own file).
    'script-src': ["'self'", "'wasm-unsafe-eval'", ...jitsi],
    // Angular's component styles and the server pages' <style> are inline.
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'media-src': ["'self'", 'blob:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'", socket, ...jitsi, ...jitsiSocket],
    'worker-src': ["'self'", 'blob:'],
    // blob: for the PDF a practitioner opens with "Fichier", shown by the browser's own viewer.
    'frame-src': ["'self'", 'blob:', ...jitsi],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': config.frameAncestors.length > 0 ? config.frameAncestors : ["'none'"],
  };
}

/** Registers the headers on the root instance. */
export async function registerSecurityHeaders(app: FastifyInstance, config: Config): Promise<void> {
  // Built once: @fastify/helmet builds the same middleware again for every request.
  const headers = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(config) },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: new URL(config.publicUrl).protocol === 'https:' ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    // X-Frame-Options knows no list of origins: frame-ancestors above says it, and supersedes it.
    frameguard: config.frameAncestors.length > 0 ? false : { action: 'deny' },
    // lib-jitsi-meet and the patient's media come from another origin than ours.
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  app.addHook('onRequest', (request, reply, done) => {
    // Webhooks answer their senders' servers with JSON that no browser renders: the document
    // headers (CSP, framing, cross-origin policies) protect nothing there, and cost a sixth of
    // a webhook's server time on the hot path (measured by `npm run bench -- webhook-ingest`).
    if (request.url.startsWith('/webhooks/')) {
      reply.header('x-content-type-options', 'nosniff');
      return done();
    }
    headers(request.raw, reply.raw, (err?: unknown) => done(err as Error | undefined));
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SERVER_TO_SERVER = /^\/(webhooks|api\/v1|demo\/api)\//;

/** Whether a browser sent this request from another site than ours. */
export function foreignOrigin(request: FastifyRequest, publicOrigin: string): boolean {
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  // `Origin: null` is what a browser sends for a form posted from a page whose referrer
  // policy is no-referrer (ours): then, as without Origin (older browsers, every server
  // client), the browser's Sec-Fetch-Site says where the request came from.
  if (origin !== undefined && origin !== 'null') return origin !== publicOrigin;
  if (origin === 'null') return site !== 'same-origin';
  return site === 'cross-site' || site === 'same-site';
}

/**
 * Refuses a WebSocket upgrade with an HTTP status. An upgrade's socket is no longer the HTTP
 * server's to answer and close: the response is written and the socket ended here.
 */
export function refuseUpgrade(request: FastifyRequest, reply: FastifyReply, status: number, reason: string, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  reply.hijack();
  request.raw.socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nCache-Control: no-store\r\n${extra}Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

/** Refuses state-changing requests and live upgrades from other sites. */
export function registerOriginCheck(app: FastifyInstance, config: Config): void {
  const publicOrigin = new URL(config.publicUrl).origin;
  app.addHook('onRequest', async (request, reply) => {
    const upgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
    if (!upgrade && SAFE_METHODS.has(request.method)) return;
    if (SERVER_TO_SERVER.test(request.url)) return;
    if (!foreignOrigin(request, publicOrigin)) return;
    request.log.info({ method: request.method, upgrade }, 'request from another origin refused');
    const body = JSON.stringify({ error: { code: 'ORIGIN_REFUSED', message: 'This request must come from this service\'s own pages.' } });
    if (upgrade) {
      refuseUpgrade(request, reply, 403, 'Forbidden', JSON.parse(body));
      return;
    }
    await reply.status(403).type('application/json; charset=utf-8').send(body);
  });
}
