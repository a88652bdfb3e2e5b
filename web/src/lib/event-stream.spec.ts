import { EventStreamParser } from './event-stream';

describe('EventStreamParser', () => {
  it('splits events across chunk boundaries and skips comments', () => {
    const parser = new EventStreamParser();
    expect(parser.push(': deployment events\n\nevent: line\nid: 1\nda')).toEqual([]);
    expect(parser.push('ta: Creating service x_web\n\nevent: status\r\ndata: {"status":"succeeded"}\r\n\r\n')).toEqual([
      { event: 'line', id: '1', data: 'Creating service x_web' },
      { event: 'status', id: undefined, data: '{"status":"succeeded"}' },
    ]);
  });

  it('joins multi-line data and defaults the event name', () => {
    expect(new EventStreamParser().push('data: a\ndata: b\n\n')).toEqual([{ event: 'message', id: undefined, data: 'a\nb' }]);
  });
});
