// Bundles the compiled app (tsc's dist/src/main.js and everything it requires) into that same file.
// Why: loading 2,400 separate modules (resolving, reading and compiling each) was most of the cold
// start, and their sources a large share of the idle memory (docs/performance.md, issue 15).
// tsc runs first, so the decorator metadata is already in its output; esbuild only joins the files.
//
//   node build/bundle.mjs [DIST]   DIST defaults to ./dist; `npm run build` and deploy/build-image.sh run it
//
// The other files tsc wrote stay: the migration CLI (dist/src/database/migration-cli.js) runs from them,
// and dist/src/docker-entrypoint.js requires ./main, which is now the bundle.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dist = resolve(process.argv[2] ?? 'dist');
const main = join(dist, 'src', 'main.js');

// Left in node_modules and required at run time, each for a reason:
const external = [
  // A native addon, found through the files next to it.
  'better-sqlite3',
  // They locate files relative to their own folder: swagger-ui-dist (Swagger UI's assets under /docs)
  // and app-root-path (TypeORM's idea of the project root).
  'swagger-ui-dist',
  'app-root-path',
  // Optional packages Nest and its modules try to require; this app does not install them.
  '@nestjs/microservices',
  '@nestjs/websockets',
  '@nestjs/platform-express',
  '@nestjs/mongoose',
  '@nestjs/sequelize',
  '@mikro-orm/core',
  '@fastify/view',
  'class-transformer/storage',
];

await build({
  entryPoints: [main],
  outfile: main,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external,
  // Bundling renames a class or function when its name collides with another in the bundle; Nest,
  // TypeORM and Swagger read these names (entity and schema names, tokens, log contexts).
  keepNames: true,
  // A smaller source for V8 to parse and keep, same code. Not minifyIdentifiers: compiling the renamed
  // bundle took about 25 MB more native memory (glibc kept it), and stack traces would say less.
  minifyWhitespace: true,
  minifySyntax: true,
  // main.js.map maps back to the TypeScript through tsc's maps: `node --enable-source-maps`.
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
});

let source = readFileSync(main, 'utf8');

// keepNames wraps every class and function in __name(), which redefines `name` even when it is already
// right: each function then carries a property store of its own (about 2 MB over 9,000 functions).
const NAME_HELPER = 'var __name=(target,value)=>__defProp(target,"name",{value,configurable:!0});';
if (source.split(NAME_HELPER).length !== 2) throw new Error(`esbuild's __name helper changed; update ${import.meta.url}`);
source = source.replace(NAME_HELPER, 'var __name=(target,value)=>target.name===value?target:__defProp(target,"name",{value,configurable:!0});');

// esbuild keeps non-ASCII characters inside regular expressions (validator's alphabets). One of them
// makes V8 hold the whole source as a two-byte string: twice the memory. `\uXXXX` is the same character
// in a regular expression, a string or an identifier.
if (/\\[^\x00-\x7f]/.test(source)) throw new Error('a non-ASCII character follows a backslash: escaping it would change its meaning');
source = source.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

writeFileSync(main, source);
console.log(`bundled ${main} (${(source.length / 1048576).toFixed(1)} MiB)`);
