import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeFilePath, stackDirectory } from '../../swarm/stack-files';
import { buildStackScripts, heredocDelimiter, HEREDOC_PREFIX, shellQuote, shellWord } from './stack-scripts';

/** Runs the displayed baseStartScript with a real shell and returns the file it wrote, as bytes. */
function runBaseStart(content: string, shell: 'bash' | 'sh' = 'bash', dirName = 'data'): Buffer {
  const root = mkdtempSync(join(tmpdir(), 'dds-scripts-'));
  try {
    const dataDir = join(root, dirName);
    const scripts = buildStackScripts({
      stackDir: stackDirectory(dataDir, 'halo'),
      composeFile: composeFilePath(dataDir, 'halo'),
      serviceName: 'halo',
      content,
      updateTarget: 'halo_halo',
    });
    // Run twice: the second run must replace, not append to, the first file.
    for (let i = 0; i < 2; i++) {
      const script = scripts.baseStartScript.join('\n');
      // Linux caps one argv string at 128 KiB (MAX_ARG_STRLEN): feed bigger scripts on stdin, as a paste would.
      const big = script.length > 100_000;
      const run = spawnSync(shell, big ? ['-s'] : ['-c', script], { cwd: root, env: { PATH: process.env.PATH, HOME: root }, input: big ? script : undefined });
      expect({ status: run.status, stderr: run.stderr.toString() }).toEqual({ status: 0, stderr: '' });
    }
    return readFileSync(composeFilePath(dataDir, 'halo'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const NASTY = [
  'services:',
  '  web:',
  '    image: "nginx:1" # "double" quotes',
  "    command: echo 'single' \"$HOME\" ${HOME} $(id -u) `uname` \\n \\",
  'EOF',
  HEREDOC_PREFIX,
  `${HEREDOC_PREFIX}_1`,
  `  ${HEREDOC_PREFIX}`,
  "'",
  ')',
  '"',
  '    environment: { GREETING: "你好, мир 🌍" }\ttabbed',
  '',
].join('\n');

describe('displayed stack scripts', () => {
  it('shellQuote single-quotes every word, escaping single quotes', () => {
    expect(shellQuote('/data/stacks/halo')).toBe("'/data/stacks/halo'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe("''");
    const run = spawnSync('bash', ['-c', `printf '%s' ${shellQuote(`a'b "$x" $(no) \`no\` \\ ''`)}`]);
    expect(run.stdout.toString()).toBe(`a'b "$x" $(no) \`no\` \\ ''`);
  });

  it('shellWord leaves stack names bare and quotes anything else', () => {
    expect(shellWord('halo_web-1')).toBe('halo_web-1');
    expect(shellWord('a b')).toBe("'a b'");
    expect(shellWord('$(x)')).toBe("'$(x)'");
  });

  it('picks a here-document delimiter that is not a line of the content', () => {
    expect(heredocDelimiter('services: {}\n')).toBe('DDS_EOF');
    expect(heredocDelimiter('DDS_EOF\nx\n')).toBe('DDS_EOF_1');
    expect(heredocDelimiter('DDS_EOF\nDDS_EOF_1\nDDS_EOF_2')).toBe('DDS_EOF_3');
    expect(heredocDelimiter(' DDS_EOF\nDDS_EOF \n')).toBe('DDS_EOF');
  });

  it('shows the contract commands with quoted paths and the {0}:{1} placeholders', () => {
    const scripts = buildStackScripts({
      stackDir: '/srv/dds/stacks/halo',
      composeFile: '/srv/dds/stacks/halo/docker-compose.yml',
      serviceName: 'halo',
      content: 'services:\n  halo:\n    image: nginx\n',
      updateTarget: 'halo_halo',
    });
    expect(scripts).toEqual({
      baseStartScript: [
        "rm -f '/srv/dds/stacks/halo/docker-compose.yml'",
        "mkdir -p '/srv/dds/stacks/halo'",
        "cat > '/srv/dds/stacks/halo/docker-compose.yml' <<'DDS_EOF'\nservices:\n  halo:\n    image: nginx\nDDS_EOF",
      ],
      startScript: "docker stack deploy --with-registry-auth -c '/srv/dds/stacks/halo/docker-compose.yml' halo",
      downScript: 'docker stack rm halo',
      updateScript: 'docker service update --with-registry-auth --image {0}:{1} halo_halo',
    });
  });

  it.each([
    ['quotes, $, $(...), backticks, EOF and delimiter lines, unicode', NASTY],
    ['CRLF line ends', NASTY.replace(/\n/g, '\r\n')],
    ['no final newline', NASTY.trimEnd()],
    ['CRLF without a final newline', 'services:\r\n  web:\r\n    image: x\r\nEOF\r\nDDS_EOF'],
    ['several final newlines', `${NASTY}\n\n\n`],
    ['a single line', 'services: {web: {image: x}}'],
    ['a lone carriage return at the end', 'services: {web: {image: x}}\r'],
  ])('bash reproduces the compose file byte for byte: %s', (_, content) => {
    expect(runBaseStart(content).equals(Buffer.from(content, 'utf8'))).toBe(true);
  });

  it('also works in POSIX sh and under a DATA_DIR with spaces, quotes and $', () => {
    expect(runBaseStart(NASTY, 'sh').toString('utf8')).toBe(NASTY);
    expect(runBaseStart(NASTY.trimEnd(), 'sh').toString('utf8')).toBe(NASTY.trimEnd());
    expect(runBaseStart(NASTY, 'bash', `it's a $(dir) "x"`).toString('utf8')).toBe(NASTY);
  });

  it('reproduces a 256 KiB compose file', () => {
    const big = `services:\n  web:\n    image: x\n${'# $(padding) `x` \'y\' "z"\n'.repeat(9000)}`.slice(0, 256 * 1024);
    expect(runBaseStart(big).toString('utf8')).toBe(big);
  });
});
