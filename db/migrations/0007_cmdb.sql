CREATE TABLE "ci_devices" (
	"device" text PRIMARY KEY NOT NULL,
	"ci_id" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ci_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"source" text NOT NULL,
	"entity" text NOT NULL,
	"entity_id" integer NOT NULL,
	"ci_id" integer,
	"other_ci_id" integer,
	"action" text NOT NULL,
	"before" jsonb,
	"after" jsonb
);
--> statement-breakpoint
CREATE TABLE "ci_models" (
	"id" serial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"type" text NOT NULL,
	"vendor" text NOT NULL,
	"model" text NOT NULL,
	"u_height" smallint,
	"weight_kg" double precision,
	"nameplate_w" double precision,
	"psu_count" smallint,
	"airflow" text,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ci_models_key_unique" UNIQUE("key"),
	CONSTRAINT "ci_models_vendor_model_uq" UNIQUE("vendor","model")
);
--> statement-breakpoint
CREATE TABLE "ci_relations" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"from_id" integer NOT NULL,
	"to_id" integer NOT NULL,
	"feed" text,
	"port" text,
	"phase" text,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cis" (
	"id" serial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"type" text NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"description" text,
	"model_id" integer,
	"serial" text,
	"asset_tag" text,
	"owner" text,
	"install_date" date,
	"warranty_end" date,
	"support_end" date,
	"maintenance_contract" text,
	"maintenance_vendor" text,
	"parent_id" integer,
	"position_u" smallint,
	"face" text,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"links" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "cis_key_unique" UNIQUE("key"),
	CONSTRAINT "cis_face_ck" CHECK ("cis"."face" in ('front', 'rear'))
);
--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "identity" jsonb;--> statement-breakpoint
ALTER TABLE "ci_devices" ADD CONSTRAINT "ci_devices_ci_id_cis_id_fk" FOREIGN KEY ("ci_id") REFERENCES "public"."cis"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ci_relations" ADD CONSTRAINT "ci_relations_from_fk" FOREIGN KEY ("from_id") REFERENCES "public"."cis"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ci_relations" ADD CONSTRAINT "ci_relations_to_fk" FOREIGN KEY ("to_id") REFERENCES "public"."cis"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cis" ADD CONSTRAINT "cis_model_id_ci_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."ci_models"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cis" ADD CONSTRAINT "cis_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."cis"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ci_devices_ci_idx" ON "ci_devices" USING btree ("ci_id");--> statement-breakpoint
CREATE INDEX "ci_history_entity_idx" ON "ci_history" USING btree ("entity","entity_id","at");--> statement-breakpoint
CREATE INDEX "ci_history_ci_idx" ON "ci_history" USING btree ("ci_id","at");--> statement-breakpoint
CREATE INDEX "ci_history_other_idx" ON "ci_history" USING btree ("other_ci_id","at");--> statement-breakpoint
CREATE INDEX "ci_history_at_idx" ON "ci_history" USING btree ("at");--> statement-breakpoint
CREATE INDEX "ci_history_parent_after_idx" ON "ci_history" USING btree ((("after"->>'parentId')));--> statement-breakpoint
CREATE INDEX "ci_history_parent_before_idx" ON "ci_history" USING btree ((("before"->>'parentId')));--> statement-breakpoint
CREATE UNIQUE INDEX "ci_relations_uq" ON "ci_relations" USING btree ("kind","from_id","to_id",coalesce("port", ''));--> statement-breakpoint
CREATE INDEX "ci_relations_from_idx" ON "ci_relations" USING btree ("from_id","kind");--> statement-breakpoint
CREATE INDEX "ci_relations_to_idx" ON "ci_relations" USING btree ("to_id","kind");--> statement-breakpoint
CREATE INDEX "cis_parent_idx" ON "cis" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "cis_type_idx" ON "cis" USING btree ("type");--> statement-breakpoint
CREATE UNIQUE INDEX "cis_asset_tag_uq" ON "cis" USING btree ("asset_tag");--> statement-breakpoint
CREATE INDEX "cis_name_idx" ON "cis" USING btree (lower("name"));