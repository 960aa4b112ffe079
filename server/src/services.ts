import type { Deps } from './deps.ts';
import {
  type AppPasswordsService,
  createAppPasswordsService,
} from './features/auth/app-passwords.service.ts';
import { type AuthService, createAuthService } from './features/auth/auth.service.ts';
import { createDavLocks, type DavLocks } from './features/dav/dav.locks.service.ts';
import { createFilesService, type FilesService } from './features/files/files.service.ts';
import {
  createInvitationsService,
  type InvitationsService,
} from './features/invitations/invitations.service.ts';
import { createMembersService, type MembersService } from './features/members/members.service.ts';
import {
  createNodesService,
  type NodesRepository,
  type NodesService,
} from './features/nodes/nodes.service.ts';
import { createSearchService, type SearchService } from './features/search/search.service.ts';
import { createDropService, type DropService } from './features/shares/drop.service.ts';
import { createShareGrants, type ShareGrants } from './features/shares/shares.grants.ts';
import { createSharesService, type SharesService } from './features/shares/shares.service.ts';
import { createUploadsService, type UploadsService } from './features/uploads/uploads.service.ts';
import { createUsersService, type UsersService } from './features/users/users.service.ts';

export interface Services {
  users: UsersService;
  auth: AuthService;
  appPasswords: AppPasswordsService;
  invitations: InvitationsService;
  nodes: NodesService;
  files: FilesService;
  uploads: UploadsService;
  shares: SharesService;
  shareGrants: ShareGrants;
  drops: DropService;
  search: SearchService;
  members: MembersService;
  davLocks: DavLocks;
}

/** Stand-ins for a feature's repository (a test injecting a fault); the real ones otherwise. */
export interface RepositoryOverrides {
  nodes?: NodesRepository;
}

export function createServices(deps: Deps, repositories: RepositoryOverrides = {}): Services {
  const users = createUsersService(deps);
  const nodes = createNodesService(deps, users, repositories.nodes);
  const invitations = createInvitationsService(deps, users);
  const appPasswords = createAppPasswordsService(deps, users);
  const auth = createAuthService(deps, users, nodes, invitations, appPasswords);
  const files = createFilesService(deps, nodes, users);
  const uploads = createUploadsService(deps, nodes, users, files);
  const members = createMembersService(deps, users, nodes);
  const shares = createSharesService(deps, nodes);
  const shareGrants = createShareGrants(deps, shares);
  const drops = createDropService(deps, files, uploads, shares);
  const search = createSearchService(deps, nodes);
  const davLocks = createDavLocks(deps, nodes);
  return {
    users,
    auth,
    appPasswords,
    invitations,
    nodes,
    files,
    uploads,
    shares,
    shareGrants,
    search,
    members,
    drops,
    davLocks,
  };
}

/** What every feature's routes plugin receives. */
export interface RouteOptions {
  deps: Deps;
  services: Services;
}
