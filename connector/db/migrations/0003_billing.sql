CREATE TABLE "payment_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"clinic_id" text NOT NULL,
	"teleconsultation_id" uuid NOT NULL,
	"practitioner_id" text NOT NULL,
	"amount_cents" integer NOT NULL,
	"currency" text NOT NULL,
	"description" text NOT NULL,
	"status" text NOT NULL,
	"provider" text NOT NULL,
	"connected_account" text,
	"checkout_attempt" integer DEFAULT 0 NOT NULL,
	"checkout_id" text,
	"checkout_url" text,
	"checkout_expires_at" timestamp with time zone,
	"payment_intent_id" text,
	"last_error_code" text,
	"expires_at" timestamp with time zone NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"paid_at" timestamp with time zone,
	"status_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resends" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "practitioner_accounts" (
	"clinic_id" text NOT NULL,
	"practitioner_id" text NOT NULL,
	"stripe_account" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "practitioner_accounts_clinic_id_practitioner_id_pk" PRIMARY KEY("clinic_id","practitioner_id")
);
--> statement-breakpoint
ALTER TABLE "payment_requests" ADD CONSTRAINT "payment_requests_teleconsultation_id_teleconsultations_id_fk" FOREIGN KEY ("teleconsultation_id") REFERENCES "public"."teleconsultations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "payment_requests_open" ON "payment_requests" USING btree ("teleconsultation_id") WHERE "payment_requests"."status" in ('creating', 'requested');--> statement-breakpoint
CREATE INDEX "payment_requests_teleconsultation" ON "payment_requests" USING btree ("teleconsultation_id","requested_at");--> statement-breakpoint
CREATE INDEX "payment_requests_checkout" ON "payment_requests" USING btree ("checkout_id");--> statement-breakpoint
CREATE INDEX "payment_requests_intent" ON "payment_requests" USING btree ("payment_intent_id");