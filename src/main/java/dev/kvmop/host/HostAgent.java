package dev.kvmop.host;

import dev.kvmop.api.KvmHostStatus.HostFacts;

/**
 * Domain verbs on one host. Every verb is idempotent, so a reconciler may repeat any of them after
 * a crash or a retry. Reconcilers talk to hosts only through this interface; they never build
 * command strings.
 */
public interface HostAgent {
  /** Reads kernel, CPU, memory, boot id and qemu facts in one remote command. */
  HostFacts probeFacts(String qemuBinary) throws HostException;

  /** Creates the operator's directory layout below {@code workDir}. */
  void ensureWorkDir(String workDir) throws HostException;

  /** Removes what the operator put below {@code workDir}. */
  void removeWorkDir(String workDir) throws HostException;

  /**
   * Reports every guest directory below {@code workDir} and every qemu carrying the operator's
   * marker, in one remote command.
   */
  HostProbe probeGuests(String workDir, String qemuBinary) throws HostException;

  /**
   * Launches qemu for a guest unless a qemu with the guest's identity already runs from its
   * directory, in which case that one is returned (adopted). Never starts a second qemu.
   */
  LaunchedProcess launch(GuestLaunch launch) throws HostException;

  /**
   * Stops the guest's qemu: QMP system_powerdown, up to {@code grace} for it to exit, then SIGTERM,
   * then SIGKILL. Records the intent first so the probe reports the exit as requested. A guest that
   * is not running is left as it is.
   */
  void stop(String guestDir, String uuid, java.time.Duration grace) throws HostException;

  /** QMP system_reset: a hard reset of the running guest; the pid stays the same. */
  void reset(String guestDir) throws HostException;

  /** Removes the guest directory (only after its process is gone). */
  void removeGuestDir(String guestDir) throws HostException;

  /** Whether a TCP connection from the host to the guest's address succeeds. */
  boolean tcpReachable(String address, int port) throws HostException;

  /** SHA256 fingerprint of the host key the connection verified. */
  String hostKeyFingerprint();

  /** Loaded modules and their use counts, from /proc/modules. */
  java.util.Map<String, Integer> loadedModules() throws HostException;

  /** {@code modprobe -a} the given modules (fixed names such as kvm, kvm_intel). */
  void modprobe(java.util.List<String> modules) throws HostException;

  /** {@code modinfo -F version}; null when the module has no version. */
  String moduleVersion(String module) throws HostException;

  /** Inserts a module file. */
  void insmod(String path) throws HostException;

  /** Removes a module. */
  void rmmod(String module) throws HostException;

  /**
   * Writes {@code <workDir>/qemu-ifup} (mode 0755) and the bridge it adds taps to ({@code
   * <workDir>/qemu-ifup.bridge}); unchanged files are left alone.
   */
  void writeIfupScript(String workDir, String bridge) throws HostException;

  /** Whether a Linux bridge of that name exists on the host. */
  boolean bridgeExists(String bridge) throws HostException;

  /** sha256 (hex) of a file on the host. */
  String sha256(String path) throws HostException;

  /** The stamp of the last complete build below {@code workDir}, or null. */
  String buildStamp(String workDir) throws HostException;

  /**
   * Runs one build step on its own channel; throws {@link BuildException} (with the step and the
   * last 50 lines of its output) when it fails, unless the step ignores failure.
   */
  void runBuildStep(BuildStep step) throws HostException;
}
