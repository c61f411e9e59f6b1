/** One series of an instant vector: its labels and value. */
export type PromSample = {labels: Record<string, string>; value: number};

export type QueryResult = {ok: true; samples: PromSample[]} | {ok: false; error: string};

/** The largest answer read from Prometheus: hundreds of machines fit many times over. */
const maxBodyBytes = 32 * 1024 * 1024;

function parseVector(body: unknown): PromSample[] | string {
	if (typeof body !== 'object' || body === null) return 'the answer is not a JSON object';
	const b = body as {status?: unknown; error?: unknown; data?: unknown};
	if (b.status !== 'success')
		return typeof b.error === 'string' ? b.error : `status ${JSON.stringify(b.status)}`;
	const data = b.data as {resultType?: unknown; result?: unknown} | undefined;
	if (!data || !Array.isArray(data.result)) return 'no result in the answer';
	if (data.resultType === 'scalar') {
		const v = (data.result as unknown[])[1];
		return [{labels: {}, value: Number(v)}];
	}
	if (data.resultType !== 'vector') return `expected a vector, got ${String(data.resultType)}`;
	const samples: PromSample[] = [];
	for (const item of data.result as unknown[]) {
		if (typeof item !== 'object' || item === null) continue;
		const {metric, value} = item as {metric?: unknown; value?: unknown};
		if (typeof metric !== 'object' || metric === null || !Array.isArray(value)) continue;
		const labels: Record<string, string> = {};
		for (const [k, v] of Object.entries(metric)) if (typeof v === 'string') labels[k] = v;
		// Prometheus writes values as strings: "NaN", "+Inf" and numbers.
		samples.push({labels, value: Number(value[1])});
	}
	return samples;
}

/**
 * A read-only client of Prometheus' HTTP API (instant queries). Every call is bounded by the
 * timeout; failures come back as values with a message for the operator.
 */
export class PrometheusClient {
	private readonly base: URL;
	constructor(
		url: string,
		private readonly timeoutMs: number,
	) {
		this.base = new URL(url.endsWith('/') ? url : `${url}/`);
	}

	get url(): string {
		return this.base.href;
	}

	async query(promql: string, time?: number): Promise<QueryResult> {
		const target = new URL('api/v1/query', this.base);
		const form = new URLSearchParams({query: promql});
		if (time !== undefined) form.set('time', String(time / 1000));
		let response: Response;
		try {
			response = await fetch(target, {
				method: 'POST',
				headers: {'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json'},
				body: form,
				signal: AbortSignal.timeout(this.timeoutMs),
			});
		} catch (error) {
			const e = error as Error & {cause?: {code?: string}};
			if (e.name === 'TimeoutError')
				return {ok: false, error: `${this.base.host} did not answer in ${this.timeoutMs} ms`};
			return {
				ok: false,
				error: `cannot reach Prometheus at ${this.base.href}: ${e.cause?.code ?? e.message}`,
			};
		}
		const length = Number(response.headers.get('content-length') ?? 0);
		if (length > maxBodyBytes) {
			await response.body?.cancel();
			return {ok: false, error: `the answer is too large (${length} bytes)`};
		}
		let body: unknown;
		try {
			const text = await response.text();
			if (text.length > maxBodyBytes) return {ok: false, error: 'the answer is too large'};
			body = JSON.parse(text);
		} catch {
			return {
				ok: false,
				error: `${this.base.href} answered HTTP ${response.status} without Prometheus JSON (is it Prometheus?)`,
			};
		}
		const parsed = parseVector(body);
		if (typeof parsed === 'string')
			return {ok: false, error: `Prometheus refused the query: ${parsed}`};
		return {ok: true, samples: parsed};
	}
}
