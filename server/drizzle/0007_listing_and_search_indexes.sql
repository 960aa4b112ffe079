-- A folder's first page without sorting all its children: folders and files are read apart
-- (nodes.repository.ts pageRows), each in the order of the listing's keys.
CREATE INDEX "nodes_live_children_name_idx" ON "nodes" USING btree ("parent_id", "kind", lower("name"), "name", "id") WHERE "trashed_at" IS NULL;--> statement-breakpoint
CREATE INDEX "nodes_live_children_size_idx" ON "nodes" USING btree ("parent_id", "kind", coalesce("size", 0), lower("name"), "name", "id") WHERE "trashed_at" IS NULL;--> statement-breakpoint
-- Search's exact and prefix matches (text_pattern_ops answers LIKE 'x%' whatever the collation);
-- it also gives the planner statistics on folded names, to tell a common word from a rare one.
CREATE INDEX "nodes_name_folded_idx" ON "nodes" USING btree (fileshare_fold("name") text_pattern_ops) WHERE "trashed_at" IS NULL;--> statement-breakpoint
-- Search's matches newest first: walked in this order while matches are many, instead of
-- fetching every match to sort them.
CREATE INDEX "nodes_live_recent_idx" ON "nodes" USING btree ("updated_at" DESC, "id" DESC) WHERE "trashed_at" IS NULL;
--> statement-breakpoint
-- Statistics on folded names (a partial index gives none): how common a word or a prefix is
-- decides between walking newest first and taking the matches from an index.
CREATE STATISTICS "nodes_name_folded_stats" ON (fileshare_fold("name")) FROM "nodes";
--> statement-breakpoint
-- Every child of a node whatever its state: what deleting a node checks for each row it removes
-- (the parent_id foreign key cascades), and what a walk down a subtree follows. The indexes above
-- cover live nodes only, so without this each deleted row of a purge read the whole table.
CREATE INDEX "nodes_parent_idx" ON "nodes" USING btree ("parent_id");
