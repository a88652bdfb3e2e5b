import type { DataSource } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver';
import { BetterSqlite3QueryRunner } from 'typeorm/driver/better-sqlite3/BetterSqlite3QueryRunner';

/** One holder at a time, first come first served. */
class Gate {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  /** Resolves once the caller holds the gate; at once when it is free. */
  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the gate to the next in line, or frees it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}

/**
 * A query runner of its own for each caller, all on the one SQLite connection. A runner holds the
 * gate from the start of its transaction to its commit or rollback; any other runner's statement or
 * transaction waits for it.
 */
class GatedQueryRunner extends BetterSqlite3QueryRunner {
  private holdsGate = false;

  constructor(
    driver: BetterSqlite3Driver,
    private readonly gate: Gate,
    statements: Map<string, unknown>,
  ) {
    super(driver);
    // Prepared statements are the connection's, not the runner's: share TypeORM's cache.
    (this as unknown as { stmtCache: Map<string, unknown> }).stmtCache = statements;
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<void> {
    if (!this.holdsGate) {
      await this.gate.acquire();
      this.holdsGate = true;
    }
    try {
      await super.startTransaction(isolationLevel);
    } catch (err) {
      this.releaseWhenEnded();
      throw err;
    }
  }

  async commitTransaction(): Promise<void> {
    try {
      await super.commitTransaction();
    } finally {
      this.releaseWhenEnded();
    }
  }

  async rollbackTransaction(): Promise<void> {
    try {
      await super.rollbackTransaction();
    } finally {
      this.releaseWhenEnded();
    }
  }

  async query(query: string, parameters?: unknown[], useStructuredResult?: boolean): Promise<any> {
    if (this.holdsGate) return super.query(query, parameters, useStructuredResult);
    await this.gate.acquire();
    try {
      return await super.query(query, parameters, useStructuredResult);
    } finally {
      this.gate.release();
    }
  }

  private releaseWhenEnded(): void {
    if (this.holdsGate && !this.isTransactionActive) {
      this.holdsGate = false;
      this.gate.release();
    }
  }
}

/**
 * TypeORM's better-sqlite3 driver gives every caller the same query runner, so a transaction belongs
 * to the connection rather than to its caller: another request's statement runs inside it (and is
 * undone by its rollback), and a second transaction becomes a savepoint of the first (whose commit
 * then releases the other's savepoint). Measured on TypeORM 0.3: of a failed and a committed
 * transaction running side by side, the failed one's row stayed and the committed one's was lost.
 *
 * This gives each caller a runner of its own and lets one transaction at a time use the connection;
 * the other callers' statements wait for its end. SQLite runs one writer at a time anyway, and
 * better-sqlite3 runs each statement synchronously, so nothing that could have run in parallel waits.
 * A transaction's callback must use the manager it is given (as TypeORM asks), never the data
 * source's: a statement sent around it would wait for the transaction that waits for it.
 */
export function isolateSqliteTransactions(dataSource: DataSource): DataSource {
  if (dataSource.options.type !== 'better-sqlite3') return dataSource;
  const driver = dataSource.driver as BetterSqlite3Driver;
  const gate = new Gate();
  const statements = new Map<string, unknown>();
  driver.createQueryRunner = () => new GatedQueryRunner(driver, gate, statements);
  return dataSource;
}
