package dev.kvmop.host;

/**
 * One guest directory as the host probe saw it.
 *
 * @param guestDir absolute guest directory
 * @param uuid uuid recorded in the directory at launch, or null
 * @param state whether a process with the guest's identity runs
 * @param pid pid of the running qemu (from the pidfile, identity checked); null when Exited
 * @param startTicks start ticks of that pid; null when Exited
 * @param exit how the last process ended, when known and state is Exited
 */
public record GuestProcess(
    String guestDir, String uuid, State state, Integer pid, Long startTicks, ExitCause exit) {

  /** Process state by identity (pidfile pid, /proc exe, cmdline uuid, start ticks). */
  public enum State {
    /** A qemu with this guest's uuid runs under the pidfile's pid. */
    Running,
    /** The directory exists but no process with the guest's identity runs. */
    Exited
  }

  /** What the host recorded about the end of the process. */
  public enum ExitCause {
    /** The operator asked for the stop (intent file). */
    StopRequested,
    /** qemu reported a guest-initiated shutdown (QMP SHUTDOWN event, guest=true). */
    GuestShutdown,
    /** Nothing recorded: the process vanished (killed, crashed). */
    Unknown
  }
}
