/**
 * The documents API of a session (`documentPaths` of protocol/documents.ts): upload (multipart,
 * streamed), list, a download that answers a short-lived signed link, the signed link that
 * streams the bytes, and the whole conversation (messages and documents). `registerDocuments`
 * also joins the documents to the retention purge and sweeps the bytes of uploads that never
 * became documents.
 */
import multipart from '@fastify/multipart';
import { eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ConversationResponse, DocumentLimits, DocumentSummary } from '#protocol/live';
import type { Config } from '../../config/schema.ts';
import { teleconsultations } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import { followUpMayRead } from '../follow-up/session.ts';
import { errorBodySchema } from '../http/errors.ts';
import { publishToTeleconsultation } from '../live/hub.ts';
import type { MessageLinkRegistry } from '../notifications/send.ts';
import type { Retention } from '../retention/purge.ts';
import type { Services } from '../services.ts';
import { sessionParamsSchema as sessionParams } from '../sessions/routes.ts';
import { checkRequestSession, isTeleconsultationId, requireSession, ROLES } from '../sessions/sessions.ts';
import { activeLinks, linkUrl } from '../teleconsultations/links.ts';
import { assertMayAdd, assertMayRead } from './access.ts';
import { conversationOf } from './conversation.ts';
import { checkDocumentLink, signedDocumentLink } from './links.ts';
import { attachmentDisposition } from './names.ts';
import { documentOf, documentsOf, documentSummary, hasDocuments } from './records.ts';
import { documentsPurge, registerOrphanSweep } from './retention.ts';
import { DocumentBytesMissing } from './storage.ts';
import { createDocumentStores, type DocumentStores } from './stores.ts';
import { storeDocument, uploadRoom } from './upload.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const documentParams = {
  ...sessionParams,
  required: [...sessionParams.required, 'documentId'],
  properties: { ...sessionParams.properties, documentId: { type: 'string', format: 'uuid' } },
} as const;

const documentSchema = {
  type: 'object',
  required: ['id', 'name', 'size', 'contentType', 'from', 'at'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    size: { type: 'integer' },
    contentType: { type: 'string' },
    from: { type: 'string', enum: ['practitioner', 'patient'] },
    at: { type: 'string', format: 'date-time' },
  },
} as const;

const limitsSchema = {
  type: 'object',
  required: ['maxFileBytes', 'maxConsultationBytes', 'contentTypes'],
  properties: { maxFileBytes: { type: 'integer' }, maxConsultationBytes: { type: 'integer' }, contentTypes: { type: 'array', items: { type: 'string' } } },
} as const;

const entrySchema = {
  type: 'object',
  required: ['kind', 'id', 'from', 'at'],
  properties: {
    kind: { type: 'string', enum: ['message', 'document'] },
    id: { type: 'string' },
    from: { type: 'string', enum: ['practitioner', 'patient'] },
    at: { type: 'string', format: 'date-time' },
    text: { type: 'string' },
    document: documentSchema,
  },
} as const;

interface SessionParams { teleconsultationId: string; role: string }
interface DocumentParams extends SessionParams { documentId: string }

/** The limits the pages show before an upload. */
export function documentLimits(config: Config): DocumentLimits {
  const d = config.documents;
  return { maxFileBytes: d.maxFileBytes, maxConsultationBytes: d.maxConsultationBytes, contentTypes: [...d.contentTypes] };
}

/** The routes of documents, on `app` (a plugin scope: multipart is registered in it only). */
export async function documentRoutes(app: FastifyInstance, services: Services, stores: DocumentStores): Promise<void> {
  const { config } = services;
  const db = services.database.db;
  /** The practitioner's follow-up session also opens their consultations' links ("Suivi et paiement"). */
  const followUpReads = async (request: FastifyRequest, teleconsultationId: string) => {
    const [t] = await db.select({ clinicId: teleconsultations.clinicId, practitioner: teleconsultations.practitioner }).from(teleconsultations).where(eq(teleconsultations.id, teleconsultationId));
    return t !== undefined && followUpMayRead(request, t);
  };
  // Limits per request are given where the file is read; these only bound the rest of the form.
  await app.register(multipart, { limits: { files: 1, fields: 10, fieldSize: 1024, parts: 12, headerPairs: 20 } });

  app.post<{ Params: SessionParams }>('/api/live/:teleconsultationId/:role/documents', {
    schema: {
      summary: 'Shares one file in the consultation (multipart/form-data, one part `file`)',
      tags: ['documents'],
      consumes: ['multipart/form-data'],
      params: sessionParams,
      response: {
        201: documentSchema,
        400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 409: errorBodySchema,
        410: errorBodySchema, 413: errorBodySchema, 415: errorBodySchema, 503: errorBodySchema,
      },
    },
  }, async (request, reply): Promise<DocumentSummary> => {
    const session = await requireSession(request, request.params.teleconsultationId, request.params.role);
    const t = session.teleconsultation;
    await assertMayAdd(db, t, session.role);
    if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data, in a part named `file`.');
    const room = await uploadRoom(services, t.id);
    // preservePath: a name with a path is refused rather than cut down to its last part.
    const part = await request.file({ limits: { fileSize: room.limitBytes }, preservePath: true });
    if (!part || part.fieldname !== 'file') {
      part?.file.resume();
      throw new AppError('DOCUMENT_MISSING', 'The upload has no `file` part.');
    }
    let document: DocumentSummary;
    try {
      document = await storeDocument(services, stores.current, { teleconsultationId: t.id, role: session.role, part, room });
    } catch (err) {
      // What is left of the part is read and dropped, so the refusal reaches the client.
      part.file.resume();
      throw err;
    }
    request.log.info({ teleconsultationId: t.id, documentId: document.id, from: document.from, sizeBytes: document.size, contentType: document.contentType }, 'document stored');
    await publishToTeleconsultation(services.bus, t.id, { type: 'document', document }).catch((err: unknown) => {
      request.log.warn({ err: { message: (err as Error).message }, documentId: document.id }, 'document stored, live event not published');
    });
    return reply.status(201).send(document);
  });

  app.get<{ Params: SessionParams }>('/api/live/:teleconsultationId/:role/documents', {
    schema: {
      summary: "The consultation's documents, with the limits of an upload",
      tags: ['documents'],
      params: sessionParams,
      response: {
        200: { type: 'object', required: ['documents', 'limits'], properties: { documents: { type: 'array', items: documentSchema }, limits: limitsSchema } },
        401: errorBodySchema, 403: errorBodySchema, 410: errorBodySchema,
      },
    },
  }, async (request): Promise<{ documents: DocumentSummary[]; limits: DocumentLimits }> => {
    const session = await requireSession(request, request.params.teleconsultationId, request.params.role);
    await assertMayRead(db, session.teleconsultation, session.role);
    return { documents: (await documentsOf(db, session.teleconsultation.id)).map(documentSummary), limits: documentLimits(config) };
  });

  app.get<{ Params: DocumentParams }>('/api/live/:teleconsultationId/:role/documents/:documentId/download', {
    schema: {
      summary: "A 303 to the document's short-lived signed download link",
      tags: ['documents'],
      params: documentParams,
      response: { 303: { type: 'null' }, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 410: errorBodySchema },
    },
  }, async (request, reply) => {
    const session = await requireSession(request, request.params.teleconsultationId, request.params.role);
    const t = session.teleconsultation;
    await assertMayRead(db, t, session.role);
    const row = await documentOf(db, t.id, request.params.documentId);
    if (!row) throw new AppError('DOCUMENT_NOT_FOUND', 'No such document in this teleconsultation.');
    const expiresAt = new Date(services.now().getTime() + config.documents.downloadLinkSeconds * 1000);
    return reply.header('Referrer-Policy', 'no-referrer').redirect(signedDocumentLink(config.linkSecret, t.id, row.id, expiresAt), 303);
  });

  app.get<{ Params: { teleconsultationId: string; documentId: string }; Querystring: { expires?: string; sig?: string } }>('/documents/:teleconsultationId/:documentId', {
    schema: {
      summary: "A document's bytes, through a signed link (and a session of its consultation)",
      tags: ['documents'],
      params: { type: 'object', required: ['teleconsultationId', 'documentId'], properties: { teleconsultationId: { type: 'string', maxLength: 64 }, documentId: { type: 'string', maxLength: 64 } } },
      querystring: { type: 'object', properties: { expires: { type: 'string', maxLength: 16 }, sig: { type: 'string', maxLength: 64 } } },
      response: { 403: errorBodySchema, 404: errorBodySchema, 410: errorBodySchema, 503: errorBodySchema },
    },
  }, async (request, reply) => {
    const { teleconsultationId, documentId } = request.params;
    const invalid = () => new AppError('DOCUMENT_LINK_INVALID', 'This download link is not valid here: open the document again from the consultation.');
    if (!isTeleconsultationId(teleconsultationId) || !UUID.test(documentId)) throw invalid();
    const link = checkDocumentLink(config.linkSecret, { teleconsultationId, documentId, expires: request.query.expires, sig: request.query.sig }, services.now());
    if (link === 'invalid') throw invalid();
    if (link === 'expired') throw new AppError('DOCUMENT_LINK_EXPIRED', 'The download link expired: open the document again from the consultation.');
    const checks = await Promise.all(ROLES.map((role) => checkRequestSession(request, teleconsultationId, role)));
    if (!checks.some((c) => c.ok) && !(await followUpReads(request, teleconsultationId))) {
      if (checks.some((c) => !c.ok && c.reason === 'cancelled')) throw new AppError('TELECONSULTATION_CANCELLED', 'This teleconsultation was cancelled.');
      throw invalid();
    }
    const row = await documentOf(db, teleconsultationId, documentId);
    if (!row) throw new AppError('DOCUMENT_NOT_FOUND', 'No such document in this teleconsultation.');
    let bytes;
    try {
      bytes = await stores.of(row.storage).get(row.storageKey);
    } catch (err) {
      if (err instanceof DocumentBytesMissing) throw new AppError('DOCUMENT_NOT_FOUND', 'No such document in this teleconsultation.', undefined, { cause: err });
      throw err;
    }
    request.log.info({ teleconsultationId, documentId, sizeBytes: row.sizeBytes }, 'document downloaded');
    return reply
      .header('Content-Type', row.contentType === 'text/plain' ? 'text/plain; charset=utf-8' : row.contentType)
      .header('Content-Length', String(row.sizeBytes))
      .header('Content-Disposition', attachmentDisposition(row.name))
      .header('X-Content-Type-Options', 'nosniff')
      .header('Cache-Control', 'no-store')
      .header('Referrer-Policy', 'no-referrer')
      // Opened rather than saved, the file still runs nothing of ours.
      .header('Content-Security-Policy', "default-src 'none'; sandbox")
      .send(bytes);
  });

  app.get<{ Params: SessionParams }>('/api/live/:teleconsultationId/:role/conversation', {
    schema: {
      summary: 'The whole conversation: messages and documents, in the order they were shared (during and after the call)',
      tags: ['documents'],
      params: sessionParams,
      response: {
        200: { type: 'object', required: ['entries'], properties: { entries: { type: 'array', items: entrySchema } } },
        401: errorBodySchema, 403: errorBodySchema, 410: errorBodySchema,
      },
    },
  }, async (request): Promise<ConversationResponse> => {
    const session = await requireSession(request, request.params.teleconsultationId, request.params.role);
    await assertMayRead(db, session.teleconsultation, session.role);
    return { entries: await conversationOf(db, session.teleconsultation.id) };
  });
}

/**
 * The link of the end-of-consultation messages when the consultation has documents: the
 * patient's own access link, which opens the patient's page where they are listed.
 */
export function documentsMessageLink(config: Config): NonNullable<MessageLinkRegistry['documentsUrl']> {
  return async (q, teleconsultationId) => {
    if (!(await hasDocuments(q, teleconsultationId))) return undefined;
    const patient = (await activeLinks(q, teleconsultationId)).patient;
    return patient ? linkUrl(config.publicUrl, config.linkSecret, patient) : undefined;
  };
}

/**
 * Documents in the app: their storages (closed with the app), their routes in their own
 * scope, their purge in the retention, and the hourly sweep of abandoned uploads.
 */
export async function registerDocuments(app: FastifyInstance, services: Services, retention: Retention): Promise<void> {
  const stores = await createDocumentStores(services.config.documents, services.database.db);
  app.addHook('onClose', async () => { await stores.close(); });
  retention.register(documentsPurge(stores));
  await registerOrphanSweep(services);
  await app.register(async (scope) => documentRoutes(scope, services, stores));
}
