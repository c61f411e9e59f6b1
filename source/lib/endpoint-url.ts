/** The TCP port of an endpoint URL (the scheme's default when none is given). */
export function endpointPort(url: string): number | null {
	try {
		const u = new URL(url);
		if (u.port) return Number(u.port);
		return u.protocol === 'https:' || u.protocol === 'wss:' ? 443 : 80;
	} catch {
		return null;
	}
}
