import { parsePortRange, publishedPorts } from './compose-ports';

describe('publishedPorts', () => {
  it.each<[unknown, ReturnType<typeof publishedPorts>]>([
    [80, 'none'],
    ['80', 'none'],
    ['80-85/udp', 'none'],
    [':80', 'none'],
    ['127.0.0.1::80', 'none'],
    ['8080:80', { start: 8080, end: 8080 }],
    ['8080:80/udp', { start: 8080, end: 8080 }],
    ['127.0.0.1:8080:80', { start: 8080, end: 8080 }],
    ['[::1]:8080:80', { start: 8080, end: 8080 }],
    ['fe80::1:8080:80/tcp', { start: 8080, end: 8080 }],
    ['8000-8005:80-85', { start: 8000, end: 8005 }],
    ['08080:80', { start: 8080, end: 8080 }],
    [{ target: 80 }, 'none'],
    [{ target: 80, published: null }, 'none'],
    [{ target: 80, published: 8080 }, { start: 8080, end: 8080 }],
    [{ target: 80, published: '8000-8005' }, { start: 8000, end: 8005 }],
    ['8080:80/icmp', 'unreadable'],
    ['8080:', 'unreadable'],
    [' 8080:80', 'unreadable'],
    ['65536:80', 'unreadable'],
    [{ target: 80, published: 65536 }, 'unreadable'],
    [{ target: 80, published: true }, 'unreadable'],
    [undefined, 'unreadable'],
  ])('reads %j as %j', (entry, expected) => {
    expect(publishedPorts(entry)).toEqual(expected);
  });
});

describe('parsePortRange', () => {
  it.each<[string, ReturnType<typeof parsePortRange>]>([
    ['0', { start: 0, end: 0 }],
    ['65535', { start: 65535, end: 65535 }],
    ['8000-8000', { start: 8000, end: 8000 }],
    ['8000-8005', { start: 8000, end: 8005 }],
    ['8005-8000', undefined],
    ['8000-', undefined],
    ['-8000', undefined],
    ['+80', undefined],
    ['', undefined],
  ])('reads %j as %j', (text, expected) => {
    expect(parsePortRange(text)).toEqual(expected);
  });
});
