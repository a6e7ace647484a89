/**
 * Documents ("Partager un fichier") through the real app, with each storage: the database,
 * and S3 through the real SDK against the local S3 server. Every refusal is checked to
 * leave nothing stored: no row, no chunk, no object, no unfinished upload.
 */
import { eq } from 'drizzle-orm';
import * as schema from '../../connector/db/schema/index.ts';
import { signedDocumentLink } from '../../connector/documents/links.ts';
import type { DocumentSummary } from '#protocol/live';
import { startS3Fake, type S3Fake } from '../fakes/s3.ts';
import { TEST_LINK_SECRET, useAppWithHub, type TestApp } from '../support/harness.ts';
import {
  admittedConsultation, endConsultation, FILES, openConsultation, sha256, storedState, upload, uploadWhile, type Consultation, type Part,
} from './documents-helpers.ts';
import { cancelTeleconsultation, LiveClient } from './live-helpers.ts';

const MIB = 1024 * 1024;
/** Each spec opens links and live sockets and calls the API many times from one address. */
const UNLIMITED = { RATE_LIMIT_LINKS_PER_MINUTE: '100000', RATE_LIMIT_SOCKETS_PER_MINUTE: '100000', RATE_LIMIT_LIVE_PER_MINUTE: '100000' };
const DAY = 86_400_000;

/** The env of a suite: 1 MiB a file, 2 MiB a consultation, HEIC among the types. */
function documentsEnv(s3: S3Fake | undefined): Record<string, string> {
  return {
    DOCUMENT_MAX_FILE_MB: '1',
    DOCUMENT_MAX_CONSULTATION_MB: '2',
    ...UNLIMITED,
    ...(s3 ? {
      DOCUMENT_STORAGE: 's3', S3_BUCKET: s3.bucket, S3_REGION: s3.region, S3_ENDPOINT: s3.url,
      S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    } : {}),
  };
}

function documentsSuite(storage: 'database' | 's3'): void {
  describe(`documents stored in ${storage === 's3' ? 'S3' : 'the database'}`, () => {
    let offsetMs = 0;
    const { t, hub, s3 } = useAppWithHub({ s3: startS3Fake }, ({ s3 }) => ({
      env: documentsEnv(storage === 's3' ? s3 : undefined),
      now: () => new Date(Date.now() + offsetMs),
    }));
    const fake = () => (storage === 's3' ? s3 : undefined);
    beforeEach(() => { offsetMs = 0; });

    /** Asserts that `attempt` is refused with `status` and `code` and leaves nothing stored. */
    async function refusedLeavingNothing(c: Consultation, status: number, code: string, attempt: () => Promise<{ status: number; body: { error?: { code: string } } }>): Promise<void> {
      const before = await storedState(t, c.id, fake());
      const r = await attempt();
      expect(r.body.error?.code).withContext(JSON.stringify(r.body)).toBe(code);
      expect(r.status).toBe(status);
      expect(await storedState(t, c.id, fake())).toEqual({ ...before, uploads: 0 });
    }

    const accepted: [string, Part][] = [
      ['a PDF', { filename: 'Compte-rendu.pdf', contentType: 'application/pdf', bytes: FILES.pdf() }],
      ['a JPEG', { filename: 'photo.JPG', contentType: 'image/jpeg', bytes: FILES.jpeg() }],
      ['a PNG', { filename: 'radio.png', contentType: 'image/png', bytes: FILES.png() }],
      ['a WebP image', { filename: 'lésion.webp', contentType: 'image/webp', bytes: FILES.webp() }],
      ['a HEIC photo', { filename: 'IMG_0042.heic', contentType: 'image/heic', bytes: FILES.heic() }],
      ['plain text', { filename: 'notes.txt', contentType: 'text/plain; charset=utf-8', bytes: FILES.text() }],
    ];
    for (const [what, part] of accepted) {
      it(`stores ${what} from the practitioner and tells both pages`, async () => {
        const c = await admittedConsultation(t, hub);
        const page = await LiveClient.connect(t.url, c.id, 'practitioner', c.practitioner);
        try {
          const r = await upload(t, c, 'practitioner', [part]);
          expect(r.status).withContext(JSON.stringify(r.body)).toBe(201);
          const doc = r.body as unknown as DocumentSummary;
          expect(doc.name).toBe(part.filename!);
          expect(doc.size).toBe(part.bytes.length);
          expect(doc.contentType).toBe(part.contentType!.split(';')[0]!);
          expect(doc.from).toBe('practitioner');
          expect((await page.next('document')).document).toEqual(doc);
          const [row] = await t.app.services.database.db.select().from(schema.documents).where(eq(schema.documents.id, doc.id));
          expect(row!.sha256).toBe(sha256(part.bytes));
          expect(row!.storage).toBe(storage);
          // The storage knows the document by ids, never by its name.
          expect(row!.storageKey).not.toContain(part.filename!.split('.')[0]!);
          if (storage === 's3') expect(await s3.objectKeys()).toContain(row!.storageKey);
        } finally {
          await page.close();
        }
      });
    }

    it('takes the sender from the session: a patient let in shares as the patient', async () => {
      const c = await admittedConsultation(t, hub);
      const r = await upload(t, c, 'patient', [{ filename: 'ordonnance.pdf', contentType: 'application/pdf', bytes: FILES.pdf() }, { field: 'from', bytes: Buffer.from('practitioner') }]);
      expect(r.status).toBe(201);
      expect((r.body as unknown as DocumentSummary).from).toBe('patient');
    });

    it('refuses a file over the per-file limit while it streams, DOCUMENT_TOO_LARGE', async () => {
      const c = await admittedConsultation(t, hub);
      await refusedLeavingNothing(c, 413, 'DOCUMENT_TOO_LARGE', () => upload(t, c, 'practitioner', [{ filename: 'scan.pdf', contentType: 'application/pdf', bytes: FILES.pdf(MIB) }]));
    });

    it('refuses what would go over the consultation quota, DOCUMENT_QUOTA_EXCEEDED, streaming or not', async () => {
      const c = await admittedConsultation(t, hub);
      const big = (n: number) => ({ filename: 'scan.pdf', contentType: 'application/pdf', bytes: FILES.pdf(n) });
      expect((await upload(t, c, 'practitioner', [big(MIB - 200)])).status).toBe(201);
      expect((await upload(t, c, 'practitioner', [big(MIB / 2)])).status).toBe(201);
      // 0.5 MiB left: a 0.9 MiB file is under the per-file limit but over the quota.
      await refusedLeavingNothing(c, 413, 'DOCUMENT_QUOTA_EXCEEDED', () => upload(t, c, 'practitioner', [big(0.9 * MIB)]));
      const rows = await t.app.services.database.db.select({ size: schema.documents.sizeBytes }).from(schema.documents).where(eq(schema.documents.teleconsultationId, c.id));
      const left = 2 * MIB - rows.reduce((n, r) => n + r.size, 0);
      expect((await upload(t, c, 'practitioner', [{ filename: 'notes.txt', contentType: 'text/plain', bytes: Buffer.alloc(left, 'a') }])).status).toBe(201);
      // Full: refused before a byte is read.
      await refusedLeavingNothing(c, 413, 'DOCUMENT_QUOTA_EXCEEDED', () => upload(t, c, 'practitioner', [{ filename: 'a.txt', contentType: 'text/plain', bytes: Buffer.from('x') }]));
    });

    it('refuses an HTML file renamed .pdf and declared a PDF, DOCUMENT_CONTENT_MISMATCH', async () => {
      const c = await admittedConsultation(t, hub);
      await refusedLeavingNothing(c, 415, 'DOCUMENT_CONTENT_MISMATCH', () => upload(t, c, 'practitioner', [{ filename: 'resultats.pdf', contentType: 'application/pdf', bytes: FILES.html() }]));
    });

    it('refuses a PNG named .pdf, whether declared a PDF or a PNG', async () => {
      const c = await admittedConsultation(t, hub);
      await refusedLeavingNothing(c, 415, 'DOCUMENT_CONTENT_MISMATCH', () => upload(t, c, 'practitioner', [{ filename: 'radio.pdf', contentType: 'application/pdf', bytes: FILES.png() }]));
      await refusedLeavingNothing(c, 415, 'DOCUMENT_CONTENT_MISMATCH', () => upload(t, c, 'practitioner', [{ filename: 'radio.pdf', contentType: 'image/png', bytes: FILES.png() }]));
    });

    it('refuses text that is not clean UTF-8, and types it does not accept', async () => {
      const c = await admittedConsultation(t, hub);
      const latin1 = Buffer.from('Compte rendu : fièvre', 'latin1');
      await refusedLeavingNothing(c, 415, 'DOCUMENT_CONTENT_MISMATCH', () => upload(t, c, 'practitioner', [{ filename: 'cr.txt', contentType: 'text/plain', bytes: latin1 }]));
      // A control character far past the first bytes: the check runs over the whole stream.
      const late = Buffer.concat([Buffer.from('a'.repeat(300_000)), Buffer.from([0x1b]), Buffer.from('[31m')]);
      await refusedLeavingNothing(c, 415, 'DOCUMENT_CONTENT_MISMATCH', () => upload(t, c, 'practitioner', [{ filename: 'cr.txt', contentType: 'text/plain', bytes: late }]));
      await refusedLeavingNothing(c, 415, 'DOCUMENT_CONTENT_MISMATCH', () => upload(t, c, 'practitioner', [{ filename: 'notes.md', contentType: 'text/plain', bytes: FILES.text() }]));
      await refusedLeavingNothing(c, 415, 'DOCUMENT_TYPE_REFUSED', () => upload(t, c, 'practitioner', [{ filename: 'page.html', contentType: 'text/html', bytes: FILES.html() }]));
    });

    for (const [what, filename] of [['a name with ../', '../../etc/passwd.pdf'], ['a name with a backslash path', '..\\secret.pdf'], ['a control character in the name', 'ordonnance\u0001.pdf'], ['a right-to-left override in the name', 'facture\u202efdp.pdf'], ['an empty name', ''], ['a name of 201 characters', `${'a'.repeat(197)}.pdf`]] as const) {
      it(`refuses ${what}, DOCUMENT_NAME_INVALID (never renamed)`, async () => {
        const c = await admittedConsultation(t, hub);
        await refusedLeavingNothing(c, 400, 'DOCUMENT_NAME_INVALID', () => upload(t, c, 'practitioner', [{ filename, contentType: 'application/pdf', bytes: FILES.pdf() }]));
      });
    }

    it('refuses an upload without a file part, or an empty file', async () => {
      const c = await admittedConsultation(t, hub);
      await refusedLeavingNothing(c, 400, 'DOCUMENT_MISSING', () => upload(t, c, 'practitioner', [{ field: 'note', bytes: Buffer.from('hello') }]));
      await refusedLeavingNothing(c, 400, 'DOCUMENT_MISSING', () => upload(t, c, 'practitioner', [{ field: 'document', filename: 'a.pdf', contentType: 'application/pdf', bytes: FILES.pdf() }]));
      await refusedLeavingNothing(c, 400, 'DOCUMENT_EMPTY', () => upload(t, c, 'practitioner', [{ filename: 'a.pdf', contentType: 'application/pdf', bytes: Buffer.alloc(0) }]));
    });

    it('refuses a patient who is not let in, NOT_ADMITTED, and lets them list nothing yet', async () => {
      const c = await openConsultation(t, hub);
      await refusedLeavingNothing(c, 403, 'NOT_ADMITTED', () => upload(t, c, 'patient', [{ filename: 'a.pdf', contentType: 'application/pdf', bytes: FILES.pdf() }]));
      const list = await fetch(`${t.url}/api/live/${c.id}/patient/documents`, { headers: { cookie: c.patient } });
      expect(list.status).toBe(403);
      // The practitioner may share before the patient is in.
      expect((await upload(t, c, 'practitioner', [{ filename: 'a.pdf', contentType: 'application/pdf', bytes: FILES.pdf() }])).status).toBe(201);
    });

    it('refuses uploads once the consultation ended (TELECONSULTATION_ENDED) or was cancelled (TELECONSULTATION_CANCELLED)', async () => {
      const ended = await admittedConsultation(t, hub);
      await endConsultation(t, hub, ended);
      for (const role of ['practitioner', 'patient'] as const) {
        await refusedLeavingNothing(ended, 409, 'TELECONSULTATION_ENDED', () => upload(t, ended, role, [{ filename: 'a.pdf', contentType: 'application/pdf', bytes: FILES.pdf() }]));
      }
      const cancelled = await admittedConsultation(t, hub);
      await cancelTeleconsultation(t, hub, cancelled);
      await refusedLeavingNothing(cancelled, 410, 'TELECONSULTATION_CANCELLED', () => upload(t, cancelled, 'practitioner', [{ filename: 'a.pdf', contentType: 'application/pdf', bytes: FILES.pdf() }]));
    });

    it('removes the stored bytes of a file whose consultation ended while it was uploading', async () => {
      const c = await admittedConsultation(t, hub);
      await refusedLeavingNothing(c, 409, 'TELECONSULTATION_ENDED', () => uploadWhile(t, c, 'patient', { filename: 'scan.pdf', contentType: 'application/pdf', bytes: FILES.pdf(MIB - 1000) }, () => endConsultation(t, hub, c)));
    });

    it('checks the quota again once the bytes are stored: of two uploads that fit alone, the later one to finish is refused', async () => {
      const c = await admittedConsultation(t, hub);
      expect((await upload(t, c, 'practitioner', [{ filename: 'a.pdf', contentType: 'application/pdf', bytes: FILES.pdf(MIB / 2) }])).status).toBe(201);
      const before = await storedState(t, c.id, fake());
      // 1.5 MiB left: each fits alone, not both. The second starts and ends while the first is under way.
      const part = (name: string) => ({ filename: name, contentType: 'application/pdf', bytes: FILES.pdf(0.8 * MIB) });
      let second: Awaited<ReturnType<typeof upload>> | undefined;
      const first = await uploadWhile(t, c, 'patient', part('b.pdf'), async () => { second = await upload(t, c, 'practitioner', [part('c.pdf')]); });
      expect(second?.status).toBe(201);
      expect(first.status).toBe(413);
      expect(first.body.error?.code).toBe('DOCUMENT_QUOTA_EXCEEDED');
      const after = await storedState(t, c.id, fake());
      expect(after.rows).toBe(before.rows + 1);
      expect(after.uploads).toBe(0);
      if (storage === 's3') expect(after.objects).toBe(before.objects + 1);
      else expect(after.chunks).toBe(before.chunks + 4);
    });

    it('requires a session and a same-origin request to upload', async () => {
      const c = await admittedConsultation(t, hub);
      await refusedLeavingNothing(c, 401, 'SESSION_REQUIRED', () => upload(t, { ...c, practitioner: '' }, 'practitioner', [{ filename: 'a.pdf', contentType: 'application/pdf', bytes: FILES.pdf() }]));
      const res = await fetch(`${t.url}/api/live/${c.id}/practitioner/documents`, { method: 'POST', headers: { cookie: c.practitioner, origin: 'https://evil.example', 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--' });
      expect(res.status).toBe(403);
    });

    /** Uploads a PDF and follows the download to its signed link (not opened). */
    async function sharedPdf(c: Consultation): Promise<{ doc: DocumentSummary; bytes: Buffer; link: string }> {
      const bytes = FILES.pdf(300_000);
      const r = await upload(t, c, 'patient', [{ filename: 'Résultats d’analyse (mars) ✓.pdf', contentType: 'application/pdf', bytes }]);
      expect(r.status).withContext(JSON.stringify(r.body)).toBe(201);
      const doc = r.body as unknown as DocumentSummary;
      const res = await fetch(`${t.url}/api/live/${c.id}/practitioner/documents/${doc.id}/download`, { headers: { cookie: c.practitioner }, redirect: 'manual' });
      await res.arrayBuffer();
      expect(res.status).toBe(303);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      return { doc, bytes, link: res.headers.get('location')! };
    }

    it('gives back the same bytes through a short-lived signed link, as an attachment that is never sniffed or kept', async () => {
      const c = await admittedConsultation(t, hub);
      const { doc, bytes, link } = await sharedPdf(c);
      expect(link).toMatch(new RegExp(`^/documents/${c.id}/${doc.id}\\?expires=\\d+&sig=[A-Za-z0-9_-]{22}$`));
      const expires = Number(new URL(link, t.url).searchParams.get('expires'));
      expect(expires * 1000 - Date.now()).toBeGreaterThan(290_000);
      expect(expires * 1000 - Date.now()).toBeLessThanOrEqual(300_000);
      for (const cookie of [c.patient, c.practitioner]) {
        const res = await fetch(`${t.url}${link}`, { headers: { cookie } });
        const body = Buffer.from(await res.arrayBuffer());
        expect(res.status).toBe(200);
        expect(sha256(body)).toBe(sha256(bytes));
        expect(res.headers.get('content-type')).toBe('application/pdf');
        expect(res.headers.get('content-length')).toBe(String(bytes.length));
        expect(res.headers.get('content-disposition')).toBe(`attachment; filename="Resultats d_analyse (mars) _.pdf"; filename*=UTF-8''R%C3%A9sultats%20d%E2%80%99analyse%20%28mars%29%20%E2%9C%93.pdf`);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      }
    });

    it("refuses the link with another consultation's session, a changed id, signature or expiry (403), expired (410)", async () => {
      const c = await admittedConsultation(t, hub);
      const other = await admittedConsultation(t, hub);
      const { doc, link } = await sharedPdf(c);
      const { doc: otherDoc } = await sharedPdf(other);
      const status = async (path: string, cookie: string) => {
        const res = await fetch(`${t.url}${path}`, { headers: { cookie } });
        const body = (await res.json()) as { error: { code: string } };
        return `${res.status} ${body.error.code}`;
      };
      const url = new URL(link, t.url);
      const sig = url.searchParams.get('sig')!;
      expect(await status(link, other.patient)).toBe('403 DOCUMENT_LINK_INVALID');
      expect(await status(link, '')).toBe('403 DOCUMENT_LINK_INVALID');
      expect(await status(link.replace(doc.id, otherDoc.id), c.patient)).toBe('403 DOCUMENT_LINK_INVALID');
      expect(await status(link.replace(doc.id, otherDoc.id).replace(c.id, other.id), other.patient)).toBe('403 DOCUMENT_LINK_INVALID');
      expect(await status(link.replace(sig, `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`), c.patient)).toBe('403 DOCUMENT_LINK_INVALID');
      expect(await status(link.replace(/expires=\d+/, `expires=${Number(url.searchParams.get('expires')) + 3600}`), c.patient)).toBe('403 DOCUMENT_LINK_INVALID');
      expect(await status(`/documents/${c.id}/not-a-uuid?expires=1&sig=${sig}`, c.patient)).toBe('403 DOCUMENT_LINK_INVALID');
      const expired = signedDocumentLink(TEST_LINK_SECRET, c.id, doc.id, new Date(Date.now() - 1000));
      expect(await status(expired, c.patient)).toBe('410 DOCUMENT_LINK_EXPIRED');
      // The clock moves past the link's lifetime.
      offsetMs = 301_000;
      expect(await status(link, c.patient)).toBe('410 DOCUMENT_LINK_EXPIRED');
      offsetMs = 0;
      // A document of another consultation is not found through this one's API.
      const res = await fetch(`${t.url}/api/live/${c.id}/practitioner/documents/${otherDoc.id}/download`, { headers: { cookie: c.practitioner }, redirect: 'manual' });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('DOCUMENT_NOT_FOUND');
    });

    it('lists the documents with the limits, also after the end, and answers 410 once cancelled', async () => {
      const c = await admittedConsultation(t, hub);
      const { doc, link } = await sharedPdf(c);
      const list = async (role: 'practitioner' | 'patient') => fetch(`${t.url}/api/live/${c.id}/${role}/documents`, { headers: { cookie: c[role] } });
      const body = (await (await list('patient')).json()) as { documents: DocumentSummary[]; limits: unknown };
      expect(body.documents).toEqual([doc]);
      expect(body.limits).toEqual({ maxFileBytes: MIB, maxConsultationBytes: 2 * MIB, contentTypes: ['application/pdf', 'image/jpeg', 'image/png', 'image/webp', 'image/heic', 'text/plain'] });
      await endConsultation(t, hub, c);
      expect((await list('patient')).status).toBe(200);
      expect((await fetch(`${t.url}${link}`, { headers: { cookie: c.patient } })).status).toBe(200);
      await cancelTeleconsultation(t, hub, c);
      const gone = await list('practitioner');
      expect(gone.status).toBe(410);
      expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('TELECONSULTATION_CANCELLED');
      const res = await fetch(`${t.url}${link}`, { headers: { cookie: c.patient } });
      expect(res.status).toBe(410);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TELECONSULTATION_CANCELLED');
    });

    it('purges the rows and the bytes past the retention period', async () => {
      const c = await admittedConsultation(t, hub, { clinicId: `clinic_docs_${storage}` });
      const kept = await admittedConsultation(t, hub, { clinicId: `clinic_docs_${storage}`, startsAt: new Date(Date.now() + 200 * DAY).toISOString() });
      await sharedPdf(c);
      await sharedPdf(c);
      await sharedPdf(kept);
      const rows = async (id: string) => t.app.services.database.db.select().from(schema.documents).where(eq(schema.documents.teleconsultationId, id));
      const keys = (await rows(c.id)).map((r) => r.storageKey);
      const keptKeys = (await rows(kept.id)).map((r) => r.storageKey);
      offsetMs = new Date(c.appointment.startsAt).getTime() + 91 * DAY - Date.now();
      const report = await t.app.retention.purgeDue();
      offsetMs = 0;
      expect(report.rows['documents']).toBeGreaterThanOrEqual(2);
      expect(await rows(c.id)).toEqual([]);
      expect((await rows(kept.id)).length).toBe(1);
      const chunkKeys = (await t.app.services.database.db.select({ key: schema.documentChunks.storageKey }).from(schema.documentChunks)).map((r) => r.key);
      const objects = storage === 's3' ? await s3.objectKeys() : [];
      for (const key of keys) {
        expect(chunkKeys).not.toContain(key);
        expect(objects).not.toContain(key);
      }
      expect(storage === 's3' ? objects : chunkKeys).toEqual(jasmine.arrayContaining(keptKeys));
    });
  });
}

documentsSuite('database');
documentsSuite('s3');

describe('the conversation and the end of a consultation with documents', () => {
  const { t, hub } = useAppWithHub(() => ({ env: UNLIMITED }));

  async function settle(): Promise<void> {
    await new Promise((r) => setTimeout(r, 5));
  }

  it('gives the whole conversation, messages and documents in order, during and after the call', async () => {
    const c = await admittedConsultation(t, hub);
    const p = await LiveClient.connect(t.url, c.id, 'practitioner', c.practitioner);
    const q = await LiveClient.connect(t.url, c.id, 'patient', c.patient);
    try {
      await q.next('admitted');
      q.send({ type: 'chat', text: 'Bonjour docteur, voici mes résultats.' });
      await p.next('chat');
      await settle();
      const shared = await upload(t, c, 'patient', [{ filename: 'résultats.pdf', contentType: 'application/pdf', bytes: FILES.pdf() }]);
      expect(shared.status).toBe(201);
      await settle();
      p.send({ type: 'chat', text: 'Merci, je regarde.' });
      await q.next('chat', (m) => m.from === 'practitioner');
    } finally {
      await p.close();
      await q.close();
    }
    const read = async (role: 'practitioner' | 'patient') => {
      const res = await fetch(`${t.url}/api/live/${c.id}/${role}/conversation`, { headers: { cookie: c[role] } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { entries: { kind: string; from: string; text?: string; document?: DocumentSummary }[] }).entries;
    };
    const entries = await read('practitioner');
    expect(entries.map((e) => `${e.kind}:${e.from}:${e.text ?? e.document?.name}`)).toEqual([
      'message:patient:Bonjour docteur, voici mes résultats.',
      'document:patient:résultats.pdf',
      'message:practitioner:Merci, je regarde.',
    ]);
    await endConsultation(t, hub, c);
    expect(await read('patient')).toEqual(entries);
    await cancelTeleconsultation(t, hub, c);
    expect((await fetch(`${t.url}/api/live/${c.id}/patient/conversation`, { headers: { cookie: c.patient } })).status).toBe(410);
  });

  /** The `ended` messages of a consultation, as the dev outbox kept them. */
  async function endMessages(app: TestApp, id: string): Promise<{ channel: string; text: string }[]> {
    const db = app.app.services.database.db;
    const rows = await db.select({ channel: schema.outbox.channel, text: schema.outbox.text, kind: schema.messages.kind })
      .from(schema.outbox).innerJoin(schema.messages, eq(schema.messages.id, schema.outbox.messageId))
      .where(eq(schema.messages.teleconsultationId, id));
    return rows.filter((r) => r.kind === 'ended').map((r) => ({ channel: r.channel, text: r.text }));
  }

  it("sends the end message with a documents link (the patient's own link) only when there are documents", async () => {
    const { eventually } = await import('../support/harness.ts');
    const withDocs = await admittedConsultation(t, hub);
    expect((await upload(t, withDocs, 'practitioner', [{ filename: 'ordonnance.pdf', contentType: 'application/pdf', bytes: FILES.pdf() }])).status).toBe(201);
    const without = await admittedConsultation(t, hub);
    await endConsultation(t, hub, withDocs);
    await endConsultation(t, hub, without);
    const patientLink = `${t.config.publicUrl}/j/${withDocs.patientToken}`;
    const sent = await eventually(async () => { const m = await endMessages(t, withDocs.id); return m.length === 2 ? m : undefined; }, 'end messages of the consultation with documents');
    const sms = sent.find((m) => m.channel === 'sms')!.text;
    const email = sent.find((m) => m.channel === 'email')!.text;
    expect(sms).toContain(`Documents : ${patientLink}`);
    expect(email).toContain('pièces jointes');
    expect(email).toContain(patientLink);
    // The link works: it opens the patient's page, whose API lists the document.
    const opened = await fetch(patientLink, { redirect: 'manual' });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe(`/app/patient/${withDocs.id}`);
    const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0]!;
    const list = (await (await fetch(`${t.url}/api/live/${withDocs.id}/patient/documents`, { headers: { cookie } })).json()) as { documents: DocumentSummary[] };
    expect(list.documents.map((d) => d.name)).toEqual(['ordonnance.pdf']);
    const none = await eventually(async () => { const m = await endMessages(t, without.id); return m.length === 2 ? m : undefined; }, 'end messages of the consultation without documents');
    for (const m of none) {
      expect(m.text).not.toContain('Documents');
      expect(m.text).not.toContain('pièces jointes');
    }
  });
});
