import Fastify from 'fastify';

/** Baseline server: the cheapest possible answer in the same envelope, on 127.0.0.1. */
const app = Fastify({ logger: false });
app.get('/hello', async () => ({ code: 0, message: '成功', data: 'hello' }));
app.post('/hello', async () => ({ code: 0, message: '成功', data: 'hello' }));
app.listen({ port: Number(process.argv[2]), host: '127.0.0.1' }).catch((err) => {
  console.error(err);
  process.exit(1);
});
