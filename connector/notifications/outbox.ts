/**
 * The dev outbox: the email and/or SMS "provider" used when SendGrid or Twilio is not
 * configured (each channel on its own). Nothing leaves the machine: each message is stored,
 * printed to the log in one line (kind, channel, teleconsultation, links; never the
 * recipient or the body), and shown at `/dev/outbox` (HTML) and `/dev/outbox.json`.
 * Those routes exist only while at least one channel is on the outbox.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { messages, outbox, type MessageChannel } from '../db/schema/index.ts';
import { escapeHtml, htmlPage } from '../http/html-page.ts';
import type { EmailProvider, SmsProvider } from './providers/types.ts';

export const OUTBOX_PROVIDER = 'outbox';
export const OUTBOX_TITLE = "Boîte d'envoi de développement — aucun message n'est réellement envoyé";
const PAGE_LIMIT = 500;

/** The http(s) links in a text, in order, without duplicates. */
export function linksIn(text: string): string[] {
  return [...new Set(text.match(/https?:\/\/[^\s<>"')\]]+/g) ?? [])];
}

async function store(db: Db, log: Logger, channel: MessageChannel, entry: { messageRef: string; recipient: string; subject: string | null; text: string; html: string | null }): Promise<{ providerId: string }> {
  const links = linksIn(entry.text);
  const [row] = await db.insert(outbox).values({ messageId: entry.messageRef, channel, recipient: entry.recipient, subject: entry.subject, text: entry.text, html: entry.html, links }).returning({ id: outbox.id });
  const [m] = await db.select({ kind: messages.kind, teleconsultationId: messages.teleconsultationId }).from(messages).where(eq(messages.id, entry.messageRef));
  log.info({ devOutbox: true, kind: m?.kind, channel, teleconsultationId: m?.teleconsultationId, messageId: entry.messageRef, links: links.length }, `dev outbox: ${m?.kind ?? 'message'} by ${channel}, not sent (see /dev/outbox)`);
  return { providerId: row!.id };
}

/** The outbox as an email provider. */
export function outboxEmailProvider(db: Db, log: Logger): EmailProvider {
  return {
    name: OUTBOX_PROVIDER,
    sendEmail: (m) => store(db, log, 'email', { messageRef: m.messageRef, recipient: m.to, subject: m.subject, text: m.text, html: m.html }),
  };
}

/** The outbox as an SMS provider. */
export function outboxSmsProvider(db: Db, log: Logger): SmsProvider {
  return {
    name: OUTBOX_PROVIDER,
    sendSms: (m) => store(db, log, 'sms', { messageRef: m.messageRef, recipient: m.to, subject: null, text: m.body, html: null }),
  };
}

/** One outbox entry as the page and the JSON show it. */
export interface OutboxEntry {
  id: string;
  messageId: string;
  teleconsultationId: string | null;
  kind: string | null;
  status: string | null;
  fallbackOf: string | null;
  channel: MessageChannel;
  recipient: string;
  subject: string | null;
  text: string;
  html: string | null;
  links: string[];
  createdAt: string;
}

/** The newest outbox entries first. */
export async function outboxEntries(db: Db, limit = PAGE_LIMIT): Promise<OutboxEntry[]> {
  const rows = await db.select({ o: outbox, kind: messages.kind, status: messages.status, teleconsultationId: messages.teleconsultationId, fallbackOf: messages.fallbackOf })
    .from(outbox).leftJoin(messages, eq(messages.id, outbox.messageId))
    .orderBy(desc(outbox.createdAt), desc(outbox.id)).limit(limit);
  return rows.map((r) => ({
    id: r.o.id,
    messageId: r.o.messageId,
    teleconsultationId: r.teleconsultationId,
    kind: r.kind,
    status: r.status,
    fallbackOf: r.fallbackOf,
    channel: r.o.channel,
    recipient: r.o.recipient,
    subject: r.o.subject,
    text: r.o.text,
    html: r.o.html,
    links: r.o.links,
    createdAt: r.o.createdAt.toISOString(),
  }));
}

/** The HTML page of the outbox. */
export function outboxPage(entries: OutboxEntry[], channels: { email: boolean; sms: boolean }): string {
  const onOutbox = [channels.email ? 'emails' : '', channels.sms ? 'SMS' : ''].filter(Boolean).join(' et ');
  const items = entries.map((e) => `
  <article class="${e.channel}">
    <header><strong>${escapeHtml(e.channel === 'sms' ? 'SMS' : 'Email')}</strong> · ${escapeHtml(e.kind ?? '?')}${e.fallbackOf ? ' · <em>envoi de secours (SMS refusé)</em>' : ''}
      · à ${escapeHtml(e.recipient)} · <time>${escapeHtml(e.createdAt)}</time> · téléconsultation ${escapeHtml(e.teleconsultationId ?? '?')}</header>
    ${e.subject ? `<h2>${escapeHtml(e.subject)}</h2>` : ''}
    <pre>${escapeHtml(e.text)}</pre>
    ${e.links.length ? `<ul>${e.links.map((l) => `<li><a href="${escapeHtml(l)}">${escapeHtml(l)}</a></li>`).join('')}</ul>` : ''}
    ${e.html ? `<details><summary>Version HTML</summary><iframe sandbox="" title="email" srcdoc="${escapeHtml(e.html)}"></iframe></details>` : ''}
  </article>`).join('\n');
  const css = 'body{color:#1d2430}.banner{border-width:2px}article{border:1px solid #ccd;border-radius:.5rem;margin:1rem 0;padding:.5rem 1rem}'
    + 'article.sms{border-left:6px solid #2a7}article.email{border-left:6px solid #27c}'
    + 'pre{white-space:pre-wrap;background:#f6f7f9;padding:.5rem}iframe{width:100%;height:30rem;border:1px solid #ccd}';
  return htmlPage({ lang: 'fr', title: OUTBOX_TITLE, width: '60rem', css, body: `<h1 class="banner">${escapeHtml(OUTBOX_TITLE)}</h1>
<p>Les ${escapeHtml(onOutbox)} sont conservés ici car aucun fournisseur n'est configuré pour ce canal. ${entries.length} message(s), les plus récents d'abord. Aussi en JSON : <a href="/dev/outbox.json">/dev/outbox.json</a>.</p>
${items || '<p>Aucun message pour le moment.</p>'}` });
}

/**
 * Registers `/dev/outbox` and `/dev/outbox.json` (call only when a channel is on the outbox).
 * In production (a real agenda, or NODE_ENV=production) the outbox holds real recipients: it
 * then answers only with the operator's credential (`Authorization: Bearer <OPERATOR_TOKEN>`),
 * whatever the address the request comes from; otherwise 404, as if it did not exist.
 */
export async function devOutboxRoutes(app: FastifyInstance, db: Db, channels: { email: boolean; sms: boolean }, opts: { operatorToken: string | undefined }): Promise<void> {
  const expected = opts.operatorToken === undefined ? undefined : createHash('sha256').update(opts.operatorToken).digest();
  app.addHook('onRequest', async (request, reply) => {
    if (!expected) return;
    const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const ok = given !== undefined && timingSafeEqual(createHash('sha256').update(given).digest(), expected);
    if (!ok) await reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'No such route.' } });
  });
  app.get('/dev/outbox', { schema: { hide: true } }, async (_request, reply) => {
    const entries = await outboxEntries(db);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(outboxPage(entries, channels));
  });
  app.get('/dev/outbox.json', { schema: { hide: true } }, async (_request, reply) => {
    const entries = await outboxEntries(db);
    return reply.header('cache-control', 'no-store').send({ notice: OUTBOX_TITLE, channels, messages: entries });
  });
}
