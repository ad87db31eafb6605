-- Locations are configuration items now (cis, with ci_devices linking collector devices): the first
-- location tree, which nothing wrote to, goes.
ALTER TABLE "devices" DROP CONSTRAINT IF EXISTS "devices_location_id_locations_id_fk";--> statement-breakpoint
ALTER TABLE "devices" DROP COLUMN IF EXISTS "location_id";--> statement-breakpoint
DROP TABLE IF EXISTS "locations";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."location_kind";
