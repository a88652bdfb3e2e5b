/**
 * `npm run bench`: figures side by side with their baselines, measured in the same run (these
 * machines are noisy, so only same-run ratios mean much). Prints a table and writes
 * bench/results/latest.json. Never fails on slowness: benchmarks report, tests judge.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { apiSection } from './sections/api';
import { rolloutSection, stormSection } from './sections/rollout';

export interface Row {
  section: string;
  case: string;
  value: string;
  baseline?: string;
  ratio?: string;
  target?: string;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version, date: new Date().toISOString() };
  console.log(`machine: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}`);
  const rows: Row[] = [];
  const results: Record<string, unknown> = { machine };
  for (const db of ['sqlite', 'mariadb'] as const) {
    if (want('api') || want('scale') || want('footprint')) {
      const section = await apiSection(db, { scale: want('scale'), log: (m) => console.log(`[${db}] ${m}`) });
      rows.push(...section.rows);
      results[`api-${db}`] = section.raw;
    }
  }
  if (want('rollout')) {
    const section = await rolloutSection((m) => console.log(`[rollout] ${m}`));
    rows.push(...section.rows);
    results.rollout = section.raw;
  }
  if (want('storm')) {
    const section = await stormSection((m) => console.log(`[storm] ${m}`));
    rows.push(...section.rows);
    results.storm = section.raw;
  }
  console.log('');
  console.table(rows.map((r) => ({ ...r })), ['section', 'case', 'value', 'baseline', 'ratio', 'target']);
  const dir = join(__dirname, '../../bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), JSON.stringify({ ...results, rows }, null, 2));
  console.log(`written: bench/results/latest.json`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
