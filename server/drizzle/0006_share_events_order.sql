ALTER TABLE "uploads" DROP CONSTRAINT "uploads_share_id_share_links_id_fk";
--> statement-breakpoint
DROP INDEX "share_events_share_at_idx";--> statement-breakpoint
ALTER TABLE "share_events" ADD COLUMN "seq" bigserial NOT NULL;--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_share_id_share_links_id_fk" FOREIGN KEY ("share_id") REFERENCES "public"."share_links"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "share_events_share_seq_idx" ON "share_events" USING btree ("share_id","seq");