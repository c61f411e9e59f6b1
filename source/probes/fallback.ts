// systeminformation is only needed where /proc is not (it costs ~11 MB of RSS to load): load it then.
type Si = typeof import('systeminformation');

let loaded: Promise<Si> | null = null;

export function systemInformation(): Promise<Si> {
	loaded ??= import('systeminformation').then((m) => (m.default ?? m) as Si);
	return loaded;
}
