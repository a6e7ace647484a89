CREATE TABLE "access_links" (
	"id" text PRIMARY KEY NOT NULL,
	"clinic_id" text NOT NULL,
	"teleconsultation_id" uuid NOT NULL,
	"role" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"clinic_id" text NOT NULL,
	"key_hash" text NOT NULL,
	"label" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "appointments" (
	"clinic_id" text NOT NULL,
	"appointment_id" text NOT NULL,
	"version" integer NOT NULL,
	"status" text NOT NULL,
	"teleconsultation" boolean NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"agenda_updated_at" timestamp with time zone,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "appointments_clinic_id_appointment_id_pk" PRIMARY KEY("clinic_id","appointment_id")
);
--> statement-breakpoint
CREATE TABLE "clinics" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "demo_appointments" (
	"id" text PRIMARY KEY NOT NULL,
	"body" jsonb NOT NULL,
	"teleconsultation" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_state" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "teleconsultation_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"clinic_id" text NOT NULL,
	"teleconsultation_id" uuid NOT NULL,
	"type" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "teleconsultations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"clinic_id" text NOT NULL,
	"appointment_id" text NOT NULL,
	"appointment_version" integer NOT NULL,
	"status" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"duration_minutes" integer NOT NULL,
	"reason_id" text NOT NULL,
	"reason_label" text NOT NULL,
	"practitioner" jsonb NOT NULL,
	"patient" jsonb NOT NULL,
	"patient_email" text,
	"email_problem" text,
	"patient_mobile" text,
	"sms_problem" text,
	"booked_online" boolean NOT NULL,
	"room_name" text NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"agenda_revision" integer DEFAULT 0 NOT NULL,
	"cancelled_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_receipts" (
	"source" text NOT NULL,
	"delivery_id" text NOT NULL,
	"event_type" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_receipts_source_delivery_id_pk" PRIMARY KEY("source","delivery_id")
);
--> statement-breakpoint
ALTER TABLE "access_links" ADD CONSTRAINT "access_links_teleconsultation_id_teleconsultations_id_fk" FOREIGN KEY ("teleconsultation_id") REFERENCES "public"."teleconsultations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "access_links_teleconsultation" ON "access_links" USING btree ("teleconsultation_id","role");--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_hash" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "teleconsultation_events_clinic_at" ON "teleconsultation_events" USING btree ("clinic_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "teleconsultations_appointment" ON "teleconsultations" USING btree ("clinic_id","appointment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "teleconsultations_room" ON "teleconsultations" USING btree ("room_name");--> statement-breakpoint
CREATE INDEX "teleconsultations_clinic_starts" ON "teleconsultations" USING btree ("clinic_id","starts_at");--> statement-breakpoint
CREATE INDEX "teleconsultations_writeback_pending" ON "teleconsultations" USING btree ("id") WHERE "teleconsultations"."revision" > "teleconsultations"."agenda_revision";