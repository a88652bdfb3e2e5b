import { Document, isNode, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { AppError } from '../../common/app-error';
import { ErrorDef, Errors } from '../../common/error-codes';
import type { ComposeImage } from '../entities/script.entity';
import { parseImageReference } from '../../swarm/image-reference';
import { isNestedTooDeeply, tooDeepOffset } from './compose-depth';

export const MAX_COMPOSE_BYTES = 256 * 1024;
/** Aliases a legitimate compose file uses are few; many more is a "billion laughs" bomb. */
const MAX_ALIAS_COUNT = 100;
const MAX_MESSAGE_CHARS = 500;

export type YamlMap = Record<string, unknown>;

/** A compose file after our own checks: its top-level map, its services (in file order) and their images. */
export interface ComposeFile {
  root: YamlMap;
  services: Record<string, YamlMap>;
  serviceNames: string[];
  images: ComposeImage[];
}

export const isMap = (v: unknown): v is YamlMap => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Compose interpolates `${VAR}` and `$VAR` (`$$` is a literal `$`): such values are only known at deploy time. */
export const hasInterpolation = (s: string): boolean => /\$(\{|[A-Za-z_])/.test(s.replace(/\$\$/g, ''));

/** Where a YAML error is, 1-based, for an editor to mark (the envelope's data). */
export interface YamlErrorPosition {
  line: number;
  column: number;
}

const bad = (error: ErrorDef, zh: string, en: string, data?: unknown) => new AppError(error, { zh, en }, data);
/** 1-based line and column of a string offset. */
function positionOf(content: string, offset: number): YamlErrorPosition {
  const before = content.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}
const clip = (s: string) => (s.length > MAX_MESSAGE_CHARS ? `${s.slice(0, MAX_MESSAGE_CHARS)}...` : s);

/**
 * Parses and checks a compose file: size, YAML (with merge keys, as docker reads it), a non-empty
 * `services` map, and one valid image per service (a swarm cannot build, so every service needs one).
 */
export function parseComposeFile(content: string): ComposeFile {
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > MAX_COMPOSE_BYTES) {
    throw bad(Errors.COMPOSE_TOO_LARGE, `${bytes} 字节，上限 ${MAX_COMPOSE_BYTES} 字节`, `${bytes} bytes, the limit is ${MAX_COMPOSE_BYTES} bytes`);
  }
  // YAML forbids C0 control characters other than tab, LF and CR; the yaml package lets them through.
  const control = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.exec(content);
  if (control) {
    const code = `U+${control[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`;
    const at = positionOf(content, control.index);
    throw bad(Errors.COMPOSE_INVALID_YAML, `包含不允许的控制字符 ${code}`, `contains the control character ${code}, which YAML does not allow`, at);
  }
  const lineCounter = new LineCounter();
  // Before parseDocument: its composer recurses, and overflows the stack a few hundred levels down.
  const deepAt = tooDeepOffset(content);
  if (deepAt !== null) {
    const at = positionOf(content, deepAt);
    throw bad(Errors.COMPOSE_TOO_DEEP, `位于第 ${at.line} 行第 ${at.column} 列`, `at line ${at.line}, column ${at.column}`, at);
  }
  const doc = parseDocument(content, { merge: true, prettyErrors: true, uniqueKeys: false, lineCounter });
  if (doc.errors.length) {
    const [error] = doc.errors;
    const message = clip(error.message.split('\n')[0]);
    const start = error.linePos?.[0];
    throw bad(Errors.COMPOSE_INVALID_YAML, message, message, start ? ({ line: start.line, column: start.col } satisfies YamlErrorPosition) : undefined);
  }
  const repeated = firstRepeatedKey(doc);
  if (repeated !== undefined) {
    const { line, col } = lineCounter.linePos(repeated);
    const message = `Map keys must be unique at line ${line}, column ${col}`;
    throw bad(Errors.COMPOSE_INVALID_YAML, message, message, { line, column: col } satisfies YamlErrorPosition);
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message = clip((err as Error).message);
    throw bad(Errors.COMPOSE_INVALID_YAML, message, message);
  }
  // What aliases refer to is nested where they stand, and an alias inside its own anchor makes a cycle.
  if (isNestedTooDeeply(root)) throw bad(Errors.COMPOSE_TOO_DEEP, '计入别名引用的内容', 'counting what its aliases refer to');
  if (!isMap(root) || !isMap(root.services) || Object.keys(root.services).length === 0) {
    throw bad(Errors.COMPOSE_NO_SERVICES, '顶层需要一个非空的 services 映射', 'the top level needs a non-empty `services` map');
  }
  const services: Record<string, YamlMap> = {};
  const images: ComposeImage[] = [];
  for (const [service, definition] of Object.entries(root.services)) {
    if (!isMap(definition)) {
      throw bad(Errors.COMPOSE_NO_SERVICES, `服务 ${service} 必须是一个映射`, `service ${service} must be a map`);
    }
    services[service] = definition;
    const image = definition.image;
    if (typeof image !== 'string' || image.trim() === '') {
      throw bad(Errors.COMPOSE_IMAGE_INVALID, `服务 ${service} 缺少 image（Swarm 不能构建镜像）`, `service ${service} has no image (a swarm cannot build images)`);
    }
    // An interpolated image is only known at deploy time, so webhooks cannot be matched to it.
    if (hasInterpolation(image)) continue;
    const ref = parseImageReference(image);
    if (!ref) {
      const what = clip(JSON.stringify(image));
      throw bad(Errors.COMPOSE_IMAGE_INVALID, `服务 ${service} 的 image ${what} 不是有效的镜像引用`, `service ${service}: image ${what} is not a valid image reference`);
    }
    images.push({ service, image, repository: ref.repository });
  }
  return { root, services, serviceNames: Object.keys(services), images };
}

/**
 * Where the first key repeated within one map starts, as yaml's `uniqueKeys` would find it (equal
 * scalars, or the same node), but with a set per map: yaml compares each key with every earlier one,
 * which held the event loop for seconds on a 256 KiB file of one wide map.
 */
function firstRepeatedKey(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        const identity = isScalar(key) ? key.value : key;
        if (seen.has(identity)) {
          offset = (isNode(key) ? key.range : map.range)?.[0] ?? 0;
          return visit.BREAK;
        }
        seen.add(identity);
      }
    },
  });
  return offset;
}
