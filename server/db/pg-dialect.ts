// Our PostgreSQL dialect: Kysely's, with the migration lock per schema (migration-lock.ts) and an introspector that
// looks at the connection's own schemas only.
//
// Kysely's introspector lists every table of every schema in the database and names each one back to PostgreSQL by
// text (pg_get_serial_sequence('schema.table', ...)). Each start of the server asks it whether the migration table
// exists. A table renamed or dropped in any other schema between the catalog read and that call failed the start
// with "relation ... does not exist" (two test processes did exactly this in CI), and a rename not yet committed
// made the start wait on it. Here only the schemas on the search path are read, and only by oid.
import {
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  type DialectAdapter,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';
import { SchemaMigrationLockAdapter } from './migration-lock.js';

/** Kysely's migration bookkeeping tables, left out unless asked for (as Kysely's own introspector does). */
const KYSELY_TABLES = ['kysely_migration', 'kysely_migration_lock'];

interface ColumnRow {
  schema: string;
  table: string;
  table_type: string;
  column: string;
  not_null: boolean;
  has_default: boolean;
  type: string;
  type_schema: string;
  column_description: string | null;
  auto_incrementing: boolean;
}

/** Tables, views and their columns in the schemas of the connection's search path. */
export class SearchPathIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<any>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace`.execute(this.db);
    return rows;
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const { rows } = await sql<ColumnRow>`
      select ns.nspname as schema, c.relname as table, c.relkind as table_type, a.attname as column,
             a.attnotnull as not_null, a.atthasdef as has_default, typ.typname as type, tns.nspname as type_schema,
             col_description(c.oid, a.attnum) as column_description,
             (a.attidentity <> '' or coalesce(pg_get_expr(d.adbin, d.adrelid) like 'nextval(%', false)) as auto_incrementing
        from pg_catalog.pg_class c
        join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
        join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        join pg_catalog.pg_type typ on typ.oid = a.atttypid
        join pg_catalog.pg_namespace tns on tns.oid = typ.typnamespace
        left join pg_catalog.pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
       where c.relkind in ('r', 'v', 'p') and ns.nspname = any(current_schemas(false))
       order by ns.nspname, c.relname, a.attnum`.execute(this.db);
    const tables = new Map<string, { name: string; schema: string; isView: boolean; columns: TableMetadata['columns'] }>();
    for (const r of rows) {
      if (!options.withInternalKyselyTables && KYSELY_TABLES.includes(r.table)) continue;
      const key = `${r.schema}.${r.table}`;
      let t = tables.get(key);
      if (!t) tables.set(key, (t = { name: r.table, schema: r.schema, isView: r.table_type === 'v', columns: [] }));
      t.columns.push({
        name: r.column,
        dataType: r.type,
        dataTypeSchema: r.type_schema,
        isNullable: !r.not_null,
        hasDefaultValue: r.has_default,
        isAutoIncrementing: r.auto_incrementing,
        ...(r.column_description !== null ? { comment: r.column_description } : {}),
      });
    }
    return [...tables.values()];
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}

export class OnairPostgresDialect extends PostgresDialect {
  constructor(
    config: ConstructorParameters<typeof PostgresDialect>[0],
    private readonly lockWaitMs: number,
  ) {
    super(config);
  }

  override createAdapter(): DialectAdapter {
    return new SchemaMigrationLockAdapter(this.lockWaitMs);
  }

  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SearchPathIntrospector(db);
  }
}
