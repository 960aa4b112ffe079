// Makes the bundles of the packages loaded as one module each (see module-bundles.ts); run on install.
import { makeBundles } from './module-bundles.ts';

for (const file of await makeBundles()) console.log(`made ${file}`);
