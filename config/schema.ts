/**
 * The one typed configuration of the service. Everything that varies between a laptop,
 * CI and a clinic's production lives here; `config/load.ts` is the only reader of the
 * environment. Optional blocks are `undefined` when their service is not configured, and
 * the product then falls back to its first-run stand-ins (demo agenda, dev outbox,
 * sandbox payments, peer-to-peer calls), each clearly labelled as such.
 */
import { Type, type Static } from 'typebox';

/** One STUN/TURN server, as `RTCIceServer` in the browser. */
export const IceServerSchema = Type.Object({
  urls: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })]),
  username: Type.Optional(Type.String()),
  credential: Type.Optional(Type.String()),
});
export type IceServer = Static<typeof IceServerSchema>;
export const IceServersSchema = Type.Array(IceServerSchema);

/** Per-clinic settings; the database keeps each clinic's own copy, seeded from these defaults. */
export interface ClinicSettings {
  /** Reminders before the start, in minutes (e.g. [1440] for 24 h). Empty: no reminder. */
  reminderOffsetsMinutes: number[];
  /** The waiting-room invitation, minutes before the start. */
  invitationMinutesBefore: number;
  /** Preset invoice amounts in cents. */
  invoicePresetsCents: number[];
  /** Largest amount a practitioner may type, in cents. */
  invoiceMaxCents: number;
  /** ISO 4217 currency, upper case. */
  currency: string;
  /** Unpaid invoice reminder delay, in minutes. */
  paymentReminderMinutes: number;
  /** Name shown as the sender of emails and in SMS. */
  senderName: string;
  /**
   * Days after the appointment after which the patient's data (contacts, chat, messages,
   * sessions, links, documents) is deleted; what accounting needs (amounts, statuses, dates,
   * ids) stays.
   */
  retentionDays: number;
}

export interface RateLimits {
  /** Opening `/j/…` links and `/pay/…` pages: what a link guesser does. */
  linksPerMinute: number;
  /** The live API of a session (`/api/live/…`). */
  livePerMinute: number;
  /** Live socket connections (`/live/…`). */
  socketsPerMinute: number;
  /** Asking for a follow-up sign-in link and opening one (`/api/follow-up/sign-in`, `/f/…`). */
  signInPerMinute: number;
}

export interface AgendaConfig {
  apiUrl: string;
  apiToken: string;
  /** Standard Webhooks secret, `whsec_<base64>`. */
  webhookSecret: string;
  /** True when the agenda is the built-in demo stand-in rather than a real hub. */
  demo: boolean;
}

export interface JitsiConfig {
  domain: string;
  appId: string;
  appSecret: string;
  audience: string;
  eventsToken: string | undefined;
}

export interface SendgridConfig {
  apiKey: string;
  apiUrl: string;
  webhookPublicKey: string | undefined;
}

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  apiUrl: string;
}

export interface StripeConfig {
  secretKey: string;
  webhookSecret: string;
  /** Signing secret of the Connect endpoint (events of practitioners' connected accounts). */
  connectWebhookSecret?: string | undefined;
  apiUrl: string;
}

/** The content types the documents feature knows how to check (DOCUMENT_TYPES picks among them). */
export const SUPPORTED_DOCUMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif', 'image/gif', 'text/plain'] as const;
export type DocumentType = (typeof SUPPORTED_DOCUMENT_TYPES)[number];

/** S3-compatible object storage of documents (AWS S3, or a compatible service at `endpoint`). */
export interface S3StorageConfig {
  bucket: string;
  region: string;
  /** The service's URL when it is not AWS (MinIO, Scaleway, OVH…); undefined: AWS's own endpoint for the region. */
  endpoint: string | undefined;
  /** `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key` (most compatible services want it). */
  forcePathStyle: boolean;
  accessKeyId: string;
  /** Never logged. */
  secretAccessKey: string;
}

/** Documents shared in a consultation ("Partager un fichier"). */
export interface DocumentsConfig {
  /** Per file, in bytes. */
  maxFileBytes: number;
  /** All documents of one consultation together, in bytes. */
  maxConsultationBytes: number;
  /** Accepted content types, checked against the content and the file's extension. */
  contentTypes: DocumentType[];
  /** Where new documents' bytes go; documents already stored stay readable where they are. */
  storage: 'database' | 's3';
  /** Set when the S3_* variables are: required with `storage: 's3'`, and kept to read older documents. */
  s3: S3StorageConfig | undefined;
  /** How long a download link stays valid, in seconds. */
  downloadLinkSeconds: number;
}

/**
 * The first-run stand-ins. Without a real agenda (and outside NODE_ENV=production) they are
 * on where their service is missing; with a real agenda or in production each is off unless
 * switched on by its own variable (DEMO_AGENDA, DEV_OUTBOX, SANDBOX_PAYMENTS).
 */
export interface StandIns {
  /** The built-in demo agenda instead of a hub. */
  demoAgenda: boolean;
  /** Messages of a channel without provider kept at /dev/outbox (else that channel is off). */
  devOutbox: boolean;
  /** Payments simulated on a labelled test page when Stripe is not configured (else payments are off). */
  sandboxPayments: boolean;
}

export interface Config {
  /** A real agenda is connected, or NODE_ENV=production: stand-ins only by name, secrets checked for strength. */
  production: boolean;
  standIns: StandIns;
  /** The operator's credential for operator pages (the dev outbox in production), `Authorization: Bearer …`. */
  operatorToken: string | undefined;
  /** Origins allowed to embed our pages in a frame (CSP frame-ancestors); empty: none. */
  frameAncestors: string[];
  /**
   * The reverse proxies whose X-Forwarded-For is believed (addresses, CIDR ranges, or
   * `loopback`, `linklocal`, `uniquelocal`), or how many hops; false: none, the client is
   * the connection's address.
   */
  trustProxy: false | string[] | number;
  /** Requests per minute and client address (see connector/http/rate-limits.ts). */
  rateLimits: RateLimits;
  port: number;
  host: string;
  /** Base of every link we send, without a trailing slash. */
  publicUrl: string;
  /** Embedded database and file storage folder. */
  dataDir: string;
  /** PostgreSQL URL; undefined means embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Key for signed links and session cookies. Never logged. */
  linkSecret: string;
  /** Where links lead when opened: hours a link stays valid after the appointment's end. */
  linkGraceHours: number;
  /** "Suivi et paiement": minutes a sign-in link opens sessions, hours a follow-up session lasts. */
  followUp: { signInLinkMinutes: number; sessionHours: number };
  /** A patient who drops out of an accepted call and returns within this time is let back in without knocking. */
  rejoinGraceSeconds: number;
  agenda: AgendaConfig;
  /** Reconciliation period with the agenda API, in minutes (0 disables the schedule). */
  reconcileEveryMinutes: number;
  /** Timeout of one agenda API call, in milliseconds. */
  agendaTimeoutMs: number;
  jitsi: JitsiConfig | undefined;
  iceServers: IceServer[];
  mailFrom: string;
  sendgrid: SendgridConfig | undefined;
  twilio: TwilioConfig | undefined;
  stripe: StripeConfig | undefined;
  clinicDefaults: ClinicSettings;
  documents: DocumentsConfig;
  /** Whether background job workers run in this process (off for a web-only instance). */
  workers: boolean;
}
