// Child process for the "stop() leaves nothing behind" test: starts endpoint probes in every state that
// owns a timer or a socket (ping in flight, handshake in flight, retry pending, http keep-alive),
// stops them, reports what is still alive, and must then exit on its own.
import {EndpointProbe} from '../../source/probes/endpoint.js';

const [hungUrl, silentUrl, refusedUrl, httpUrl] = process.argv.slice(2);
const probes = [hungUrl!, silentUrl!, refusedUrl!, httpUrl!].map(
	(url) => new EndpointProbe({url, timeoutMs: 5000, backoff: {baseMs: 2000, maxMs: 2000}}),
);
for (const probe of probes) probe.start();
const hung = probes[0]!;
const refused = probes[2]!;
const waitUntil = async (ok: () => boolean) => {
	for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
};
await waitUntil(() => hung.status().state === 'connected');
await waitUntil(() => refused.status().nextRetryAt !== null);
// The test makes the hung server stop answering once its handshake is done.
await new Promise((r) => setTimeout(r, 300));
void hung.probe();
await probes[3]!.probe();
const before = probes.map((p) => p.status().state);
await Promise.all(probes.map((p) => p.stop()));
const after = probes.map((p) => p.status().state);
process.stdout.write(
	`${JSON.stringify({before, after, resources: process.getActiveResourcesInfo()})}\n`,
);
