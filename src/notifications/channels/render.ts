import type { DeploymentNotice, NotificationLanguage } from '../notice';
import { WORDS } from './message-words';

/** How a message looks: green, red, orange or neutral. */
export type Outcome = 'success' | 'failure' | 'warning' | 'neutral';

const MAX_ERROR_CHARS = 1500;
const MAX_OUTPUT_LINES = 10;
const MAX_OUTPUT_LINE_CHARS = 300;
/** WeCom refuses markdown content over 4096 bytes (errcode 40058). */
export const WECOM_MAX_BYTES = 4096;
/** Slack: a header's plain text is at most 150 characters, a section field 2000, a section text 3000. */
const SLACK_HEADER_CHARS = 150;
const SLACK_FIELD_CHARS = 2000;
const SLACK_TEXT_CHARS = 3000;

/** `1m 12s` / `1分12秒`. */
export function formatDuration(ms: number, language: NotificationLanguage): string {
  const words = WORDS[language];
  const total = Math.max(0, Math.round(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const parts: string[] = [];
  if (h > 0) parts.push(`${h}${words.units[0]}`);
  if (h > 0 || m > 0) parts.push(`${m}${words.units[1]}`);
  parts.push(`${s}${words.units[2]}`);
  return parts.join(words.unitSeparator);
}

export function outcomeOf(notice: DeploymentNotice): Outcome {
  switch (notice.event) {
    case 'succeeded':
      return 'success';
    case 'failed':
      return 'failure';
    case 'rolled_back':
    case 'timed_out':
    case 'interrupted':
      return 'warning';
    default:
      return 'neutral';
  }
}

export function renderTitle(notice: DeploymentNotice, language: NotificationLanguage): string {
  const words = WORDS[language];
  const head = notice.event === 'succeeded' && notice.recovered ? words.recoveredTitle : words.title[notice.event];
  return `${notice.test ? words.testPrefix : ''}${words.titleOf(head, oneLine(notice.stack))}`;
}

interface Field {
  label: string;
  value: string;
}

/** What every format says, unescaped (user-controlled text is escaped by each format). */
interface Facts {
  title: string;
  fields: Field[];
  errorLabel: string;
  /** Lines of the error, bounded. */
  error: string[];
  outputLabel: string;
  output: string[];
  /** Our own sentences (repeats, recovered, test); no user text. */
  notes: string[];
  linkLabel: string;
  url: string;
}

function facts(notice: DeploymentNotice, language: NotificationLanguage): Facts {
  const words = WORDS[language];
  const fields: Field[] = [
    { label: words.stack, value: oneLine(notice.stack) },
    { label: words.services, value: notice.services.length ? notice.services.map(oneLine).join(', ') : words.wholeStack },
    { label: words.action, value: words.actions[notice.action] ?? notice.action },
  ];
  const image = describeImage(notice);
  if (image) fields.push({ label: words.image, value: image });
  const trigger = notice.trigger;
  fields.push({
    label: words.trigger,
    value:
      trigger.kind === 'manual'
        ? words.manual(oneLine(trigger.username))
        : words.webhook(oneLine(trigger.registry ?? words.unknown), oneLine(trigger.repository ?? words.unknown)),
  });
  if (notice.durationMs != null) fields.push({ label: words.duration, value: formatDuration(notice.durationMs, language) });

  const notes: string[] = [];
  if (notice.repeats > 0) notes.push(words.repeats(notice.repeats));
  if (notice.recovered) notes.push(words.recovered);
  if (notice.test) notes.push(words.test);

  const errorText = notice.error ? clip(notice.error.trim(), MAX_ERROR_CHARS) : '';
  return {
    title: renderTitle(notice, language),
    fields,
    errorLabel: `${notice.event === 'rolled_back' ? words.cause : words.error}${notice.errorCode != null ? ` (${notice.errorCode})` : ''}`,
    error: errorText ? errorText.split(/\r?\n/) : [],
    outputLabel: words.output,
    output: notice.outputTail.slice(-MAX_OUTPUT_LINES).map((line) => clip(line.replace(/\r/g, ''), MAX_OUTPUT_LINE_CHARS)),
    notes,
    linkLabel: words.link,
    url: notice.url,
  };
}

/** `old → new@digest`, or just the one that is known. */
function describeImage(notice: DeploymentNotice): string | null {
  const next = notice.image ? `${notice.image}${notice.digest && !notice.image.includes('@') ? `@${notice.digest}` : ''}` : null;
  if (notice.previousImage && next) return `${oneLine(notice.previousImage)} → ${oneLine(next)}`;
  return next ? oneLine(next) : notice.previousImage ? oneLine(notice.previousImage) : null;
}

/* ---------------------------------------------------------------- Markdown (DingTalk, Feishu) */

/**
 * DingTalk and Feishu markdown: HTML entities for `& < >` (Feishu's `<at id=all>` mention needs `<`),
 * a backslash before markdown punctuation, and `@` followed by a zero-width space so no text reads as a
 * mention.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]~|#])/g, '\\$1')
    .replace(/@/g, '@\u200b');
}

/** `heading`: start with the title as a `###` line (DingTalk shows no title otherwise; a Feishu card has its own header). */
export function renderMarkdown(notice: DeploymentNotice, language: NotificationLanguage, opts: { heading: boolean }): { title: string; text: string } {
  const f = facts(notice, language);
  const blocks: string[] = [];
  if (opts.heading) blocks.push(`### ${escapeMarkdown(f.title)}`);
  blocks.push(...f.fields.map((field) => `**${field.label}**: ${escapeMarkdown(field.value)}`));
  if (f.error.length) blocks.push(`**${f.errorLabel}**:\n${f.error.map((line) => `> ${escapeMarkdown(line)}`).join('\n')}`);
  if (f.output.length) blocks.push(`**${f.outputLabel}**:\n${f.output.map((line) => `> ${escapeMarkdown(line)}`).join('\n')}`);
  blocks.push(...f.notes.map((note) => `*${note}*`));
  blocks.push(`[${f.linkLabel}](${linkTarget(f.url)})`);
  // A blank line between blocks: DingTalk ignores single newlines outside quotes.
  return { title: f.title, text: blocks.join('\n\n') };
}

/* ---------------------------------------------------------------- WeCom markdown */

const WECOM_COLOUR: Record<Outcome, string> = { success: 'info', failure: 'warning', warning: 'warning', neutral: 'comment' };

/**
 * WeCom's markdown subset has no documented escapes, so markup characters in user text become their
 * full-width look-alikes (`<@userid>` and `<font>` cannot be formed) and `@` gets a zero-width space.
 */
export function escapeWecom(text: string): string {
  return text
    .replace(/</g, '＜')
    .replace(/>/g, '＞')
    .replace(/\*/g, '＊')
    .replace(/\[/g, '［')
    .replace(/]/g, '］')
    .replace(/`/g, "'")
    .replace(/@/g, '@\u200b');
}

/** WeCom markdown content, at most 4096 bytes of UTF-8: the oldest output lines go first, then the error's end. */
export function renderWecomMarkdown(notice: DeploymentNotice, language: NotificationLanguage): string {
  const f = facts(notice, language);
  const colour = WECOM_COLOUR[outcomeOf(notice)];
  const compose = (error: string[], output: string[]) => {
    const lines = [`## <font color="${colour}">${escapeWecom(f.title)}</font>`];
    lines.push(...f.fields.map((field) => `> ${field.label}: <font color="comment">${escapeWecom(field.value)}</font>`));
    if (error.length) lines.push(`**${f.errorLabel}**:`, ...error.map((line) => `> <font color="warning">${escapeWecom(line)}</font>`));
    if (output.length) lines.push(`**${f.outputLabel}**:`, ...output.map((line) => `> <font color="comment">${escapeWecom(line)}</font>`));
    lines.push(...f.notes.map((note) => `<font color="comment">${note}</font>`));
    lines.push(`[${f.linkLabel}](${linkTarget(f.url)})`);
    return lines.join('\n');
  };
  let output = f.output;
  let content = compose(f.error, output);
  while (byteLength(content) > WECOM_MAX_BYTES && output.length) {
    output = output.slice(1);
    content = compose(f.error, output);
  }
  if (byteLength(content) > WECOM_MAX_BYTES && f.error.length) {
    const room = WECOM_MAX_BYTES - byteLength(compose(['…'], []));
    const error = cutBytes(f.error.join('\n'), Math.max(0, room - 64)) + '…';
    content = compose(error.split('\n'), []);
  }
  return byteLength(content) > WECOM_MAX_BYTES ? cutBytes(content, WECOM_MAX_BYTES) : content;
}

/* ---------------------------------------------------------------- Slack */

/** Slack mrkdwn: only `& < >` are control characters (`<!channel>`, `<@U123>`, `<url|text>`). */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: boolean } }
  | { type: 'section'; text?: { type: 'mrkdwn'; text: string }; fields?: { type: 'mrkdwn'; text: string }[] }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] };

export function renderSlack(notice: DeploymentNotice, language: NotificationLanguage): { text: string; blocks: SlackBlock[] } {
  const f = facts(notice, language);
  const link = `<${escapeSlack(linkTarget(f.url))}|${f.linkLabel}>`;
  const codeBlock = (label: string, lines: string[]) => {
    const body = clip(lines.map((line) => escapeSlack(line.replace(/```/g, "'''"))).join('\n'), SLACK_TEXT_CHARS - label.length - 16);
    return `*${label}*\n\`\`\`${body}\`\`\``;
  };
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(f.title, SLACK_HEADER_CHARS), emoji: true } },
    {
      type: 'section',
      fields: f.fields.slice(0, 10).map((field) => ({ type: 'mrkdwn', text: clip(`*${field.label}*\n${escapeSlack(field.value)}`, SLACK_FIELD_CHARS) })),
    },
  ];
  if (f.error.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: codeBlock(f.errorLabel, f.error) } });
  if (f.output.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: codeBlock(f.outputLabel, f.output) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip([...f.notes, link].join(' · '), SLACK_TEXT_CHARS) }] });
  return { text: clip(`${escapeSlack(f.title)} ${link}`, SLACK_TEXT_CHARS), blocks };
}

/* ---------------------------------------------------------------- Plain text and e-mail */

export function renderText(notice: DeploymentNotice, language: NotificationLanguage): { title: string; text: string } {
  const f = facts(notice, language);
  const lines = [f.title, '', ...f.fields.map((field) => `${field.label}: ${field.value}`)];
  if (f.error.length) lines.push('', `${f.errorLabel}:`, ...f.error.map((line) => `  ${line}`));
  if (f.output.length) lines.push('', `${f.outputLabel}:`, ...f.output.map((line) => `  ${line}`));
  if (f.notes.length) lines.push('', ...f.notes);
  lines.push('', `${f.linkLabel}: ${f.url}`);
  return { title: f.title, text: lines.join('\n') };
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const HTML_COLOUR: Record<Outcome, string> = { success: '#1a7f37', failure: '#cf222e', warning: '#bc4c00', neutral: '#57606a' };

export function renderEmail(notice: DeploymentNotice, language: NotificationLanguage): { subject: string; html: string; text: string } {
  const f = facts(notice, language);
  const rows = f.fields
    .map((field) => `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(field.label)}</th><td>${escapeHtml(field.value)}</td></tr>`)
    .join('');
  const pre = (label: string, lines: string[]) =>
    `<h3>${escapeHtml(label)}</h3><pre style="background:#f6f8fa;padding:8px;white-space:pre-wrap">${escapeHtml(lines.join('\n'))}</pre>`;
  const html = [
    `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><title>${escapeHtml(f.title)}</title></head>`,
    `<body style="font-family:sans-serif">`,
    `<h2 style="color:${HTML_COLOUR[outcomeOf(notice)]}">${escapeHtml(f.title)}</h2>`,
    `<table>${rows}</table>`,
    f.error.length ? pre(f.errorLabel, f.error) : '',
    f.output.length ? pre(f.outputLabel, f.output) : '',
    ...f.notes.map((note) => `<p><em>${escapeHtml(note)}</em></p>`),
    `<p><a href="${escapeHtml(linkTarget(f.url))}">${escapeHtml(f.linkLabel)}</a></p>`,
    `</body></html>`,
  ].join('');
  return { subject: f.title, html, text: renderText(notice, language).text };
}

/* ---------------------------------------------------------------- helpers */

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The link is ours (PUBLIC_BASE_URL); still keep `( ) < > |` and spaces from ending a markdown link early. */
function linkTarget(url: string): string {
  return url.replace(/[\s()<>|"]/g, (c) => encodeURIComponent(c));
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The longest prefix of `text` within `max` bytes, not splitting a character. */
function cutBytes(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
