import { connectServer, e2eDatabase } from './databases';

/** Fails the whole e2e run at once, with what to install, when its database is missing. */
export default async function globalSetup(): Promise<void> {
  if (e2eDatabase() === 'mariadb') {
    const conn = await connectServer();
    await conn.end();
  }
}
