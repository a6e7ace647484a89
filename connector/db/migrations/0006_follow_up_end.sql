CREATE TABLE "follow_up_sessions" (
	"id_hash" text PRIMARY KEY NOT NULL,
	"clinic_id" text NOT NULL,
	"practitioner_id" text NOT NULL,
	"sign_in_link_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "sign_in_links" (
	"id_hash" text PRIMARY KEY NOT NULL,
	"clinic_id" text NOT NULL,
	"practitioner_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "teleconsultations" ADD COLUMN "ended_by" text;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "denied_message" text;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "delay_minutes" integer;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "delayed_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "follow_up_sessions_practitioner" ON "follow_up_sessions" USING btree ("clinic_id","practitioner_id");--> statement-breakpoint
CREATE INDEX "sign_in_links_practitioner" ON "sign_in_links" USING btree ("clinic_id","practitioner_id","created_at");--> statement-breakpoint
CREATE INDEX "teleconsultations_practitioner_starts" ON "teleconsultations" USING btree ("clinic_id",("practitioner"->>'id'),"starts_at");--> statement-breakpoint
CREATE INDEX "teleconsultations_practitioner_email" ON "teleconsultations" USING btree (lower("practitioner"->>'email'));