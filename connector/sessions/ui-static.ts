/**
 * Serves the built Angular UI (`npm run build:ui`) under `/app/`, where links lead. Two
 * entries: the patient's light one (dist/ui/patient/browser) under `/app/patient/`, and the
 * practitioner's app (dist/ui/browser) for every other address under `/app/`. Deep links
 * (`/app/panel/…`, `/app/patient/<id>`) get their entry's index.html, never cached so that a
 * new build shows at the next visit; hashed bundles are cached for good.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { ErrorBody } from '#protocol/errors';
import type { Services } from '../services.ts';

/** Where `ng build` puts each entry's browser bundle. */
export interface UiRoots {
  /** The practitioner's app (and the not-found page of unknown addresses). */
  readonly panel: string;
  /** The patient's entry, served under `/app/patient/`. */
  readonly patient: string;
}

const DIST = join(import.meta.dirname, '..', '..', 'dist', 'ui');
/** The output of `ng build` (angular.json: targets `panel` and `patient`). */
export const UI_ROOTS: UiRoots = { panel: join(DIST, 'browser'), patient: join(DIST, 'patient', 'browser') };
/** Where the practitioner's app is built. */
export const UI_ROOT = UI_ROOTS.panel;
/** Angular's hashed output names, e.g. `chunk-7SLVAHIK.js`, `main-ABCD1234.js`. */
const HASHED = /-[A-Z0-9]{8}\.(js|css|mjs)$/;

/** Registers the UI under `/app/` when it is built; logs a warning otherwise. */
export async function uiRoutes(app: FastifyInstance, services: Services, roots: UiRoots = UI_ROOTS): Promise<void> {
  if (!existsSync(join(roots.panel, 'index.html'))) {
    services.log.warn({ root: roots.panel }, 'the UI is not built (run "npm run build:ui"): /app/ pages are unavailable');
    return;
  }
  if (existsSync(join(roots.patient, 'index.html'))) {
    // Registered first and more specific: find-my-way and the 404 handlers pick the longest prefix.
    await app.register(async (scope) => serveEntry(scope, roots.patient), { prefix: '/app/patient' });
  } else {
    services.log.warn({ root: roots.patient }, 'the patient entry of the UI is not built (run "npm run build:ui"): /app/patient/ pages are unavailable');
  }
  await app.register(async (scope) => serveEntry(scope, roots.panel), { prefix: '/app' });
}

/** One entry under the scope's prefix: its files, and its index.html for every page address. */
async function serveEntry(scope: FastifyInstance, root: string): Promise<void> {
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
  // The entry's root with and without its slash (a directory is not listed).
  scope.get('/', { schema: { hide: true } }, async (_request, reply) => reply.sendFile('index.html'));
  scope.setNotFoundHandler(async (request, reply) => {
    const last = (request.url.split('?')[0] ?? '').split('/').at(-1) ?? '';
    // A missing file is a 404; anything else is a page of the entry, routed in the browser.
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'No such route.' } } satisfies ErrorBody);
    }
    if (last.includes('.')) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'No such file.' } } satisfies ErrorBody);
    return reply.sendFile('index.html');
  });
}
