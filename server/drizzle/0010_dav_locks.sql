CREATE TABLE "dav_locks" (
	"token" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"path" text NOT NULL,
	"scope" text NOT NULL,
	"depth" text NOT NULL,
	"owner" text,
	"timeout_seconds" integer NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "dav_locks" ADD CONSTRAINT "dav_locks_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dav_locks_user_path" ON "dav_locks" USING btree ("user_id","path");--> statement-breakpoint
CREATE INDEX "dav_locks_expiry" ON "dav_locks" USING btree ("expires_at");