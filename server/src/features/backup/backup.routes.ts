import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import tar from 'tar-stream';
import type { RouteOptions } from '../../services.ts';
import { AppError } from '../../shared/errors.ts';
import { writeBackup } from './backup.ts';

const notEmbedded = () =>
  new AppError(
    409,
    'backup_not_embedded',
    'This server runs on PostgreSQL and S3: back those up with their own tools (docs/deploy.md).',
  );

/** `POST /admin/backup`: a tar of the running embedded instance, streamed (`npm run backup` asks for it). */
export const backupRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { deps }) => {
  app.post(
    '/admin/backup',
    { config: { access: 'admin' }, schema: { hide: true } },
    async (request, reply) => {
      if (deps.database.dumpDataDir === undefined || deps.blobs.driver !== 'fs') throw notEmbedded();
      const pack = tar.pack();
      writeBackup(deps, pack).catch((error: Error) => {
        request.log.error({ err: error }, 'backup failed');
        pack.destroy(error);
      });
      return reply
        .type('application/x-tar')
        .header('content-disposition', 'attachment; filename="backup.tar"')
        .send(pack);
    },
  );
};
