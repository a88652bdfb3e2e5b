import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { DateUtils } from 'typeorm/util/DateUtils';

/**
 * An entity's rows read with fixed SQL, for the requests every page makes. TypeORM's query builder
 * builds its SQL again on every call, which was most of an authenticated read's time (see
 * docs/performance.md). Here the select list is built once from the entity's metadata, and each value
 * is converted as TypeORM converts that column when it loads the entity (JSON, dates).
 */
export class EntityRows<T extends ObjectLiteral> {
  private readonly columns: ColumnMetadata[];
  /** The select list by table alias: each is built on its first use, then reused by every request. */
  private readonly selectLists = new Map<string, string>();

  constructor(
    private readonly dataSource: DataSource,
    entity: EntityTarget<T>,
    /** The properties to read; every selectable column when left out. */
    properties?: (keyof T & string)[],
  ) {
    const metadata = dataSource.getMetadata(entity);
    this.columns = properties
      ? properties.map((p) => metadata.findColumnWithPropertyName(p) ?? missing(metadata.name, p))
      : metadata.columns.filter((c) => c.isSelect);
  }

  /** `alias."column" AS "property", ...`, quoted for the driver. */
  selectList(alias: string): string {
    let list = this.selectLists.get(alias);
    if (list === undefined) {
      const quote = (name: string) => this.dataSource.driver.escape(name);
      list = this.columns.map((c) => `${alias}.${quote(c.databaseName)} AS ${quote(c.propertyName)}`).join(', ');
      this.selectLists.set(alias, list);
    }
    return list;
  }

  /** Runs `sql` (positional `?` parameters) and returns its rows as the entity's properties. */
  async query(sql: string, parameters: unknown[]): Promise<T[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(sql, parameters);
    return rows.map((row) => this.entityOf(row));
  }

  /** One row read with selectList() as the entity's properties; other columns of the row are left out. */
  entityOf(row: Record<string, unknown>): T {
    const entity: ObjectLiteral = {};
    for (const c of this.columns) entity[c.propertyName] = this.dataSource.driver.prepareHydratedValue(row[c.propertyName], c);
    return entity as T;
  }
}

function missing(entity: string, property: string): never {
  throw new Error(`${entity} has no column ${property}`);
}

/** A point in time as a query parameter: SQLite stores datetimes as UTC text; mysql2 binds a Date (timezone Z). */
export function timeParameter(dataSource: DataSource, date: Date): Date | string {
  return dataSource.options.type === 'better-sqlite3' ? DateUtils.mixedDateToUtcDatetimeString(date) : date;
}
