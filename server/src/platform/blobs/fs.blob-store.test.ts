import { tempDir } from '../../../test/services.ts';
import { blobStoreSuite } from './blob-store.test-suite.ts';
import { createFsBlobStore } from './fs.blob-store.ts';

blobStoreSuite('local directory', async () => {
  const dir = await tempDir();
  return { store: await createFsBlobStore(dir.path), close: dir.remove };
});
