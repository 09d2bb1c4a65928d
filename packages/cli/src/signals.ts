/**
 * Signals and exit codes while an output is being written: on SIGINT, SIGTERM or SIGHUP the
 * temporary files of the writes under way are removed (@kms-wrap/node's removePendingTempFiles)
 * and the command exits 130, 143 or 129 (128 + the signal's number, as a shell reports a
 * process it stopped) — every output is absent, the old file, or the whole new one.
 *
 * The handlers are installed only while a write is under way (onPendingTempFiles): at any other
 * moment the signal's default action stops the command at once. A command with a handler of
 * its own (batch: the wraps under way finish, nothing new starts) takes charge of the signal;
 * then the temporary files still there are removed when the process exits.
 */
import { onPendingTempFiles, pendingTempFiles, removePendingTempFiles } from '@kms-wrap/node';

export const SIGNAL_EXIT_CODES: Readonly<Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
const SIGNALS = Object.keys(SIGNAL_EXIT_CODES) as (keyof typeof SIGNAL_EXIT_CODES)[];

function onSignal(signal: NodeJS.Signals): void {
  // Another handler (batch's graceful stop) decides when to exit; 'exit' cleans up then.
  if (process.listenerCount(signal) > 1) return;
  removePendingTempFiles();
  process.exit(SIGNAL_EXIT_CODES[signal as keyof typeof SIGNAL_EXIT_CODES] ?? 1);
}

let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', removePendingTempFiles);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const s of SIGNALS) process.off(s, onSignal);
  process.off('exit', removePendingTempFiles);
}

/**
 * From now on, the handlers above are installed whenever a write is under way. Returns the
 * function that stops it (and removes them if they are installed).
 */
export function removeTempFilesOnSignals(): () => void {
  const stop = onPendingTempFiles((pending) => (pending ? install() : uninstall()));
  if (pendingTempFiles().length > 0) install();
  return () => {
    stop();
    uninstall();
  };
}
