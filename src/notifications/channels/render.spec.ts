import { sampleNotice } from '../../../test/support/notices';
import {
  escapeMarkdown,
  formatDuration,
  renderEmail,
  renderMarkdown,
  renderSlack,
  renderText,
  renderTitle,
  renderWecomMarkdown,
  WECOM_MAX_BYTES,
} from './render';

const success = sampleNotice({ event: 'succeeded', error: null, outputTail: [], trigger: { kind: 'manual', username: 'alice' } });

describe('renderTitle', () => {
  it.each([
    ['zh', '✅ 部署成功 halo', sampleNotice({ event: 'succeeded' })],
    ['en', '❌ Deployment failed: halo', sampleNotice({ event: 'failed' })],
    ['zh', '↩️ 部署已回滚 halo', sampleNotice({ event: 'rolled_back' })],
    ['en', '↩️ Deployment rolled back: halo', sampleNotice({ event: 'rolled_back' })],
    ['en', '⏱️ Deployment timed out: halo', sampleNotice({ event: 'timed_out' })],
    ['zh', '⚠️ 部署中断 halo', sampleNotice({ event: 'interrupted' })],
    ['en', '🚀 Deployment started: halo', sampleNotice({ event: 'started' })],
    ['zh', '⏭️ 部署被取代 halo', sampleNotice({ event: 'superseded' })],
    ['en', '💚 Deployment recovered: halo', sampleNotice({ event: 'succeeded', recovered: true })],
    ['zh', '【测试】✅ 部署成功 halo', sampleNotice({ event: 'succeeded', test: true })],
    ['en', '[Test] ✅ Deployment succeeded: halo', sampleNotice({ event: 'succeeded', test: true })],
  ] as const)('%s: %s', (language, title, notice) => {
    expect(renderTitle(notice, language)).toBe(title);
  });
});

describe('formatDuration', () => {
  it.each([
    [72_000, 'en', '1m 12s'],
    [72_000, 'zh', '1分12秒'],
    [4_000, 'en', '4s'],
    [400, 'zh', '0秒'],
    [3_723_000, 'en', '1h 2m 3s'],
    [3_723_000, 'zh', '1小时2分3秒'],
  ] as const)('%d ms in %s is %s', (ms, language, text) => {
    expect(formatDuration(ms, language)).toBe(text);
  });
});

describe('renderText (every fact, both languages)', () => {
  it('says what failed, in Chinese by default wording', () => {
    const { title, text } = renderText(sampleNotice(), 'zh');
    expect(title).toBe('❌ 部署失败 halo');
    expect(text).toContain('栈: halo');
    expect(text).toContain('服务: halo_halo');
    expect(text).toContain('操作: 更新');
    expect(text).toContain(
      '镜像: registry.example.com/ns/halo:1.0@sha256:1111111111111111111111111111111111111111111111111111111111111111 → registry.example.com/ns/halo:1.1@sha256:2222222222222222222222222222222222222222222222222222222222222222',
    );
    expect(text).toContain('触发: 镜像推送 webhook：aliyun ns/halo');
    expect(text).toContain('耗时: 1分12秒');
    expect(text).toContain('错误:\n  task exited: exit code 1');
    expect(text).toContain('最后输出:\n  starting halo\n  panic: cannot connect to db');
    expect(text).toContain('查看部署: https://deploy.example.com/deployments/42');
  });

  it('names a manual trigger and the whole stack in English', () => {
    const { text } = renderText({ ...success, services: [] }, 'en');
    expect(text).toContain('Triggered by: alice (manual)');
    expect(text).toContain('Services: whole stack');
    expect(text).toContain('Duration: 1m 12s');
    expect(text).not.toContain('Error');
    expect(text).not.toContain('Last output');
  });

  it('calls a rollback error its cause', () => {
    expect(renderText(sampleNotice({ event: 'rolled_back', error: 'health check failed' }), 'en').text).toContain(
      'Rollback cause:\n  health check failed',
    );
    expect(renderText(sampleNotice({ event: 'rolled_back', error: 'health check failed' }), 'zh').text).toContain('回滚原因:\n  health check failed');
  });

  it('says how many failures were collapsed, that it recovered, and that it is a test', () => {
    expect(renderText(sampleNotice({ repeats: 3 }), 'en').text).toContain('Repeated 3 more times (collapsed into this message)');
    expect(renderText(sampleNotice({ repeats: 3 }), 'zh').text).toContain('同样的失败另外又发生了 3 次');
    expect(renderText({ ...success, recovered: true }, 'en').text).toContain('Recovered after failures');
    expect(renderText({ ...success, recovered: true }, 'zh').text).toContain('此前的部署失败，现已恢复');
    expect(renderText({ ...success, test: true }, 'en').text).toContain('This is a test message');
    expect(renderText({ ...success, test: true }, 'zh').text).toContain('这是一条测试消息');
    expect(renderText(success, 'en').text).not.toMatch(/Repeated|Recovered|test message/);
  });

  it('bounds the error and the output lines', () => {
    const text = renderText(sampleNotice({ error: 'e'.repeat(10_000), outputTail: Array.from({ length: 50 }, (_, i) => `line ${i} ${'x'.repeat(1000)}`) }), 'en').text;
    expect(text).not.toContain('line 39 ');
    expect(text).toContain('line 40 ');
    expect(text).toContain('line 49 ');
    expect(text.length).toBeLessThan(6000);
  });
});

describe('renderMarkdown (DingTalk, Feishu)', () => {
  it('has a heading only when asked, bold labels and a link', () => {
    const withHeading = renderMarkdown(sampleNotice(), 'en', { heading: true });
    expect(withHeading.title).toBe('❌ Deployment failed: halo');
    expect(withHeading.text.startsWith('### ❌ Deployment failed: halo\n\n**Stack**: halo')).toBe(true);
    expect(withHeading.text).toContain('[View deployment](https://deploy.example.com/deployments/42)');
    expect(withHeading.text).toContain('**Error**:\n> task exited: exit code 1');
    expect(renderMarkdown(sampleNotice(), 'en', { heading: false }).text.startsWith('**Stack**: halo')).toBe(true);
  });

  it('neutralises markup and mentions in user text', () => {
    const { text } = renderMarkdown(sampleNotice({ error: '<at id=all></at> @all [x](http://evil) **bold**' }), 'en', { heading: true });
    expect(text).toContain('&lt;at id=all&gt;&lt;/at&gt; @\u200ball \\[x\\](http://evil) \\*\\*bold\\*\\*');
    expect(text).not.toContain('<at');
    expect(escapeMarkdown('a_b`c')).toBe('a\\_b\\`c');
  });
});

describe('renderWecomMarkdown', () => {
  it('uses the colours WeCom supports and no tables', () => {
    const content = renderWecomMarkdown(sampleNotice(), 'zh');
    expect(content).toContain('<font color="warning">❌ 部署失败 halo</font>');
    expect(content).toContain('> 栈: <font color="comment">halo</font>');
    expect(content).not.toContain('|');
    expect(renderWecomMarkdown(success, 'en')).toContain('<font color="info">✅ Deployment succeeded: halo</font>');
  });

  it('stays within 4096 bytes with 1000 long output lines, dropping the oldest lines first', () => {
    const outputTail = Array.from({ length: 1000 }, (_, i) => `第${i}行 ${'输出'.repeat(200)}`);
    const content = renderWecomMarkdown(sampleNotice({ outputTail }), 'zh');
    expect(Buffer.byteLength(content, 'utf8')).toBeLessThanOrEqual(WECOM_MAX_BYTES);
    expect(content).toContain('❌ 部署失败 halo');
    expect(content).toContain('task exited: exit code 1');
    expect(content).toContain('第999行');
    expect(content).not.toContain('第990行');
    expect(content).toContain('[查看部署](https://deploy.example.com/deployments/42)');
  });

  it('cuts a huge error to fit once no output is left', () => {
    const content = renderWecomMarkdown(sampleNotice({ error: '错'.repeat(5000), outputTail: [] }), 'zh');
    expect(Buffer.byteLength(content, 'utf8')).toBeLessThanOrEqual(WECOM_MAX_BYTES);
    expect(content).toContain('[查看部署]');
  });

  it('cannot form a mention or a font tag from user text', () => {
    const content = renderWecomMarkdown(sampleNotice({ error: '<@zhangsan> <font color="info">ok</font>' }), 'en');
    expect(content).not.toContain('<@zhangsan>');
    expect(content).toContain('＜@\u200bzhangsan＞ ＜font color="info"＞ok＜/font＞');
  });
});

describe('renderSlack', () => {
  it('builds a header, mrkdwn fields, the error and a context with the link', () => {
    const { text, blocks } = renderSlack(sampleNotice(), 'en');
    expect(text).toBe('❌ Deployment failed: halo <https://deploy.example.com/deployments/42|View deployment>');
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '❌ Deployment failed: halo', emoji: true } });
    expect(blocks[1]).toMatchObject({ type: 'section', fields: expect.arrayContaining([{ type: 'mrkdwn', text: '*Stack*\nhalo' }]) });
    expect(blocks[2]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*Error*\n```task exited: exit code 1```' } });
    expect(blocks[blocks.length - 1]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '<https://deploy.example.com/deployments/42|View deployment>' }],
    });
  });

  it('escapes & < > so user text cannot ping the channel or link', () => {
    const { blocks } = renderSlack(
      sampleNotice({ error: '<!channel> & <@U123> <http://evil|click>', image: 'evil<!here>:1', trigger: { kind: 'manual', username: '<!everyone>' } }),
      'en',
    );
    const json = JSON.stringify(blocks);
    expect(json).not.toMatch(/<!channel>|<!here>|<!everyone>|<@U123>|<http:\/\/evil/);
    expect(json).toContain('&lt;!channel&gt; &amp; &lt;@U123&gt;');
  });

  it('keeps every text under Slack limits', () => {
    const { text, blocks } = renderSlack(
      sampleNotice({ error: 'e'.repeat(10_000), outputTail: Array.from({ length: 10 }, () => '<'.repeat(300)), stack: 's'.repeat(400) }),
      'zh',
    );
    expect(text.length).toBeLessThanOrEqual(3000);
    for (const block of blocks) {
      if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(150);
      if (block.type === 'section') {
        if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
        for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(2000);
      }
      if (block.type === 'context') for (const el of block.elements) expect(el.text.length).toBeLessThanOrEqual(3000);
    }
  });
});

describe('renderEmail', () => {
  it('escapes user text in the HTML and keeps it in the plain text', () => {
    const { subject, html, text } = renderEmail(sampleNotice({ error: '<script>alert(1)</script>' }), 'en');
    expect(subject).toBe('❌ Deployment failed: halo');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<a href="https://deploy.example.com/deployments/42">View deployment</a>');
    expect(text).toContain('<script>alert(1)</script>');
  });
});
