/**
 * Collapses docker's progress output. Without a TTY `docker service update --detach=false` prints every
 * progress refresh as new lines, dozens of identical ones, and with several tasks the refreshes
 * interleave ("overall progress: 0 out of 2 tasks", "2/2: task: non-zero exit (1)", again and again).
 * Three rules, all keeping order and losing no change of state:
 * - a blank line is dropped (docker ends its stderr warnings with one);
 * - a line equal to the previous kept line is dropped;
 * - a progress line ("overall progress: ...", "N/M: ...") is dropped when its slot last showed the
 *   same text, so a refresh that changes nothing adds nothing.
 * Kept on purpose: the 4-line "could not be accessed on a registry to record its digest" warning. It
 * appears once per update and tells the operator that nodes may run different builds of the tag
 * (the image was not pinned to a digest), which is worth seeing.
 */
export class OutputCollapser {
  private last: string | undefined;
  private readonly slots = new Map<string, string>();

  /** Returns the line to keep (trailing whitespace trimmed), or null to drop it. */
  push(raw: string): string | null {
    const line = raw.replace(/\s+$/, '');
    if (line === '' || line === this.last) return null;
    const slot = progressSlot(line);
    if (slot !== null) {
      if (this.slots.get(slot) === line) return null;
      this.slots.set(slot, line);
    }
    this.last = line;
    return line;
  }
}

const PROGRESS_SLOT = /^(overall progress|\d+\/\d+):/;

function progressSlot(line: string): string | null {
  return PROGRESS_SLOT.exec(line)?.[1] ?? null;
}
