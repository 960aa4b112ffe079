import { startS3 } from '../../../test/services.ts';
import { blobStoreSuite } from './blob-store.test-suite.ts';
import { createS3BlobStore } from './s3.blob-store.ts';

blobStoreSuite('S3 (s3rver)', async () => {
  const s3 = await startS3();
  const store = createS3BlobStore(s3.config);
  return {
    store,
    async close() {
      await store.close();
      await s3.close();
    },
  };
});
