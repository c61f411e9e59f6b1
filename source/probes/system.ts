// System probe (SPEC 2, 3): machine CPU, memory and the disk that holds the project.
import fs from 'node:fs';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {systemInformation} from './fallback.js';
import type {SystemReading} from '../types.js';
import {hasProc, readCpuTimes, readMeminfo, type CpuTimes} from './proc.js';

export type SystemProbeOptions = {
	/** A path on the filesystem to watch. Default: the current directory. */
	diskPath?: string;
};

// CPU % is a difference of two /proc/stat readings; below this gap the 10 ms tick makes it noise.
const minCpuWindowMs = 100;
const mib = 1024 * 1024;
const gib = 1024 * mib;

/**
 * MB and GB are binary (MiB, GiB), as top and df -h count them. CPU % is of the whole machine
 * (100 = every core busy). The first sample measures CPU since the probe was made, waiting until at
 * least 100 ms have passed; later samples measure since the previous sample.
 */
export class SystemProbe {
	private readonly diskPath: string;
	private lastCpu: {times: CpuTimes; at: number} | null = null;

	constructor(opts: SystemProbeOptions = {}) {
		this.diskPath = path.resolve(opts.diskPath ?? process.cwd());
		if (hasProc()) this.lastCpu = readCpuNow();
	}

	async sample(): Promise<SystemReading> {
		const [cpuMem, disk] = await Promise.all([
			hasProc() ? this.cpuAndMemoryFromProc() : cpuAndMemoryFallback(),
			diskUsage(this.diskPath),
		]);
		return {...cpuMem, ...disk};
	}

	private async cpuAndMemoryFromProc(): Promise<CpuAndMemory> {
		const waited = this.lastCpu ? performance.now() - this.lastCpu.at : 0;
		if (!this.lastCpu || waited < minCpuWindowMs) {
			if (!this.lastCpu) this.lastCpu = readCpuNow();
			await sleep(minCpuWindowMs - waited);
		}
		const current = readCpuNow();
		const previous = this.lastCpu!.times;
		this.lastCpu = current;
		const total = current.times.totalTicks - previous.totalTicks;
		const idle = current.times.idleTicks - previous.idleTicks;
		const cpuPercent = total > 0 ? clampPercent(((total - idle) / total) * 100) : 0;
		const mem = readMeminfo();
		if (!mem) throw new Error('cannot read /proc/meminfo');
		return memoryReading(cpuPercent, mem.totalBytes, mem.availableBytes);
	}
}

type CpuAndMemory = Pick<SystemReading, 'cpuPercent' | 'memoryPercent' | 'totalMb' | 'availableMb'>;

function readCpuNow(): {times: CpuTimes; at: number} {
	const times = readCpuTimes();
	if (!times) throw new Error('cannot read /proc/stat');
	return {times, at: performance.now()};
}

function memoryReading(
	cpuPercent: number,
	totalBytes: number,
	availableBytes: number,
): CpuAndMemory {
	return {
		cpuPercent,
		memoryPercent: totalBytes > 0 ? clampPercent((1 - availableBytes / totalBytes) * 100) : 0,
		totalMb: round1(totalBytes / mib),
		availableMb: round1(availableBytes / mib),
	};
}

/** Without /proc: systeminformation's CPU load (from os.cpus(), no shell) and memory. */
async function cpuAndMemoryFallback(): Promise<CpuAndMemory> {
	const si = await systemInformation();
	const [load, mem] = await Promise.all([si.currentLoad(), si.mem()]);
	return memoryReading(clampPercent(load.currentLoad), mem.total, mem.available);
}

/**
 * Used % as df computes it (space reserved for root counts as neither used nor free) and the space
 * an ordinary user can still write. A path that does not exist yet is measured at its nearest
 * existing parent, which is the filesystem it would be created on.
 */
async function diskUsage(
	target: string,
): Promise<Pick<SystemReading, 'diskPath' | 'diskPercent' | 'diskFreeGb'>> {
	let dir = target;
	let firstError: unknown;
	// Bounded by the depth of the path.
	for (;;) {
		try {
			const s = await fs.promises.statfs(dir);
			const used = (s.blocks - s.bfree) * s.bsize;
			const free = s.bavail * s.bsize;
			return {
				diskPath: dir,
				diskPercent: used + free > 0 ? clampPercent((used / (used + free)) * 100) : 0,
				diskFreeGb: Math.round((free / gib) * 100) / 100,
			};
		} catch (error) {
			firstError ??= error;
			const parent = path.dirname(dir);
			if (parent === dir) {
				const why = firstError instanceof Error ? firstError.message : String(firstError);
				throw new Error(`cannot read disk usage of ${target}: ${why}`);
			}
			dir = parent;
		}
	}
}

function clampPercent(n: number): number {
	return round1(Math.min(100, Math.max(0, n)));
}

function round1(n: number): number {
	return Math.round(n * 10) / 10;
}
