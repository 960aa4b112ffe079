#!/usr/bin/env node
// The command is TypeScript that Node runs as it is (type stripping, Node 24 and later).
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`fileshare: needs Node.js 24 or later (this is ${process.version}).\n`);
  process.exit(1);
}
await import('../src/main.ts');
