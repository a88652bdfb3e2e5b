import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';

/** A problem to mark in the compose editor: 1-based line, and the text to show there. */
export interface LineProblem {
  line: number;
  column: number;
  message: string;
}

/** YAML syntax errors with their positions, as the editor checks while one types. */
export function yamlProblems(text: string): LineProblem[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  return doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
    return { line: pos.line, column: pos.col, message: e.message.split('\n')[0] };
  });
}

/**
 * The line of a key path such as `services.web.deploy.replicas` or `services.web.ports[0]` (how the
 * API names a policy violation). Keys may contain dots, so the path is matched against the document's keys greedily;
 * when the full path does not exist, the deepest part that does is used. Null when none matches.
 */
export function lineOfKey(text: string, path: string): number | null {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  let node: unknown = doc.contents;
  // The API writes list items as `ports[0]`; walk them like `ports.0`.
  let rest = path.replace(/\[(\d+)\]/g, '.$1');
  let line: number | null = null;
  while (rest) {
    let matched = false;
    if (isMap(node)) {
      // The longest key that prefixes the rest of the path wins (`a.b` before `a`).
      const items = [...node.items].sort((a, b) => String((b.key as { value?: unknown })?.value ?? '').length - String((a.key as { value?: unknown })?.value ?? '').length);
      for (const pair of items) {
        const key = String((pair.key as { value?: unknown } | null)?.value ?? '');
        if (rest === key || rest.startsWith(`${key}.`)) {
          const range = (pair.key as { range?: [number, number, number] } | null)?.range;
          if (range) line = lineCounter.linePos(range[0]).line;
          node = pair.value;
          rest = rest.slice(key.length + 1);
          matched = true;
          break;
        }
      }
    } else if (isSeq(node)) {
      const m = /^(\d+)(?:\.|$)/.exec(rest);
      const item = m ? node.items[Number(m[1])] : undefined;
      const range = (item as { range?: [number, number, number] } | undefined)?.range;
      if (m && item && range) {
        line = lineCounter.linePos(range[0]).line;
        node = item;
        rest = rest.slice(m[0].length);
        matched = true;
      }
    }
    if (!matched) break;
  }
  return line;
}

/** Error data from the API as editor marks: 40021 and 40028 carry a YAML position, 40025/40027 list
 * violations by key path, and docker's own refusals (40024) usually start with one. */
export function problemsFromApi(text: string, code: number, message: string, data: unknown): LineProblem[] {
  if ((code === 40021 || code === 40028) && data && typeof data === 'object' && typeof (data as { line?: unknown }).line === 'number') {
    const { line, column } = data as { line: number; column?: number };
    return [{ line, column: column ?? 1, message }];
  }
  const violations = data && typeof data === 'object' ? (data as { violations?: unknown }).violations : undefined;
  if (Array.isArray(violations)) {
    return violations.flatMap((v) => {
      if (!v || typeof v !== 'object' || typeof (v as { key?: unknown }).key !== 'string') return [];
      const { key, reason } = v as { key: string; reason?: string };
      return [{ line: lineOfKey(text, key) ?? 1, column: 1, message: `${key}: ${reason ?? message}` }];
    });
  }
  if (code === 40024) {
    const key = /\b(?:services|volumes|networks|secrets|configs)(?:\.[\w-]+)*/.exec(message)?.[0];
    const line = key ? lineOfKey(text, key) : null;
    if (line) return [{ line, column: 1, message }];
  }
  return [];
}
