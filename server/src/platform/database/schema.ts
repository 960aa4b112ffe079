// Every table of the product, gathered for Drizzle's typed queries and for drizzle-kit.
export * from '../../features/auth/app-passwords.table.ts';
export * from '../../features/auth/sessions.table.ts';
export * from '../../features/dav/dav.locks.table.ts';
export * from '../../features/dav/dav.properties.table.ts';
export * from '../../features/invitations/invitations.table.ts';
export * from '../../features/members/members.table.ts';
export * from '../../features/nodes/nodes.table.ts';
export * from '../../features/search/stars.table.ts';
export * from '../../features/shares/shares.table.ts';
export * from '../../features/uploads/uploads.table.ts';
export * from '../../features/users/users.table.ts';
