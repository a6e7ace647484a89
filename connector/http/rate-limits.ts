/**
 * Rate limits per client address (@fastify/rate-limit): asking for and opening follow-up
 * sign-in links, opening links and payment pages (what a link guesser does), the live API,
 * and live socket connections. The address is the connection's, or the one a trusted proxy
 * reports (TRUST_PROXY, never "everyone"). Counts are shared by every instance through Redis
 * when it is configured, and kept in this process otherwise; a Redis outage lets requests
 * through rather than refusing them.
 */
import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from '../../config/schema.ts';
import { sendLinkError } from '../sessions/error-page.ts';
import { refuseUpgrade } from './security.ts';

interface Policy {
  name: string;
  /** The paths it counts. */
  match: RegExp;
  perMinute: number;
  /** How a refusal is answered: a page for links, JSON for the API, a raw response for an upgrade. */
  answer: 'page' | 'json' | 'upgrade';
}

/** The policies, in the order they are tried. */
export function ratePolicies(config: Config): Policy[] {
  const l = config.rateLimits;
  return [
    // Before the others: asking for a sign-in link sends an email, opening one guesses a token.
    { name: 'sign-in', match: /^\/(f\/|api\/follow-up\/sign-in(\?|$))/, perMinute: l.signInPerMinute, answer: 'page' },
    { name: 'links', match: /^\/(j|pay)\//, perMinute: l.linksPerMinute, answer: 'page' },
    { name: 'live-api', match: /^\/(api\/live|api\/follow-up|documents)\//, perMinute: l.livePerMinute, answer: 'json' },
    { name: 'sockets', match: /^\/live\//, perMinute: l.socketsPerMinute, answer: 'upgrade' },
  ];
}

/** Registers the limits (before the routes they guard). */
export async function registerRateLimits(app: FastifyInstance, config: Config): Promise<void> {
  let redis: Redis | undefined;
  if (config.redisUrl) {
    // Fails at once while Redis is away (no queue of commands), and the limit is skipped.
    redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1_000 });
    redis.on('error', () => {});
    app.addHook('onClose', async () => { await redis?.quit().catch(() => undefined); });
  }
  // One deployment's counts, whatever else shares the Redis: its instances share PUBLIC_URL.
  const deployment = createHash('sha256').update(config.publicUrl).digest('base64url').slice(0, 12);
  await app.register(rateLimit, {
    global: false,
    skipOnError: true,
    ...(redis ? { redis, nameSpace: `tc:rate:${deployment}:` } : {}),
  });
  const limits = ratePolicies(config).map((policy) => ({
    policy,
    check: app.createRateLimit({
      max: policy.perMinute,
      timeWindow: 60_000,
      keyGenerator: (request: FastifyRequest) => `${policy.name}:${request.ip}`,
    }),
  }));

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url;
    const limit = limits.find((l) => l.policy.match.test(path));
    if (!limit) return;
    const result = await limit.check(request);
    if (result.isAllowed || !result.isExceeded) return;
    const retryAfter = Math.max(1, result.ttlInSeconds);
    request.log.info({ policy: limit.policy.name }, 'rate limited');
    return refuse(limit.policy, request, reply, retryAfter);
  });
}

async function refuse(policy: Policy, request: FastifyRequest, reply: FastifyReply, retryAfter: number): Promise<FastifyReply | undefined> {
  const body = { error: { code: 'RATE_LIMITED', message: `Too many requests from this address; try again in ${retryAfter} s.` } };
  if (policy.answer === 'upgrade' || request.headers.upgrade?.toLowerCase() === 'websocket') {
    refuseUpgrade(request, reply, 429, 'Too Many Requests', body, { 'Retry-After': String(retryAfter) });
    return undefined;
  }
  void reply.header('retry-after', String(retryAfter));
  if (policy.answer === 'page') return sendLinkError(request, reply, 429, 'RATE_LIMITED');
  return reply.status(429).send(body);
}
