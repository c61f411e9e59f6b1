import {useInput, useStdin, type Key} from 'ink';

/**
 * The single key dispatcher: every key goes through one handler, so two panes never act on one key.
 * Inactive when stdin cannot do raw mode (useInput would throw).
 */
export function useKeys(handler: (input: string, key: Key) => void): boolean {
	const {isRawModeSupported} = useStdin();
	useInput(handler, {isActive: isRawModeSupported === true});
	return isRawModeSupported === true;
}
