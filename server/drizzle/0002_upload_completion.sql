ALTER TABLE "uploads" ADD COLUMN "completion_id" uuid;--> statement-breakpoint
ALTER TABLE "uploads" ADD COLUMN "completing_until" timestamp (3) with time zone;