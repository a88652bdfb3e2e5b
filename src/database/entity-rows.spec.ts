import { DataSource } from 'typeorm';
import { Deployment } from '../deployments/entities/deployment.entity';
import { NOTIFICATION_TEST_ENTITIES } from '../deployments/deployment-notices.testing';
import { Script } from '../scripts/entities/script.entity';
import { dataSourceOptions } from './data-source-options';
import { EntityRows, timeParameter } from './entity-rows';

describe('EntityRows (SQLite)', () => {
  let ds: DataSource;

  beforeAll(async () => {
    ds = new DataSource({ ...dataSourceOptions({ type: 'sqlite', path: ':memory:' }), entities: [Deployment, Script, ...NOTIFICATION_TEST_ENTITIES] });
    await ds.initialize();
    await ds.runMigrations();
    await ds.query("INSERT INTO users (username, password_hash, name, phone, role) VALUES ('u', 'x', 'u', '123456', 'ADMIN')");
  });
  afterAll(() => ds.destroy());

  it('reads a row with the values TypeORM loads for the entity (JSON, dates, nulls)', async () => {
    const saved = await ds.getRepository(Script).save({
      userId: 1,
      serviceName: 'rows',
      composeContent: "services:\n  web: {image: 'acme/web:1'}\n",
      images: [{ service: 'web', image: 'acme/web:1', repository: 'docker.io/acme/web' }],
      webhookToken: 't',
      signingSecretEncrypted: null,
      createdBy: 1,
      updatedBy: 1,
    });
    const rows = new EntityRows(ds, Script);
    const [row] = await rows.query(`SELECT ${rows.selectList('s')} FROM scripts s WHERE s.id = ?`, [saved.id]);
    const loaded = await ds.getRepository(Script).findOneByOrFail({ id: saved.id });
    expect(row).toEqual({ ...loaded });
    expect(row.createdAt).toBeInstanceOf(Date);
    expect(row.images).toEqual(saved.images);
  });

  it('reads only the properties asked for, quoting names the SQL dialect reserves', async () => {
    await ds.query(
      "INSERT INTO deployments (user_id, service_name, action, trigger_source, status, services, created_at) VALUES (1, 'rows', 'update', 'webhook', 'queued', '[\"web\"]', ?)",
      [timeParameter(ds, new Date('2026-01-02T03:04:05.678Z'))],
    );
    const rows = new EntityRows(ds, Deployment, ['id', 'trigger', 'services', 'createdAt', 'startedAt']);
    const [row] = await rows.query(`SELECT ${rows.selectList('d')} FROM deployments d WHERE d.service_name = ?`, ['rows']);
    expect(row).toEqual({ id: expect.any(Number), trigger: 'webhook', services: ['web'], createdAt: new Date('2026-01-02T03:04:05.678Z'), startedAt: null });
  });

  it('refuses a property the entity does not have', () => {
    expect(() => new EntityRows(ds, Deployment, ['nope' as keyof Deployment & string])).toThrow('Deployment has no column nope');
  });
});
