CREATE TABLE "rollup_dirty" (
	"point_id" integer NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"seq" bigserial NOT NULL,
	"marked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rollup_dirty_pk" PRIMARY KEY("point_id","bucket")
);
--> statement-breakpoint
CREATE TABLE "rollup_dirty_1d" (
	"point_id" integer NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	CONSTRAINT "rollup_dirty_1d_pk" PRIMARY KEY("point_id","bucket")
);
--> statement-breakpoint
CREATE TABLE "rollup_dirty_1h" (
	"point_id" integer NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	CONSTRAINT "rollup_dirty_1h_pk" PRIMARY KEY("point_id","bucket")
);
--> statement-breakpoint
CREATE TABLE "rollups_1d" (
	"point_id" integer NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"n" integer NOT NULL,
	"sum" double precision,
	"min" double precision,
	"max" double precision,
	"first_ts" timestamp with time zone,
	"last_ts" timestamp with time zone,
	"last" double precision,
	"twa" double precision,
	"integral" double precision NOT NULL,
	"covered_s" double precision NOT NULL,
	"delta" double precision,
	CONSTRAINT "rollups_1d_pk" PRIMARY KEY("point_id","bucket")
);
--> statement-breakpoint
CREATE TABLE "rollups_1h" (
	"point_id" integer NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"n" integer NOT NULL,
	"sum" double precision,
	"min" double precision,
	"max" double precision,
	"first_ts" timestamp with time zone,
	"last_ts" timestamp with time zone,
	"last" double precision,
	"twa" double precision,
	"integral" double precision NOT NULL,
	"covered_s" double precision NOT NULL,
	"delta" double precision,
	CONSTRAINT "rollups_1h_pk" PRIMARY KEY("point_id","bucket")
);
--> statement-breakpoint
CREATE TABLE "rollups_1m" (
	"point_id" integer NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"n" integer NOT NULL,
	"sum" double precision,
	"min" double precision,
	"max" double precision,
	"first_ts" timestamp with time zone,
	"last_ts" timestamp with time zone,
	"last" double precision,
	"twa" double precision,
	"integral" double precision NOT NULL,
	"covered_s" double precision NOT NULL,
	"delta" double precision,
	CONSTRAINT "rollups_1m_pk" PRIMARY KEY("point_id","bucket")
);
--> statement-breakpoint
CREATE INDEX "rollups_1d_bucket_idx" ON "rollups_1d" USING btree ("bucket");--> statement-breakpoint
CREATE INDEX "rollups_1h_bucket_idx" ON "rollups_1h" USING btree ("bucket");--> statement-breakpoint
CREATE INDEX "rollups_1m_bucket_idx" ON "rollups_1m" USING btree ("bucket");