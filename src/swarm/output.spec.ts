import { OutputCollapser } from './output';

/** The lines one collapser keeps of a whole output. */
function collapseOutput(lines: string[]): string[] {
  const collapser = new OutputCollapser();
  return lines.map((line) => collapser.push(line)).filter((kept): kept is string => kept !== null);
}

describe('output collapsing', () => {
  it('drops consecutive duplicates and keeps order', () => {
    expect(collapseOutput(['a', 'a', 'b', 'b', 'b', 'a', 'c', 'c'])).toEqual(['a', 'b', 'a', 'c']);
  });

  it('collapses the progress refreshes of a real non-TTY update (captured)', () => {
    const raw = [
      'halo_halo',
      ...Array(23).fill('overall progress: 0 out of 2 tasks'),
      '1/2:  ',
      '2/2:  ',
      ...Array(26).fill('overall progress: 1 out of 2 tasks'),
      'overall progress: 2 out of 2 tasks',
      ...Array(5).fill('verify: Waiting 2 seconds to verify that tasks are stable...'),
      ...Array(5).fill('verify: Waiting 1 seconds to verify that tasks are stable...'),
      'verify: Service halo_halo converged',
    ];
    expect(collapseOutput(raw)).toEqual([
      'halo_halo',
      'overall progress: 0 out of 2 tasks',
      '1/2:',
      '2/2:',
      'overall progress: 1 out of 2 tasks',
      'overall progress: 2 out of 2 tasks',
      'verify: Waiting 2 seconds to verify that tasks are stable...',
      'verify: Waiting 1 seconds to verify that tasks are stable...',
      'verify: Service halo_halo converged',
    ]);
  });

  it('collapses interleaved refreshes of several task slots but keeps every change of state', () => {
    const refresh = ['overall progress: 0 out of 2 tasks', '2/2: task: non-zero exit (1)'];
    const raw = ['1/2: task: non-zero exit (1)', ...refresh, ...refresh, ...refresh, 'overall progress: 1 out of 2 tasks', 'overall progress: 0 out of 2 tasks'];
    expect(collapseOutput(raw)).toEqual([
      '1/2: task: non-zero exit (1)',
      'overall progress: 0 out of 2 tasks',
      '2/2: task: non-zero exit (1)',
      'overall progress: 1 out of 2 tasks',
      'overall progress: 0 out of 2 tasks',
    ]);
  });

  it('keeps the registry digest warning (it says nodes may run different builds)', () => {
    const warning = [
      'image halohub/halo:1.4.7 could not be accessed on a registry to record',
      'its digest. Each node will access halohub/halo:1.4.7 independently,',
      'possibly leading to different nodes running different',
      'versions of the image.',
    ];
    expect(collapseOutput([...warning, '', 'halo_halo'])).toEqual([...warning, 'halo_halo']);
  });

  it('streams: push returns the kept line or null', () => {
    const c = new OutputCollapser();
    expect([c.push('x'), c.push('x  '), c.push('y')]).toEqual(['x', null, 'y']);
  });
});
