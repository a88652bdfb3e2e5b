import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Errors } from './common/error-codes';

/** The README and docs/ must match the code: links resolve, and every error code and variable is documented once. */
const ROOT = resolve(__dirname, '..');
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (page: string) => readFileSync(join(ROOT, page), 'utf8');

/** The text outside fenced code blocks and inline code. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, (code) => code.replace(/[[\]()]/g, ' '));
}

/** GitHub's heading anchors (github-slugger): lowercase, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, text] of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const base = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

describe('README.md and docs/', () => {
  it.each(PAGES)('%s: every relative link and #anchor resolves', (page) => {
    const broken: string[] = [];
    for (const [, target] of prose(read(page)).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue;
      const [path, anchor] = target.split('#');
      const file = path ? relative(ROOT, resolve(dirname(join(ROOT, page)), path)) : page;
      if (!existsSync(join(ROOT, file))) broken.push(`${target}: no file ${file}`);
      else if (anchor !== undefined && !anchors(read(file)).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${file}`);
    }
    expect(broken).toEqual([]);
  });

  it('docs/errors.md lists every error code with its HTTP status, and no other', () => {
    const documented = [...read('docs/errors.md').matchAll(/^\| (\d{5}) \| (\d{3}) \|/gm)].map(([, code, status]) => `${code} ${status}`);
    const inCode = Object.values(Errors).map((e) => `${e.code} ${e.status}`);
    expect([...documented].sort()).toEqual([...new Set(inCode)].sort());
  });

  it('docs/configuration.md lists every variable src/config reads, and no other', () => {
    const configFiles = readdirSync(join(ROOT, 'src/config')).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    // A variable's name is the first argument of the call that reads it (after `env`, if passed).
    const inCode = new Set(configFiles.flatMap((f) => [...read(`src/config/${f}`).matchAll(/\((?:env, )?'([A-Z][A-Z0-9_]{2,})'/g)].map((m) => m[1])));
    // DOCKER_HOST is the docker CLI's own variable, documented for where it points.
    const documented = new Set([...read('docs/configuration.md').matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]).filter((v) => v !== 'DOCKER_HOST'));
    expect([...documented].sort()).toEqual([...inCode].sort());
  });
});
