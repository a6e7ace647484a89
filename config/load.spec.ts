import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load.ts';

const base = () => ({ DATA_DIR: mkdtempSync(join(tmpdir(), 'tc-config-')), LINK_SECRET: 'q7Hc2LmP9xV4tR8nW1yK6bZ3sD5fG0jA-e' });

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('starts on the embedded defaults with nothing set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-config-'));
    const c = loadConfig({ DATA_DIR: dir });
    expect(c.port).toBe(3000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.agenda.demo).toBeTrue();
    expect(c.jitsi).toBeUndefined();
    expect(c.sendgrid).toBeUndefined();
    expect(c.twilio).toBeUndefined();
    expect(c.stripe).toBeUndefined();
    expect(c.clinicDefaults.invitationMinutesBefore).toBe(15);
    // The embedded link key is created once, private, and kept across restarts.
    expect(c.linkSecret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, 'link-secret')).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: dir }).linkSecret).toBe(c.linkSecret);
    expect(readFileSync(join(dir, 'link-secret'), 'utf8')).toBe(c.linkSecret);
  });

  it('trusts only the proxies it is told, never every address', () => {
    expect(loadConfig(base()).trustProxy).toBeFalse();
    expect(loadConfig({ ...base(), TRUST_PROXY: '10.0.0.5, 10.0.1.0/24,loopback' }).trustProxy).toEqual(['10.0.0.5', '10.0.1.0/24', 'loopback']);
    expect(loadConfig({ ...base(), TRUST_PROXY: '2' }).trustProxy).toBe(2);
    for (const everything of ['true', '*', '0.0.0.0/0', '::/0', 'all']) {
      expect(problemsOf({ ...base(), TRUST_PROXY: everything }).join()).withContext(everything).toContain('TRUST_PROXY');
    }
  });

  it('lists every problem at once, naming each variable, never echoing a secret', () => {
    const problems = problemsOf({
      ...base(),
      PORT: 'eighty',
      PUBLIC_URL: 'not a url',
      DATABASE_URL: 'mysql://x',
      AGENDA_API_URL: 'https://hub.example.org',
      AGENDA_WEBHOOK_SECRET: 'topsecret-value',
      TWILIO_ACCOUNT_SID: 'AC123',
      STRIPE_SECRET_KEY: 'pk_live_oops',
      ICE_SERVERS: '[{"url": "stun:x"}]',
    });
    const names = problems.map((p) => p.split(':')[0]);
    for (const n of ['PORT', 'PUBLIC_URL', 'DATABASE_URL', 'AGENDA_API_TOKEN', 'AGENDA_WEBHOOK_SECRET', 'TWILIO_AUTH_TOKEN', 'TWILIO_ACCOUNT_SID', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'ICE_SERVERS']) {
      expect(names).toContain(n);
    }
    const text = problems.join('\n');
    expect(text).not.toContain('topsecret-value');
    expect(text).not.toContain('pk_live_oops');
    expect(text).not.toContain('AC123');
  });

  it('requires LINK_SECRET with PostgreSQL, where instances must share it', () => {
    expect(problemsOf({ DATA_DIR: base().DATA_DIR, DATABASE_URL: 'postgresql://postgres@127.0.0.1/test' }).some((p) => p.startsWith('LINK_SECRET'))).toBeTrue();
  });

  it('uses the real provider APIs unless *_API_URL points elsewhere', () => {
    const c = loadConfig({ ...base(), SENDGRID_API_KEY: 'SG.x', MAIL_FROM: 'cabinet@example.org', STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_WEBHOOK_SECRET: 'whsec_1' });
    expect(c.sendgrid?.apiUrl).toBe('https://api.sendgrid.com');
    expect(c.stripe?.apiUrl).toBe('https://api.stripe.com');
    const d = loadConfig({ ...base(), SENDGRID_API_KEY: 'SG.x', MAIL_FROM: 'cabinet@example.org', SENDGRID_API_URL: 'http://127.0.0.1:9999/' });
    expect(d.sendgrid?.apiUrl).toBe('http://127.0.0.1:9999');
  });

  it('configures a real agenda only when its three variables are set, and then never the demo', () => {
    const c = loadConfig({ ...base(), AGENDA_API_URL: 'https://hub.example.org/v1', AGENDA_API_TOKEN: 't', AGENDA_WEBHOOK_SECRET: `whsec_${Buffer.from('0123456789abcdef0123').toString('base64')}` });
    expect(c.agenda.demo).toBeFalse();
    expect(c.agenda.apiUrl).toBe('https://hub.example.org/v1');
  });

  it('reads clinic defaults', () => {
    const c = loadConfig({ ...base(), DEFAULT_REMINDER_OFFSETS_MINUTES: '2880, 120', DEFAULT_INVITATION_MINUTES_BEFORE: '10', DEFAULT_CURRENCY: 'eur' });
    expect(c.clinicDefaults.reminderOffsetsMinutes).toEqual([2880, 120]);
    expect(c.clinicDefaults.invitationMinutesBefore).toBe(10);
    expect(c.clinicDefaults.currency).toBe('EUR');
    expect(problemsOf({ ...base(), DEFAULT_REMINDER_OFFSETS_MINUTES: '24h' })[0]).toMatch(/^DEFAULT_REMINDER_OFFSETS_MINUTES/);
  });
});

describe('documents configuration', () => {
  const s3 = { S3_BUCKET: 'teleconsult-docs', S3_REGION: 'eu-west-3', S3_ACCESS_KEY_ID: 'AKIAEXAMPLE', S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI-secret-value' };

  it('keeps documents in the database by default, 20 MiB a file, 100 MiB a consultation, the usual types', () => {
    const d = loadConfig(base()).documents;
    expect(d.storage).toBe('database');
    expect(d.s3).toBeUndefined();
    expect(d.maxFileBytes).toBe(20 * 1024 * 1024);
    expect(d.maxConsultationBytes).toBe(100 * 1024 * 1024);
    expect(d.contentTypes).toEqual(['application/pdf', 'image/jpeg', 'image/png', 'image/webp', 'image/heic', 'text/plain']);
    expect(d.downloadLinkSeconds).toBe(300);
  });

  it('reads limits, types and S3 settings', () => {
    const d = loadConfig({
      ...base(), ...s3, DOCUMENT_STORAGE: 's3', DOCUMENT_MAX_FILE_MB: '5', DOCUMENT_MAX_CONSULTATION_MB: '50',
      DOCUMENT_TYPES: 'application/pdf, IMAGE/PNG,application/pdf', S3_ENDPOINT: 'https://s3.fr-par.scw.cloud/', DOCUMENT_DOWNLOAD_LINK_SECONDS: '60',
    }).documents;
    expect(d.maxFileBytes).toBe(5 * 1024 * 1024);
    expect(d.maxConsultationBytes).toBe(50 * 1024 * 1024);
    expect(d.contentTypes).toEqual(['application/pdf', 'image/png']);
    expect(d.downloadLinkSeconds).toBe(60);
    expect(d.storage).toBe('s3');
    expect(d.s3).toEqual({ bucket: 'teleconsult-docs', region: 'eu-west-3', endpoint: 'https://s3.fr-par.scw.cloud', forcePathStyle: true, accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI-secret-value' });
    // AWS itself: virtual-hosted requests unless told otherwise.
    expect(loadConfig({ ...base(), ...s3 }).documents.s3?.forcePathStyle).toBeFalse();
    expect(loadConfig({ ...base(), ...s3, S3_ENDPOINT: 'http://127.0.0.1:9000', S3_FORCE_PATH_STYLE: 'false' }).documents.s3?.forcePathStyle).toBeFalse();
  });

  it('lists every documents problem at once, never echoing the S3 secret', () => {
    const problems = problemsOf({
      ...base(), DOCUMENT_MAX_FILE_MB: 'twenty', DOCUMENT_MAX_CONSULTATION_MB: '0', DOCUMENT_TYPES: 'application/pdf,text/html',
      DOCUMENT_STORAGE: 'ftp', S3_BUCKET: 'Bad_Bucket', S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI-secret-value', S3_FORCE_PATH_STYLE: 'yes', S3_ENDPOINT: 'ftp://x',
    });
    const names = problems.map((p) => p.split(':')[0]);
    for (const n of ['DOCUMENT_MAX_FILE_MB', 'DOCUMENT_MAX_CONSULTATION_MB', 'DOCUMENT_TYPES', 'DOCUMENT_STORAGE', 'S3_BUCKET', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_FORCE_PATH_STYLE', 'S3_ENDPOINT']) {
      expect(names).withContext(n).toContain(n);
    }
    expect(problems.join('\n')).not.toContain('wJalrXUtnFEMI');
  });

  it('needs the S3 settings with DOCUMENT_STORAGE=s3, and a per-file limit within the quota', () => {
    const problems = problemsOf({ ...base(), DOCUMENT_STORAGE: 's3' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['S3_ACCESS_KEY_ID', 'S3_BUCKET', 'S3_REGION', 'S3_SECRET_ACCESS_KEY']);
    expect(problemsOf({ ...base(), DOCUMENT_MAX_FILE_MB: '200', DOCUMENT_MAX_CONSULTATION_MB: '100' })).toEqual(['DOCUMENT_MAX_FILE_MB: cannot be more than DOCUMENT_MAX_CONSULTATION_MB']);
  });
});

describe('configuration boundary', () => {
  it('is the only reader of process.env in the service code', async () => {
    const { readdirSync, statSync: stat } = await import('node:fs');
    const root = join(import.meta.dirname, '..');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (stat(p).isDirectory()) walk(p);
        else if (/\.ts$/.test(name) && !name.endsWith('.spec.ts') && readFileSync(p, 'utf8').includes('process.env')) offenders.push(p.slice(root.length + 1));
      }
    };
    for (const d of ['connector', 'meet']) walk(join(root, d));
    expect(offenders).toEqual([]);
  });

  it('documents every variable it reads in .env.example', () => {
    const root = join(import.meta.dirname, '..');
    const source = readFileSync(join(root, 'config', 'load.ts'), 'utf8');
    const read = new Set([...source.matchAll(/'([A-Z][A-Z0-9_]{2,})'/g)].map((m) => m[1]!).filter((n) => !['CONFIG_INVALID', 'EUR'].includes(n)));
    const example = readFileSync(join(root, 'config', '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
    expect([...read].filter((n) => !documented.has(n))).toEqual([]);
  });
});

describe('production mode', () => {
  const random = (n = 32) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 73 + 41) % 256)).toString('base64url');
  const agenda = () => ({
    AGENDA_API_URL: 'https://hub.example.org/api', AGENDA_API_TOKEN: 'agenda-token', AGENDA_WEBHOOK_SECRET: `whsec_${Buffer.from(random(24)).toString('base64')}`,
  });

  it('turns every stand-in off once a real agenda is connected, unless each is switched on by name', () => {
    const c = loadConfig({ ...base(), LINK_SECRET: random(), ...agenda() });
    expect(c.production).toBeTrue();
    expect(c.standIns).toEqual({ demoAgenda: false, devOutbox: false, sandboxPayments: false });
    const on = loadConfig({ ...base(), LINK_SECRET: random(), ...agenda(), DEV_OUTBOX: 'on', OPERATOR_TOKEN: random(), SANDBOX_PAYMENTS: 'on' });
    expect(on.standIns).toEqual({ demoAgenda: false, devOutbox: true, sandboxPayments: true });
    expect(on.operatorToken).toBeDefined();
  });

  it('keeps them on for a first run, and needs the demo agenda named with NODE_ENV=production', () => {
    expect(loadConfig(base()).standIns).toEqual({ demoAgenda: true, devOutbox: true, sandboxPayments: true });
    expect(loadConfig(base()).production).toBeFalse();
    expect(problemsOf({ ...base(), LINK_SECRET: random(), NODE_ENV: 'production' }).join('\n')).toContain('AGENDA_API_URL, AGENDA_API_TOKEN, AGENDA_WEBHOOK_SECRET: required with NODE_ENV=production');
    const demo = loadConfig({ ...base(), LINK_SECRET: random(), NODE_ENV: 'production', DEMO_AGENDA: 'on' });
    expect(demo.standIns.demoAgenda).toBeTrue();
    expect(demo.standIns.devOutbox).toBeFalse();
    expect(problemsOf({ ...base(), LINK_SECRET: random(), ...agenda(), DEMO_AGENDA: 'on' }).join('\n')).toContain('DEMO_AGENDA: cannot be on with a real agenda');
  });

  it('needs an operator credential for the outbox in production', () => {
    expect(problemsOf({ ...base(), LINK_SECRET: random(), ...agenda(), DEV_OUTBOX: 'on' }).join('\n')).toContain('OPERATOR_TOKEN: required with DEV_OUTBOX=on');
  });

  it('refuses placeholder and low-entropy secrets in production, listing every one, never echoing them', () => {
    const env = {
      ...base(), ...agenda(),
      LINK_SECRET: 'CHANGE_ME_to_a_long_random_link_secret_value',
      AGENDA_WEBHOOK_SECRET: `whsec_${Buffer.from('a'.repeat(32)).toString('base64')}`,
      JITSI_DOMAIN: 'meet.example.org', JITSI_APP_ID: 'teleconsult', JITSI_APP_SECRET: '1234567890123456789012345678901234567890', JITSI_EVENTS_TOKEN: 'CHANGE_ME_events_token_0000',
    };
    const problems = problemsOf(env);
    for (const name of ['LINK_SECRET', 'AGENDA_WEBHOOK_SECRET', 'JITSI_APP_SECRET', 'JITSI_EVENTS_TOKEN']) {
      expect(problems.some((p) => p.startsWith(`${name}:`))).withContext(name).toBeTrue();
    }
    for (const value of [env.LINK_SECRET, env.JITSI_APP_SECRET, env.JITSI_EVENTS_TOKEN]) expect(problems.join('\n')).not.toContain(value);
    // The same values are accepted for a first run on a laptop.
    expect(problemsOf({ ...base(), LINK_SECRET: env.LINK_SECRET })).toEqual([]);
    // Random values pass, even with a placeholder's letters among others.
    expect(problemsOf({ ...base(), ...agenda(), AGENDA_WEBHOOK_SECRET: 'whsec_Hq7TodoPz2mXxxxKv9LwN3sR5tY8uB1cD4eF6gJ0=' })).toEqual([]);
    expect(problemsOf({ ...base(), ...agenda(), AGENDA_WEBHOOK_SECRET: 'whsec_Hq7+todo/Pz2mKv9LwN3sR5tY8uB1cD4eF6gJ0=' }).some((p) => p.startsWith('AGENDA_WEBHOOK_SECRET:'))).toBeTrue();
    expect(problemsOf({ ...base(), ...agenda(), LINK_SECRET: random(), JITSI_DOMAIN: 'meet.example.org', JITSI_APP_ID: 'teleconsult', JITSI_APP_SECRET: random(), JITSI_EVENTS_TOKEN: random() })).toEqual([]);
  });

  it('derives the demo agenda\'s credentials with an HMAC, so they reveal nothing of the link secret', () => {
    const secret = random();
    const c = loadConfig({ ...base(), LINK_SECRET: secret });
    expect(c.agenda.demo).toBeTrue();
    const token = c.agenda.apiToken.replace(/^demo_/, '');
    expect(Buffer.from(token, 'base64url').toString('latin1')).not.toContain(secret.slice(0, 8));
    expect(Buffer.from(c.agenda.webhookSecret.replace(/^whsec_/, ''), 'base64').toString('latin1')).not.toContain(secret.slice(0, 8));
    expect(loadConfig({ ...base(), LINK_SECRET: secret }).agenda.apiToken).toBe(c.agenda.apiToken);
    expect(loadConfig({ ...base(), LINK_SECRET: random(40) }).agenda.apiToken).not.toBe(c.agenda.apiToken);
  });
});
