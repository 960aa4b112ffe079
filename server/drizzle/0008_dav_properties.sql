CREATE TABLE "dav_properties" (
	"node_id" uuid NOT NULL,
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "dav_properties_node_id_namespace_name_pk" PRIMARY KEY("node_id","namespace","name")
);
--> statement-breakpoint
ALTER TABLE "dav_properties" ADD CONSTRAINT "dav_properties_node_id_nodes_id_fk" FOREIGN KEY ("node_id") REFERENCES "public"."nodes"("id") ON DELETE cascade ON UPDATE no action;