import { CST, Parser } from 'yaml';

/**
 * The deepest nesting of mappings and sequences a compose file may have, the top-level map counted: a
 * real file needs under ten (services > web > deploy > resources > limits). yaml's composer and toJS,
 * and our own walks of the parsed file, recurse: a file 800 flow sequences deep overflowed the stack.
 */
export const MAX_COMPOSE_DEPTH = 64;

/**
 * Where, as a string offset, the YAML text first nests collections deeper than `maxDepth`; null when
 * it does not. It reads yaml's concrete syntax tree, which the parser builds without recursion, and
 * walks it with a stack of its own, so it runs before anything that recurses over the file.
 */
export function tooDeepOffset(content: string, maxDepth = MAX_COMPOSE_DEPTH): number | null {
  const pending: [CST.Token, number][] = [];
  for (const token of new Parser().parse(content)) {
    if (token.type === 'document' && token.value) pending.push([token.value, 0]);
    while (pending.length) {
      const [node, outside] = pending.pop()!;
      if (!CST.isCollection(node)) continue;
      const depth = outside + 1;
      if (depth > maxDepth) return node.offset;
      // Keys count too: `? [a]: b` and `[a]: b` are collections as keys.
      for (const item of node.items) {
        if (item.key) pending.push([item.key, depth]);
        if (item.value) pending.push([item.value, depth]);
      }
    }
  }
  return null;
}

/**
 * Whether a parsed value nests objects and arrays deeper than `maxDepth`. Aliases can nest a file's
 * anchors inside one another past what its text shows, and an alias inside its own anchor makes a
 * cycle, which has no depth at all (it is reported as too deep); walked with a stack, stopping at the
 * first breach.
 */
export function isNestedTooDeeply(value: unknown, maxDepth = MAX_COMPOSE_DEPTH): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length) {
    const [node, outside] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    const depth = outside + 1;
    if (depth > maxDepth) return true;
    for (const child of Object.values(node)) pending.push([child, depth]);
  }
  return false;
}
