CREATE TABLE "chat_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"teleconsultation_id" uuid NOT NULL,
	"sender" text NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "participants" (
	"teleconsultation_id" uuid NOT NULL,
	"role" text NOT NULL,
	"state" text DEFAULT 'absent' NOT NULL,
	"connection_id" text,
	"connected_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone,
	"left_at" timestamp with time zone,
	"knocked_at" timestamp with time zone,
	"admitted_at" timestamp with time zone,
	"denied_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "participants_teleconsultation_id_role_pk" PRIMARY KEY("teleconsultation_id","role")
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id_hash" text PRIMARY KEY NOT NULL,
	"teleconsultation_id" uuid NOT NULL,
	"clinic_id" text NOT NULL,
	"role" text NOT NULL,
	"link_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_teleconsultation_id_teleconsultations_id_fk" FOREIGN KEY ("teleconsultation_id") REFERENCES "public"."teleconsultations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_teleconsultation_id_teleconsultations_id_fk" FOREIGN KEY ("teleconsultation_id") REFERENCES "public"."teleconsultations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_teleconsultation_id_teleconsultations_id_fk" FOREIGN KEY ("teleconsultation_id") REFERENCES "public"."teleconsultations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_link_id_access_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."access_links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_messages_teleconsultation" ON "chat_messages" USING btree ("teleconsultation_id","created_at");--> statement-breakpoint
CREATE INDEX "participants_connection" ON "participants" USING btree ("connection_id");--> statement-breakpoint
CREATE INDEX "sessions_teleconsultation" ON "sessions" USING btree ("teleconsultation_id");--> statement-breakpoint
CREATE INDEX "sessions_link" ON "sessions" USING btree ("link_id");