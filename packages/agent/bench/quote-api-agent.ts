import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { startAgent } from '../src/run/agent';

/**
 * The agent as `tillpoint start --config FILE` runs it, plus the quote benchmark's bare route:
 * `POST /bench/v1/quote` takes the same body through the same server (body limit, JSON parser,
 * token check, hooks) and answers the bytes of the real quote's answer (`POST /bench/answer`
 * hands them over once), serialised once. So the bench's baseline is the HTTP exchange of a quote, without the quote.
 */
const configPath = process.argv[process.argv.indexOf('--config') + 1];
if (configPath === undefined) throw new Error('usage: quote-api-agent.mjs start --config FILE');
// `--cpu-prof` is refused in NODE_OPTIONS: the bench asks for a profile with this variable instead.
const profileDir = process.env.TILLPOINT_BENCH_PROFILE;
const profiler = profileDir === undefined ? undefined : new Session();
if (profiler !== undefined) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
let answer = '{}';
const agent = await startAgent({
  configPath,
  extend: (app) => {
    // The bench hands over the real quote's answer once; the bare route then sends its bytes.
    app.post('/bench/answer', async (request) => {
      answer = JSON.stringify(request.body);
      return { bytes: Buffer.byteLength(answer) };
    });
    app.post('/bench/v1/quote', async (_request, reply) =>
      reply.type('application/json; charset=utf-8').send(answer),
    );
  },
});
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      if (profiler !== undefined && profileDir !== undefined) {
        const { profile } = await profiler.post('Profiler.stop');
        writeFileSync(join(profileDir, `agent-${process.pid}.cpuprofile`), JSON.stringify(profile));
      }
      await agent.stop();
      process.exit(0);
    })();
  });
}
