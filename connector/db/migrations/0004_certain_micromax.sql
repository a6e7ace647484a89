CREATE TABLE "clinic_audit" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"clinic_id" text NOT NULL,
	"action" text NOT NULL,
	"subject" text NOT NULL,
	"actor" jsonb NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "teleconsultation_events" ADD COLUMN "actor" jsonb DEFAULT '{"kind":"system","process":"unrecorded"}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "teleconsultations" ADD COLUMN "purged_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "clinic_audit_clinic_at" ON "clinic_audit" USING btree ("clinic_id","at");--> statement-breakpoint
CREATE INDEX "teleconsultations_retention" ON "teleconsultations" USING btree ("starts_at") WHERE "teleconsultations"."purged_at" is null;