/**
 * Loads the configuration from the environment (and an optional `.env` file), checks it,
 * and lists every problem at once. This is the only module that reads `process.env`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { Value } from 'typebox/value';
import { IceServersSchema, SUPPORTED_DOCUMENT_TYPES, type ClinicSettings, type Config, type DocumentsConfig, type DocumentType, type IceServer } from './schema.ts';

export type Env = Record<string, string | undefined>;

/** A bad start: every problem found, each naming the variable and the shape expected. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads the process environment, merged over a `.env` file in `cwd` if one exists. */
export function readEnvironment(cwd = process.cwd()): Env {
  const file = join(cwd, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...process.env };
}

/** The real APIs, used whenever the matching `*_API_URL` is unset. */
export const DEFAULT_API_URLS = {
  sendgrid: 'https://api.sendgrid.com',
  twilio: 'https://api.twilio.com',
  stripe: 'https://api.stripe.com',
} as const;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  /** A trimmed value, or undefined when unset or empty. */
  raw(name: string): string | undefined {
    const v = this.env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.problems.push(`${name}: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return Number(v);
  }

  intList(name: string, fallback: number[], min: number, max: number): number[] {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const parts = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < min || Number(p) > max)) {
      this.problems.push(`${name}: expected comma-separated whole numbers from ${min} to ${max}`);
      return fallback;
    }
    return parts.map(Number);
  }

  url(name: string, fallback?: string, protocols = ['http:', 'https:']): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
      return v.replace(/\/+$/, '');
    } catch {
      this.problems.push(`${name}: expected a URL (${protocols.join(' or ')})`);
      return fallback;
    }
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!(values as readonly string[]).includes(v)) {
      this.problems.push(`${name}: expected one of ${values.join(', ')}`);
      return fallback;
    }
    return v as T;
  }

  /** A secret: never echoed in a problem, only its expected shape. */
  secret(name: string, pattern?: RegExp, shape?: string): string | undefined {
    const v = this.raw(name);
    if (v !== undefined && pattern && !pattern.test(v)) {
      this.problems.push(`${name}: expected ${shape ?? 'a different format'} (value not shown)`);
      return undefined;
    }
    return v;
  }

  /** A group of variables that must be all set or all unset. */
  group(names: string[], optional: string[] = []): boolean {
    const set = names.filter((n) => this.raw(n) !== undefined);
    const extra = optional.filter((n) => this.raw(n) !== undefined);
    if (set.length === 0 && extra.length === 0) return false;
    for (const n of names) if (this.raw(n) === undefined) this.problems.push(`${n}: required when ${[...set, ...extra].join(', ')} ${set.length + extra.length > 1 ? 'are' : 'is'} set`);
    return set.length === names.length;
  }
}

/** Named address ranges that proxy-addr (Fastify's trustProxy) knows. */
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY: which reverse proxies' X-Forwarded-For to believe, said explicitly: addresses,
 * CIDR ranges or named ranges separated by commas, or a number of hops. "Everything" is refused:
 * any client could then choose the address its rate limit is counted on.
 */
function readTrustProxy(r: Reader): false | string[] | number {
  const v = r.raw('TRUST_PROXY');
  if (v === undefined || v === 'off' || v === 'false') return false;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops >= 1 && hops <= 10) return hops;
  }
  const parts = v.split(',').map((p) => p.trim()).filter(Boolean);
  const bad = parts.filter((p) => !PROXY_RANGES.has(p) && !/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)(\/\d{1,3})?$/i.test(p));
  if (parts.length === 0 || bad.length > 0 || parts.some((p) => /^(0\.0\.0\.0|::)\/0$/.test(p))) {
    r.problems.push('TRUST_PROXY: expected the reverse proxies to trust, e.g. 10.0.0.5,10.0.1.0/24 or loopback, or a number of hops from 1 to 10; never every address');
    return false;
  }
  return parts;
}

const MIB = 1024 * 1024;
const S3_REQUIRED = ['S3_BUCKET', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'];

/** Documents: limits in MiB, accepted types, and where the bytes go (the database, or S3 when configured). */
function readDocuments(r: Reader): DocumentsConfig {
  // documents.size_bytes is a 32-bit integer: 2047 MiB is the most one file or a consultation may hold.
  const maxFileBytes = r.int('DOCUMENT_MAX_FILE_MB', 20, 1, 2047) * MIB;
  const maxConsultationBytes = r.int('DOCUMENT_MAX_CONSULTATION_MB', 100, 1, 2047) * MIB;
  if (maxFileBytes > maxConsultationBytes) r.problems.push('DOCUMENT_MAX_FILE_MB: cannot be more than DOCUMENT_MAX_CONSULTATION_MB');

  let contentTypes: DocumentType[] = ['application/pdf', 'image/jpeg', 'image/png', 'image/webp', 'image/heic', 'text/plain'];
  const types = r.raw('DOCUMENT_TYPES');
  if (types !== undefined) {
    const listed = [...new Set(types.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean))];
    const unknown = listed.filter((t) => !(SUPPORTED_DOCUMENT_TYPES as readonly string[]).includes(t));
    if (listed.length === 0 || unknown.length > 0) r.problems.push(`DOCUMENT_TYPES: expected comma-separated types among ${SUPPORTED_DOCUMENT_TYPES.join(', ')}`);
    else contentTypes = listed as DocumentType[];
  }

  const storage = r.oneOf('DOCUMENT_STORAGE', ['database', 's3'] as const, 'database');
  const hasS3 = r.group(S3_REQUIRED, ['S3_ENDPOINT', 'S3_FORCE_PATH_STYLE']);
  if (storage === 's3' && S3_REQUIRED.every((n) => r.raw(n) === undefined)) {
    for (const n of S3_REQUIRED) r.problems.push(`${n}: required with DOCUMENT_STORAGE=s3`);
  }
  const bucket = r.raw('S3_BUCKET');
  if (bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) r.problems.push('S3_BUCKET: expected a bucket name (3 to 63 lower-case letters, digits, dots and hyphens)');
  const region = r.raw('S3_REGION');
  if (region !== undefined && !/^[a-z0-9][a-z0-9-]{0,40}$/.test(region)) r.problems.push('S3_REGION: expected a region such as eu-west-3 or fr-par');
  const endpoint = r.url('S3_ENDPOINT');
  // Compatible services mostly want path-style requests; AWS wants virtual-hosted ones.
  const forcePathStyle = r.oneOf('S3_FORCE_PATH_STYLE', ['true', 'false'] as const, endpoint ? 'true' : 'false') === 'true';
  const accessKeyId = r.secret('S3_ACCESS_KEY_ID');
  const secretAccessKey = r.secret('S3_SECRET_ACCESS_KEY');
  const s3 = hasS3 && bucket && region && accessKeyId && secretAccessKey
    ? { bucket, region, endpoint, forcePathStyle, accessKeyId, secretAccessKey }
    : undefined;

  return {
    maxFileBytes,
    maxConsultationBytes,
    contentTypes,
    storage,
    s3,
    downloadLinkSeconds: r.int('DOCUMENT_DOWNLOAD_LINK_SECONDS', 300, 10, 24 * 3600),
  };
}

/**
 * Words that mark a value copied from an example rather than made for this deployment, as
 * words (not inside a run of letters): a random base64 value holds `todo` or `xxxx` among
 * letters about once in ten thousand draws, and must not be refused for it.
 */
const PLACEHOLDER = /(?<![a-z])(?:change[_ -]?me|placeholder|replace[_ -]?me|your|x{4,}|todo|dummy|example|default)(?![a-z])|<.*>/i;

/**
 * Why a secret looks weak, or null: a placeholder, or too little variety to be random (an
 * estimate from its characters' frequencies, so a value drawn at random from base64 or hex
 * passes, and `aaaa…` or `1234…1234` does not).
 */
export function weakSecret(value: string): string | null {
  const body = value.replace(/^whsec_/, '');
  if (PLACEHOLDER.test(value)) return 'a placeholder';
  // A short pattern repeated (`abcabc…`, `1234567890` four times) is no random value.
  for (let period = 1; period <= body.length / 2; period++) {
    if (body.slice(period) === body.slice(0, body.length - period)) return 'a repeated pattern';
  }
  const counts = new Map<string, number>();
  for (const c of body) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bitsPerChar = 0;
  for (const n of counts.values()) bitsPerChar -= (n / body.length) * Math.log2(n / body.length);
  if (counts.size < 10 || bitsPerChar < 3 || bitsPerChar * body.length < 96) return 'too little randomness';
  return null;
}

/**
 * Embedded mode keeps its link-signing key in the data folder so that links survive a
 * restart without any setup; production sets LINK_SECRET.
 */
function embeddedLinkSecret(dataDir: string): string {
  const file = join(dataDir, 'link-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/**
 * Builds the configuration from `env`. Throws a {@link ConfigError} listing every problem.
 * Tests pass their own `env`; nothing here touches globals.
 */
export function loadConfig(env: Env = readEnvironment()): Config {
  const r = new Reader(env);
  const port = r.int('PORT', 3000, 0, 65535);
  const host = r.string('HOST', '127.0.0.1');
  const publicUrl = r.url('PUBLIC_URL', `http://localhost:${port}`) as string;
  const dataDir = resolve(r.string('DATA_DIR', './data'));
  const databaseUrl = r.url('DATABASE_URL', undefined, ['postgres:', 'postgresql:']);


  const redisUrl = r.url('REDIS_URL', undefined, ['redis:', 'rediss:']);
  const logLevel = r.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info');

  let linkSecret = r.secret('LINK_SECRET', /^.{32,}$/, 'at least 32 characters');
  if (linkSecret === undefined && r.raw('LINK_SECRET') === undefined) {
    if (databaseUrl) r.problems.push('LINK_SECRET: required with DATABASE_URL (at least 32 random characters)');
    else linkSecret = embeddedLinkSecret(dataDir);
  }

  const whsec = /^whsec_[A-Za-z0-9+/=]{16,}$/;
  const hasAgenda = r.group(['AGENDA_API_URL', 'AGENDA_API_TOKEN', 'AGENDA_WEBHOOK_SECRET']);
  const production = hasAgenda || r.raw('NODE_ENV') === 'production';
  const on = (name: string) => r.oneOf(name, ['on', 'off'] as const, 'off') === 'on';
  const demoAgendaOn = on('DEMO_AGENDA');
  const standIns = { demoAgenda: !hasAgenda && (!production || demoAgendaOn), devOutbox: !production || on('DEV_OUTBOX'), sandboxPayments: !production || on('SANDBOX_PAYMENTS') };
  if (hasAgenda && demoAgendaOn) r.problems.push('DEMO_AGENDA: cannot be on with a real agenda (AGENDA_API_URL, AGENDA_API_TOKEN, AGENDA_WEBHOOK_SECRET)');
  if (!hasAgenda && !standIns.demoAgenda) r.problems.push('AGENDA_API_URL, AGENDA_API_TOKEN, AGENDA_WEBHOOK_SECRET: required with NODE_ENV=production (or DEMO_AGENDA=on for a demonstration)');
  const agendaUrl = r.url('AGENDA_API_URL');
  const agendaToken = r.secret('AGENDA_API_TOKEN');
  const agendaSecret = r.secret('AGENDA_WEBHOOK_SECRET', whsec, 'whsec_ followed by base64');
  // The demo agenda is served by this process; its credentials are derived from the link
  // secret (an HMAC, which reveals nothing of it), stable across restarts and never a real hub's.
  const derived = (purpose: string) => createHmac('sha256', linkSecret ?? '').update(`demo-agenda:v1:${purpose}`).digest();
  const agenda = hasAgenda && agendaUrl && agendaToken && agendaSecret
    ? { apiUrl: agendaUrl, apiToken: agendaToken, webhookSecret: agendaSecret, demo: false }
    : {
        apiUrl: `${publicUrl}/demo/api`,
        apiToken: `demo_${derived('token').toString('base64url')}`,
        webhookSecret: `whsec_${derived('webhook').toString('base64')}`,
        demo: true,
      };
  const operatorToken = r.secret('OPERATOR_TOKEN', /^.{32,}$/, 'at least 32 characters');
  if (production && standIns.devOutbox && r.raw('OPERATOR_TOKEN') === undefined) {
    r.problems.push('OPERATOR_TOKEN: required with DEV_OUTBOX=on in production (the outbox holds real recipients)');
  }

  const hasJitsi = r.group(['JITSI_DOMAIN', 'JITSI_APP_ID', 'JITSI_APP_SECRET'], ['JITSI_AUDIENCE', 'JITSI_EVENTS_TOKEN']);
  const jitsiDomain = r.raw('JITSI_DOMAIN');
  if (jitsiDomain && !/^[a-z0-9.-]+(:\d+)?$/i.test(jitsiDomain)) r.problems.push('JITSI_DOMAIN: expected a host name such as meet.example.org');
  const jitsiSecret = r.secret('JITSI_APP_SECRET', /^.{32,}$/, 'at least 32 characters');
  const jitsi = hasJitsi && jitsiDomain && jitsiSecret
    ? {
        domain: jitsiDomain,
        appId: r.string('JITSI_APP_ID', ''),
        appSecret: jitsiSecret,
        audience: r.string('JITSI_AUDIENCE', r.string('JITSI_APP_ID', '')),
        eventsToken: r.secret('JITSI_EVENTS_TOKEN', /^.{24,}$/, 'at least 24 characters'),
      }
    : undefined;

  let iceServers: IceServer[] = [];
  const ice = r.raw('ICE_SERVERS');
  if (ice !== undefined) {
    try {
      const parsed: unknown = JSON.parse(ice);
      if (Value.Check(IceServersSchema, parsed)) iceServers = parsed;
      else r.problems.push('ICE_SERVERS: expected a JSON array of {urls, username?, credential?}');
    } catch {
      r.problems.push('ICE_SERVERS: expected JSON');
    }
  }

  const mailFrom = r.string('MAIL_FROM', 'teleconsultation@localhost');
  if (!/^[^@\s]+@[^@\s]+$/.test(mailFrom)) r.problems.push('MAIL_FROM: expected an email address');
  const sendgridKey = r.secret('SENDGRID_API_KEY');
  const sendgrid = sendgridKey
    ? {
        apiKey: sendgridKey,
        apiUrl: r.url('SENDGRID_API_URL', DEFAULT_API_URLS.sendgrid) as string,
        webhookPublicKey: r.secret('SENDGRID_WEBHOOK_PUBLIC_KEY'),
      }
    : undefined;
  if (sendgridKey && r.raw('MAIL_FROM') === undefined) r.problems.push('MAIL_FROM: required with SENDGRID_API_KEY');

  const hasTwilio = r.group(['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'], ['TWILIO_FROM', 'TWILIO_MESSAGING_SERVICE_SID']);
  const twilioSid = r.secret('TWILIO_ACCOUNT_SID', /^AC[0-9a-fA-F]{32}$/, 'AC followed by 32 hex digits');
  const twilioToken = r.secret('TWILIO_AUTH_TOKEN');
  const twilioFrom = r.raw('TWILIO_FROM');
  const twilioService = r.raw('TWILIO_MESSAGING_SERVICE_SID');
  if (hasTwilio && !twilioFrom && !twilioService) r.problems.push('TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID: one is required with TWILIO_ACCOUNT_SID');
  if (twilioFrom && !/^(\+[1-9]\d{6,14}|[A-Za-z0-9 ]{1,11})$/.test(twilioFrom)) r.problems.push('TWILIO_FROM: expected an E.164 number or an alphanumeric sender of at most 11 characters');
  const twilio = hasTwilio && twilioSid && twilioToken
    ? { accountSid: twilioSid, authToken: twilioToken, from: twilioFrom, messagingServiceSid: twilioService, apiUrl: r.url('TWILIO_API_URL', DEFAULT_API_URLS.twilio) as string }
    : undefined;

  const hasStripe = r.group(['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']);
  const stripeKey = r.secret('STRIPE_SECRET_KEY', /^(sk|rk)_(test|live)_\w+$/, 'sk_test_…, sk_live_… or a restricted rk_ key');
  const stripeWh = r.secret('STRIPE_WEBHOOK_SECRET', /^whsec_\w+$/, 'whsec_…');
  const stripe = hasStripe && stripeKey && stripeWh
    ? {
        secretKey: stripeKey,
        webhookSecret: stripeWh,
        connectWebhookSecret: r.secret('STRIPE_CONNECT_WEBHOOK_SECRET', /^whsec_\w+$/, 'whsec_…'),
        apiUrl: r.url('STRIPE_API_URL', DEFAULT_API_URLS.stripe) as string,
      }
    : undefined;

  const currency = r.string('DEFAULT_CURRENCY', 'EUR').toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) r.problems.push('DEFAULT_CURRENCY: expected a 3-letter ISO 4217 code');
  const clinicDefaults: ClinicSettings = {
    reminderOffsetsMinutes: r.intList('DEFAULT_REMINDER_OFFSETS_MINUTES', [1440], 1, 60 * 24 * 30),
    invitationMinutesBefore: r.int('DEFAULT_INVITATION_MINUTES_BEFORE', 15, 0, 24 * 60),
    invoicePresetsCents: r.intList('DEFAULT_INVOICE_PRESETS_CENTS', [2500, 3000, 5000], 1, 10_000_000),
    invoiceMaxCents: r.int('DEFAULT_INVOICE_MAX_CENTS', 50_000, 1, 10_000_000),
    currency,
    paymentReminderMinutes: r.int('DEFAULT_PAYMENT_REMINDER_MINUTES', 1440, 1, 60 * 24 * 30),
    senderName: r.string('DEFAULT_SENDER_NAME', 'Téléconsultation'),
    retentionDays: r.int('DEFAULT_RETENTION_DAYS', 90, 1, 3650),
  };

  if (production) {
    // Values chosen by the operator (provider API keys are issued by the providers).
    const chosen = ['LINK_SECRET', 'JITSI_APP_SECRET', 'JITSI_EVENTS_TOKEN', 'AGENDA_WEBHOOK_SECRET', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_CONNECT_WEBHOOK_SECRET', 'OPERATOR_TOKEN'];
    for (const name of chosen) {
      const value = r.raw(name);
      const weak = value === undefined ? null : weakSecret(value);
      if (weak) r.problems.push(`${name}: looks like ${weak} (value not shown); in production use a random value, e.g. openssl rand -base64 32`);
    }
  }

  const frameAncestors = (r.raw('FRAME_ANCESTORS') ?? '').split(/[\s,]+/).filter(Boolean);
  for (const origin of frameAncestors) {
    let ok = false;
    try { ok = new URL(origin).origin === origin && /^https?:$/.test(new URL(origin).protocol); } catch { ok = false; }
    if (!ok) r.problems.push(`FRAME_ANCESTORS: expected origins such as https://agenda.example.org, separated by spaces (got ${JSON.stringify(origin.slice(0, 80))})`);
  }

  const config: Config = {
    frameAncestors,
    trustProxy: readTrustProxy(r),
    rateLimits: {
      linksPerMinute: r.int('RATE_LIMIT_LINKS_PER_MINUTE', 60, 1, 1_000_000),
      livePerMinute: r.int('RATE_LIMIT_LIVE_PER_MINUTE', 300, 1, 1_000_000),
      socketsPerMinute: r.int('RATE_LIMIT_SOCKETS_PER_MINUTE', 60, 1, 1_000_000),
      signInPerMinute: r.int('RATE_LIMIT_SIGN_IN_PER_MINUTE', 10, 1, 1_000_000),
    },
    production,
    standIns: { ...standIns, demoAgenda: agenda.demo },
    operatorToken,
    port,
    host,
    publicUrl,
    dataDir,
    databaseUrl,

    redisUrl,
    logLevel,
    linkSecret: linkSecret ?? '',
    linkGraceHours: r.int('LINK_GRACE_HOURS', 24, 1, 24 * 30),
    followUp: {
      signInLinkMinutes: r.int('SIGN_IN_LINK_MINUTES', 15, 1, 24 * 60),
      sessionHours: r.int('FOLLOW_UP_SESSION_HOURS', 12, 1, 24 * 30),
    },
    rejoinGraceSeconds: r.int('LIVE_REJOIN_GRACE_SECONDS', 300, 0, 24 * 3600),
    agenda,
    reconcileEveryMinutes: r.int('AGENDA_RECONCILE_EVERY_MINUTES', 10, 0, 24 * 60),
    agendaTimeoutMs: r.int('AGENDA_TIMEOUT_MS', 10_000, 100, 120_000),
    jitsi,
    iceServers,
    mailFrom,
    sendgrid,
    twilio,
    stripe,
    clinicDefaults,
    documents: readDocuments(r),
    workers: r.oneOf('WORKERS', ['on', 'off'] as const, 'on') === 'on',
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}
