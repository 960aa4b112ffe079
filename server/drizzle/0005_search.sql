CREATE TABLE "node_stars" (
	"user_id" uuid NOT NULL,
	"node_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "node_stars_user_id_node_id_pk" PRIMARY KEY("user_id","node_id")
);
--> statement-breakpoint
ALTER TABLE "node_stars" ADD CONSTRAINT "node_stars_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_stars" ADD CONSTRAINT "node_stars_node_id_nodes_id_fk" FOREIGN KEY ("node_id") REFERENCES "public"."nodes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "node_stars_user_created_idx" ON "node_stars" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS unaccent;--> statement-breakpoint
-- A name as search compares it: without accents, in lower case. unaccent() itself is only STABLE
-- (its dictionary could change), so an index needs this wrapper, which names the dictionary.
CREATE FUNCTION fileshare_fold(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;--> statement-breakpoint
CREATE INDEX "nodes_name_search_idx" ON "nodes" USING gin (fileshare_fold("name") gin_trgm_ops) WHERE "trashed_at" IS NULL;--> statement-breakpoint
CREATE INDEX "nodes_recent_files_idx" ON "nodes" USING btree ("owner_id", "updated_at" DESC, "id") WHERE "kind" = 'file' AND "trashed_at" IS NULL;
