import 'reflect-metadata';
import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import Database from 'better-sqlite3';
import { createSecretKey } from 'node:crypto';
import { createPool } from 'mysql2/promise';
import { Strategy } from 'passport-jwt';

/**
 * The floor of this stack: the least an authenticated read can cost with Nest on Fastify, passport-jwt
 * and one database round trip, the session check every request must make (issue 15: a logout takes
 * effect on the next request, on every replica). One route behind a global passport-jwt guard whose
 * validate() runs `SELECT ?`, answering a 50-byte envelope. No config, logging, metrics, DTOs or rows.
 *
 *   node stack-floor.js <port> <sqlite:path|mysql://...>   FLOOR_SECRET signs the bench's token
 */
const [port, databaseUrl] = process.argv.slice(2);
const key = createSecretKey(Buffer.from(process.env.FLOOR_SECRET ?? '', 'utf8'));

function roundTrip(): (id: number) => Promise<unknown> {
  if (databaseUrl.startsWith('sqlite:')) {
    const select = new Database(databaseUrl.slice('sqlite:'.length)).prepare('SELECT ? AS id');
    return async (id) => select.get(id);
  }
  const pool = createPool({ uri: databaseUrl, connectionLimit: 10 });
  return (id) => pool.query('SELECT ? AS id', [id]);
}
const sessionCheck = roundTrip();

@Injectable()
class FloorStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({ jwtFromRequest: (req: { headers: Record<string, string> }) => req.headers.authorization ?? null, secretOrKey: key as never, algorithms: ['HS256'] });
  }

  async validate(claims: { sub: string; sid: number }) {
    await sessionCheck(claims.sid);
    return { id: claims.sub };
  }
}

@Controller()
class FloorController {
  @Get('hello')
  hello() {
    return { code: 0, message: '成功', data: 'hello' };
  }
}

@Module({ imports: [PassportModule], controllers: [FloorController], providers: [FloorStrategy, { provide: APP_GUARD, useClass: AuthGuard('jwt') }] })
class FloorModule {}

NestFactory.create<NestFastifyApplication>(FloorModule, new FastifyAdapter(), { logger: false })
  .then((app) => app.listen(Number(port), '127.0.0.1'))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
