// The parts of BENCHMARKS.md that `npm run bench -- --write` carries over from the file it replaces.

/**
 * What --write keeps of the BENCHMARKS.md it replaces: the rounds written by hand under "The frame"
 * (each "### … round" section: what changed, measured before and after) and, when this run has no
 * --profile, the last profile section (its heading names the code it profiled).
 */
export function keptSections(text: string): {rounds: string; profile: string} {
	const lines = text.split('\n');
	const frame = lines.indexOf('## The frame (issue 13)');
	const profileAt = lines.findIndex((l) => l.startsWith('## Where the idle CPU goes'));
	let rounds = '';
	if (frame >= 0) {
		const first = lines.findIndex((l, i) => i > frame && /^### .*round/i.test(l));
		const end = lines.findIndex((l, i) => i > frame && l.startsWith('## '));
		if (first >= 0 && (end < 0 || first < end))
			rounds = lines
				.slice(first, end < 0 ? undefined : end)
				.join('\n')
				.trim();
	}
	const profile = profileAt >= 0 ? lines.slice(profileAt).join('\n').trim() : '';
	return {rounds, profile};
}
