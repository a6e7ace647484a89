CREATE TABLE "document_chunks" (
	"storage_key" text NOT NULL,
	"seq" integer NOT NULL,
	"data" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "document_chunks_storage_key_seq_pk" PRIMARY KEY("storage_key","seq")
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"teleconsultation_id" uuid NOT NULL,
	"sender" text NOT NULL,
	"name" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"storage" text NOT NULL,
	"storage_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "drawing_operations" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "drawing_operations_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"teleconsultation_id" uuid NOT NULL,
	"sender" text NOT NULL,
	"operation" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "drawings" (
	"teleconsultation_id" uuid PRIMARY KEY NOT NULL,
	"surface" text DEFAULT 'off' NOT NULL,
	"operations" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_teleconsultation_id_teleconsultations_id_fk" FOREIGN KEY ("teleconsultation_id") REFERENCES "public"."teleconsultations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drawing_operations" ADD CONSTRAINT "drawing_operations_teleconsultation_id_teleconsultations_id_fk" FOREIGN KEY ("teleconsultation_id") REFERENCES "public"."teleconsultations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drawings" ADD CONSTRAINT "drawings_teleconsultation_id_teleconsultations_id_fk" FOREIGN KEY ("teleconsultation_id") REFERENCES "public"."teleconsultations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "documents_teleconsultation" ON "documents" USING btree ("teleconsultation_id","created_at");--> statement-breakpoint
CREATE INDEX "drawing_operations_teleconsultation" ON "drawing_operations" USING btree ("teleconsultation_id","seq");