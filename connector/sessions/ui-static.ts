/**
 * Serves the built Angular UI (`npm run build:ui` → dist/ui/browser) under `/app/`, where
 * links lead. Deep links (`/app/panel/…`) get index.html, never cached so that a new build
 * shows at the next visit; hashed bundles are cached for good.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { ErrorBody } from '#protocol/errors';
import type { Services } from '../services.ts';

/** Where `ng build` puts the browser bundle. */
export const UI_ROOT = join(import.meta.dirname, '..', '..', 'dist', 'ui', 'browser');
/** Angular's hashed output names, e.g. `chunk-7SLVAHIK.js`, `main-ABCD1234.js`. */
const HASHED = /-[A-Z0-9]{8}\.(js|css|mjs)$/;

/** Registers the UI under `/app/` when it is built; logs a warning otherwise. */
export async function uiRoutes(app: FastifyInstance, services: Services, root = UI_ROOT): Promise<void> {
  if (!existsSync(join(root, 'index.html'))) {
    services.log.warn({ root }, 'the UI is not built (run "npm run build:ui"): /app/ pages are unavailable');
    return;
  }
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: true,
      index: false,
      cacheControl: false,
      schemaHide: true,
      setHeaders(reply, path) {
        let policy = 'no-cache';
        if (HASHED.test(path)) policy = 'public, max-age=31536000, immutable';
        else if (path.endsWith('index.html')) policy = 'no-store';
        void reply.header('Cache-Control', policy);
      },
    });
    // `/app` and `/app/` (a directory is not listed).
    scope.get('/', { schema: { hide: true } }, async (_request, reply) => reply.sendFile('index.html'));
    scope.setNotFoundHandler(async (request, reply) => {
      const last = (request.url.split('?')[0] ?? '').split('/').at(-1) ?? '';
      // A missing file is a 404; anything else is a page of the app, routed in the browser.
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'No such route.' } } satisfies ErrorBody);
      }
      if (last.includes('.')) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'No such file.' } } satisfies ErrorBody);
      return reply.sendFile('index.html');
    });
  }, { prefix: '/app' });
}
