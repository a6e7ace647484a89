/**
 * Test support for documents: small files of each accepted type (real signatures, as
 * file-type sniffs them), multipart bodies written byte by byte (so a name can hold what a
 * browser would escape), a consultation with both sessions and the patient let in, and a
 * look at everything stored (rows, chunks, objects).
 */
import { createHash, randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import * as schema from '../../connector/db/schema/index.ts';
import { applyAppointment } from '../../connector/teleconsultations/apply.ts';
import type { AgendaHub, AppointmentOverrides } from '../fakes/agenda-hub.ts';
import type { S3Fake } from '../fakes/s3.ts';
import type { TestApp } from '../support/harness.ts';
import { LiveClient, makeTeleconsultation, openLink, type MadeTeleconsultation } from './live-helpers.ts';

/** A box of an ISO base media file (HEIC): size, type, payload. */
function box(type: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + payload.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, payload]);
}

/** A PNG chunk: length, type, data, and a CRC (which nothing here checks). */
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, data, Buffer.alloc(4)]);
}

/** Files that file-type recognises by their signature, padded with `extra` bytes of content. */
export const FILES = {
  pdf: (extra = 2000) => Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n', 'latin1'), randomBytes(extra), Buffer.from('\ntrailer <</Root 1 0 R>>\n%%EOF\n')]),
  jpeg: (extra = 2000) => Buffer.concat([Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'), randomBytes(extra), Buffer.from('ffd9', 'hex')]),
  png: (extra = 2000) => Buffer.concat([
    Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'),
    chunk('IDAT', randomBytes(extra)),
    Buffer.from('0000000049454e44ae426082', 'hex'),
  ]),
  webp: (extra = 2000) => {
    const body = Buffer.concat([Buffer.from('WEBPVP8 '), Buffer.from([extra & 0xff, (extra >> 8) & 0xff, 0, 0]), randomBytes(extra)]);
    const head = Buffer.alloc(8);
    head.write('RIFF', 0, 'latin1');
    head.writeUInt32LE(body.length, 4);
    return Buffer.concat([head, body]);
  },
  heic: (extra = 2000) => Buffer.concat([box('ftyp', Buffer.concat([Buffer.from('heic'), Buffer.alloc(4), Buffer.from('mif1heic')])), box('mdat', randomBytes(extra))]),
  text: () => Buffer.from('Ordonnance : paracétamol 1 g, 3 fois par jour.\r\n\tPendant 5 jours.\n', 'utf8'),
  html: () => Buffer.from('<!DOCTYPE html><html><body><script>document.location="https://evil.example"</script></body></html>\n'),
} as const;

/** SHA-256, hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** One part of a multipart body. */
export interface Part {
  field?: string;
  /** Written as is between the quotes (UTF-8), as browsers write names. */
  filename?: string;
  contentType?: string;
  bytes: Uint8Array;
}

/** A multipart/form-data body and its Content-Type. */
export function multipart(parts: Part[]): { body: Buffer; contentType: string } {
  const boundary = `----tc${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.field ?? 'file'}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.contentType ? `Content-Type: ${p.contentType}\r\n` : ''}\r\n`, 'utf8'));
    chunks.push(Buffer.from(p.bytes), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A consultation with a session of each side. */
export interface Consultation extends MadeTeleconsultation {
  practitioner: string;
  patient: string;
}

/** A consultation with both links opened (the patient not let in yet). */
export async function openConsultation(t: TestApp, hub: AgendaHub, overrides: AppointmentOverrides = {}): Promise<Consultation> {
  const tc = await makeTeleconsultation(t, hub, overrides);
  return { ...tc, practitioner: (await openLink(t.url, tc.practitionerToken)).cookie, patient: (await openLink(t.url, tc.patientToken)).cookie };
}

/** The patient knocks and the practitioner lets them in, over the live sockets (closed after). */
export async function admitPatient(t: TestApp, c: Consultation): Promise<void> {
  const p = await LiveClient.connect(t.url, c.id, 'practitioner', c.practitioner);
  const q = await LiveClient.connect(t.url, c.id, 'patient', c.patient);
  try {
    q.send({ type: 'knock' });
    await p.next('presence', (m) => m.presence.patient === 'waiting');
    p.send({ type: 'admit' });
    await q.next('admitted');
  } finally {
    await p.close();
    await q.close();
  }
}

/** A consultation whose patient is in the call. */
export async function admittedConsultation(t: TestApp, hub: AgendaHub, overrides: AppointmentOverrides = {}): Promise<Consultation> {
  const c = await openConsultation(t, hub, overrides);
  await admitPatient(t, c);
  return c;
}

/** Ends a consultation as the agenda does (the appointment marked done). */
export async function endConsultation(t: TestApp, hub: AgendaHub, c: MadeTeleconsultation): Promise<void> {
  const done = hub.upsert({ ...(hub.get(c.appointment.id) ?? c.appointment), status: 'done' }, { bump: true });
  const services = t.app.services;
  await services.database.db.transaction((tx) => applyAppointment(tx, services.apply, { appointment: done }, { kind: 'webhook', source: 'agenda' }));
  const [row] = await services.database.db.select({ status: schema.teleconsultations.status }).from(schema.teleconsultations).where(eq(schema.teleconsultations.id, c.id));
  if (row?.status !== 'ended') throw new Error(`consultation not ended: ${row?.status}`);
}

/** Uploads parts as a page would (same origin, the session's cookie). */
export async function upload(t: TestApp, c: Consultation, role: 'practitioner' | 'patient', parts: Part[]): Promise<{ status: number; body: { error?: { code: string }; id?: string } & Record<string, unknown> }> {
  const { body, contentType } = multipart(parts);
  const res = await fetch(`${t.url}/api/live/${c.id}/${role}/documents`, {
    method: 'POST',
    headers: { cookie: c[role], origin: t.url, 'content-type': contentType },
    body: new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
}

/**
 * Uploads one part streamed in two halves, running `between` once the first half is sent
 * (and, the server reading as it goes, most likely stored): what happens during an upload.
 */
export async function uploadWhile(t: TestApp, c: Consultation, role: 'practitioner' | 'patient', part: Part, between: () => Promise<void>): Promise<{ status: number; body: { error?: { code: string } } }> {
  const { body, contentType } = multipart([part]);
  const half = Math.floor(body.length / 2);
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(new Uint8Array(body.subarray(0, half)));
      await new Promise((r) => setTimeout(r, 200));
      await between();
      controller.enqueue(new Uint8Array(body.subarray(half)));
      controller.close();
    },
  });
  // `duplex` is required by fetch for a streamed body; lib.dom's RequestInit does not know it yet.
  const init = { method: 'POST', headers: { cookie: c[role], origin: t.url, 'content-type': contentType }, body: stream, duplex: 'half' } as RequestInit;
  const res = await fetch(`${t.url}/api/live/${c.id}/${role}/documents`, init);
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
}

/** Everything stored of documents: rows of this consultation, every chunk, every object and unfinished upload. */
export async function storedState(t: TestApp, teleconsultationId: string, s3?: S3Fake): Promise<{ rows: number; chunks: number; objects: number; uploads: number }> {
  const db = t.app.services.database.db;
  const rows = await db.select({ id: schema.documents.id }).from(schema.documents).where(eq(schema.documents.teleconsultationId, teleconsultationId));
  const chunks = await db.execute(sql`select count(*)::int as n from document_chunks`);
  return {
    rows: rows.length,
    chunks: (chunks as unknown as { rows: { n: number }[] }).rows[0]!.n,
    objects: s3 ? (await s3.objectKeys()).length : 0,
    uploads: s3 ? s3.pendingUploads() : 0,
  };
}
