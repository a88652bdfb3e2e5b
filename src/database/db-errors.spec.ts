import { QueryFailedError } from 'typeorm';
import { isDatabaseUnreachable, retryWhileUnreachable } from './db-errors';

const mysqlError = (code: string, fatal = false) => Object.assign(new Error(code), { code, ...(fatal && { fatal }) });
const connectionLost = () => mysqlError('PROTOCOL_CONNECTION_LOST', true);

describe('isDatabaseUnreachable', () => {
  it.each([
    ['refused', mysqlError('ECONNREFUSED')],
    ['lost mid-query', connectionLost()],
    ['server shutting down', mysqlError('ER_SERVER_SHUTDOWN')],
    ['any fatal connection error', Object.assign(new Error("Can't add new command when connection is in closed state"), { fatal: true })],
    ['wrapped by TypeORM', new QueryFailedError('UPDATE deployments', [], mysqlError('ECONNRESET'))],
  ])('is true when %s', (_, err) => expect(isDatabaseUnreachable(err)).toBe(true));

  it.each([
    ['a duplicate key', mysqlError('ER_DUP_ENTRY')],
    ['a syntax error', new QueryFailedError('SELEC', [], mysqlError('ER_PARSE_ERROR'))],
    ['SQLite busy', mysqlError('SQLITE_BUSY')],
    ['a closed pool (the app is stopping)', new Error('Pool is closed.')],
    ['not an error', 'ECONNREFUSED'],
  ])('is false for %s', (_, err) => expect(isDatabaseUnreachable(err)).toBe(false));
});

describe('retryWhileUnreachable', () => {
  it('retries while the database is unreachable, then answers what the work returned', async () => {
    const retries: number[] = [];
    let calls = 0;
    const work = async () => {
      if (++calls < 3) throw connectionLost();
      return 'recorded';
    };
    await expect(retryWhileUnreachable(work, { forMs: 5000, firstPauseMs: 10, onRetry: (_, attempt) => retries.push(attempt) })).resolves.toBe('recorded');
    expect(retries).toEqual([1, 2]);
  });

  it('throws any other error at once', async () => {
    const work = jest.fn().mockRejectedValue(mysqlError('ER_DUP_ENTRY'));
    await expect(retryWhileUnreachable(work, { forMs: 5000, firstPauseMs: 10 })).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('gives up with the last error once its time is over, the pauses doubling', async () => {
    const started = Date.now();
    const work = jest.fn().mockRejectedValue(connectionLost());
    await expect(retryWhileUnreachable(work, { forMs: 200, firstPauseMs: 20, maxPauseMs: 80 })).rejects.toMatchObject({ code: 'PROTOCOL_CONNECTION_LOST' });
    // Pauses of 20, 40, 80 (then 80 would pass the 200 ms): four attempts.
    expect(work).toHaveBeenCalledTimes(4);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
