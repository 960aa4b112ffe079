// Makes the PGlite template new data directories start from (see pglite-template.ts); run on install.
import { makePgliteTemplate } from './database.ts';

const started = performance.now();
const { file, made } = await makePgliteTemplate();
console.log(
  made
    ? `made the PGlite template ${file} in ${((performance.now() - started) / 1000).toFixed(1)} s`
    : `the PGlite template ${file} is there already`,
);
