/**
 * The shell commands shown with a script, so a person can do by hand what the service does. The
 * service never runs these strings; they must still be exact and safe to paste into bash or sh.
 */
export interface StackScripts {
  baseStartScript: string[];
  startScript: string;
  downScript: string;
  updateScript: string;
}

export const HEREDOC_PREFIX = 'DDS_EOF';

/** One shell word, always single-quoted: inside '...' nothing is special except ' itself. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A word left bare when it has nothing the shell would interpret (stack names), quoted otherwise. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_.\/:@%+=,-]+$/.test(value) ? value : shellQuote(value);
}

/** A here-document delimiter that is not a line of the content (so the content cannot end it early). */
export function heredocDelimiter(content: string): string {
  const lines = new Set(content.split('\n'));
  let delimiter = HEREDOC_PREFIX;
  for (let i = 1; lines.has(delimiter); i++) delimiter = `${HEREDOC_PREFIX}_${i}`;
  return delimiter;
}

/**
 * A command writing `content` to `file` byte for byte. A quoted delimiter ('EOF') turns off every
 * expansion in the body. A here-document always ends with a newline, so content without a final
 * newline is passed through "$(...)", which strips exactly that one newline.
 */
export function writeFileCommand(file: string, content: string): string {
  const delimiter = heredocDelimiter(content);
  if (content === '' || content.endsWith('\n')) {
    return content === '' ? `: > ${shellQuote(file)}` : `cat > ${shellQuote(file)} <<'${delimiter}'\n${content}${delimiter}`;
  }
  return `printf '%s' "$(cat <<'${delimiter}'\n${content}\n${delimiter}\n)" > ${shellQuote(file)}`;
}

export interface StackScriptInput {
  stackDir: string;
  composeFile: string;
  serviceName: string;
  content: string;
  /** The swarm service an image update targets, e.g. `halo_halo`. */
  updateTarget: string;
}

export function buildStackScripts(input: StackScriptInput): StackScripts {
  const file = shellQuote(input.composeFile);
  const name = shellWord(input.serviceName);
  return {
    baseStartScript: [`rm -f ${file}`, `mkdir -p ${shellQuote(input.stackDir)}`, writeFileCommand(input.composeFile, input.content)],
    startScript: `docker stack deploy --with-registry-auth -c ${file} ${name}`,
    // `docker stack down` in the contract is an alias of `docker stack rm`.
    downScript: `docker stack rm ${name}`,
    // {0} and {1} are the contract's placeholders for the pushed image and tag.
    updateScript: `docker service update --with-registry-auth --image {0}:{1} ${shellWord(input.updateTarget)}`,
  };
}
