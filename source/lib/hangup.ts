import fs from 'node:fs';
import tty from 'node:tty';

// The standard descriptors that were terminals when mcptop started: node restores each one's
// terminal modes as it exits.
const terminalsAtStart = [0, 1, 2].filter((fd) => tty.isatty(fd));

/**
 * Lets mcptop exit cleanly after its terminal went away (an SSH session dropped, a tmux pane or
 * terminal window closed). Node 20 restores the terminal modes of every standard descriptor that
 * was a terminal at start, and aborts when that fails: after a hang-up tcsetattr fails with EIO, and
 * the process ends in SIGABRT or SIGSEGV with a native stack trace (nodejs/node#51519, fixed by
 * #58200 in later Node lines). Node skips a descriptor that no longer refers to the file it saw at
 * start, so each one that was a terminal and no longer is one (a hung-up terminal answers
 * tcgetattr with EIO) is pointed at /dev/null just before the exit. A terminal still there is left
 * alone and restored as usual.
 */
export function releaseHungUpTerminal(): void {
	for (const fd of terminalsAtStart) {
		if (tty.isatty(fd)) continue;
		try {
			fs.closeSync(fd);
			// The lowest free descriptor: the one just closed, unless another thread took it.
			const opened = fs.openSync('/dev/null', fs.constants.O_RDWR);
			if (opened !== fd) fs.closeSync(opened);
		} catch {
			// Nothing better to do on the way out.
		}
	}
}
