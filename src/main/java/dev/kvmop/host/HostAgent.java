package dev.kvmop.host;

import dev.kvmop.api.KvmHostStatus.HostFacts;
import dev.kvmop.net.DhcpLease;
import dev.kvmop.net.NetworkSetup;

/**
 * Domain verbs on one host. Reconcilers talk to hosts only through this interface; they never build
 * command strings.
 *
 * <p>A verb may fail after it took effect (the connection dropped mid-command), so callers repeat
 * verbs after a crash or a retry. Most verbs allow that: the probes and reads change nothing, and
 * {@link #ensureWorkDir}, {@link #removeWorkDir}, {@link #launch} (adopts the running qemu), {@link
 * #stop}, {@link #removeGuestDir}, {@link #modprobe} and {@link #writeIfupScript} end in the same
 * state however often they run. Three do not:
 *
 * <ul>
 *   <li>{@link #reset} resets the guest again on every call: callers reset once per request (the
 *       annotation token they record) and accept that a retry after a lost answer may reset twice.
 *   <li>{@link #insmod} fails when the module is already loaded, and {@link #rmmod} when it is not
 *       loaded or in use: callers read {@link #loadedModules} first and insert only what is
 *       missing, remove only what is loaded with use count 0.
 *   <li>{@link #runBuildStep} repeats the step's work; callers skip the build when {@link
 *       #buildStamp} shows it complete.
 * </ul>
 */
public interface HostAgent {
  /** Reads kernel, CPU, memory, boot id and qemu facts in one remote command. */
  HostFacts probeFacts(String qemuBinary) throws HostException;

  /**
   * Claims {@code workDir} for the KvmHost whose uid is {@code owner} and creates the operator's
   * directory layout below it; a workDir another KvmHost claimed, or a system directory, is refused
   * (the answer says which) and left untouched.
   */
  WorkDirClaim ensureWorkDir(String workDir, String owner) throws HostException;

  /** Removes what the operator put below {@code workDir}. */
  void removeWorkDir(String workDir, String owner) throws HostException;

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
   * The host's canonical form of each path (symlinks and {@code ..} resolved, like {@code realpath
   * -m}: the last components need not exist), in order.
   */
  java.util.List<String> resolvePaths(String workDir, java.util.List<String> paths)
      throws HostException;

  /**
   * Stops the guest's qemu: QMP system_powerdown, up to {@code grace} for it to exit, then SIGTERM,
   * then SIGKILL. Records the intent first so the probe reports the exit as requested. A guest that
   * is not running is left as it is.
   */
  void stop(String guestDir, String uuid, java.time.Duration grace) throws HostException;

  /**
   * QMP system_reset: a hard reset of the running guest; the pid stays the same. Not idempotent:
   * each call resets again. Fails when the guest does not run.
   */
  void reset(String guestDir) throws HostException;

  /** Removes the guest directory (only after its process is gone). */
  void removeGuestDir(String guestDir) throws HostException;

  /**
   * The last {@code lines} lines of the guest's serial.log and qemu.log, at most {@code maxBytes}
   * of each, for the Event of a crash or a failed launch. Reads only.
   */
  LogTails logTails(String guestDir, int lines, int maxBytes) throws HostException;

  /** Whether a TCP connection from the host to the guest's address succeeds. */
  boolean tcpReachable(String address, int port) throws HostException;

  /** SHA256 fingerprint of the host key the connection verified. */
  String hostKeyFingerprint();

  /** Loaded modules and their use counts, from /proc/modules (through the helper in workDir). */
  java.util.Map<String, Integer> loadedModules(String workDir) throws HostException;

  /** {@code modprobe -a} the given modules (fixed names such as kvm, kvm_intel). */
  void modprobe(java.util.List<String> modules) throws HostException;

  /** {@code modinfo -F version}; null when the module has no version. */
  String moduleVersion(String module) throws HostException;

  /** Inserts a module file; fails when the module is already loaded (not idempotent). */
  void insmod(String path) throws HostException;

  /** Removes a module; fails when it is not loaded or in use (not idempotent). */
  void rmmod(String module) throws HostException;

  /**
   * Writes {@code <workDir>/qemu-ifup} (mode 0755) and the bridge it adds taps to ({@code
   * <workDir>/qemu-ifup.bridge}); unchanged files are left alone.
   */
  void writeIfupScript(String workDir, String bridge) throws HostException;

  /**
   * Brings spec.network about on the host: a managed bridge is created when missing (recorded under
   * {@code <workDir>/net/} as the operator's), given the gateway and brought up; with dhcp dnsmasq
   * runs with the setup's argv (one already running with that argv is adopted, one with another
   * argv replaced), without dhcp the operator's dnsmasq is stopped. When spec.network cannot be
   * brought about, the state names the problem and what this call created is undone. Nothing else
   * on the host is touched.
   */
  NetworkState setUpNetwork(String workDir, NetworkSetup setup) throws HostException;

  /**
   * Stops the operator's dnsmasq, removes the addresses and bridges the operator created (never a
   * bridge it found) and {@code <workDir>/net/}; nothing when {@code workDir} is claimed by another
   * KvmHost than {@code owner} (see {@link #ensureWorkDir}), whose network it is.
   */
  void tearDownNetwork(String workDir, String owner) throws HostException;

  /** Writes the fixed lease of one MAC for dnsmasq and tells it (SIGHUP) when it changed. */
  void writeLease(String workDir, DhcpLease lease) throws HostException;

  /** Removes the fixed lease of a MAC and tells dnsmasq; a lease that is not there is no error. */
  void removeLease(String workDir, String mac) throws HostException;

  /** sha256 (hex) of a file on the host. */
  String sha256(String path) throws HostException;

  /** The stamp of the last complete build below {@code workDir}, or null. */
  String buildStamp(String workDir) throws HostException;

  /**
   * Runs one build step on its own channel; throws {@link BuildException} (with the step and the
   * last 50 lines of its output) when it fails, unless the step ignores failure.
   */
  void runBuildStep(BuildStep step) throws HostException;

  // --- the image cache and the guests' own disks (<workDir>/images, <guest dir>/disk-<i>.qcow2)

  /**
   * Fetches an image into the cache on a channel of its own (long): under a lock per image, to a
   * temporary name, verified, renamed. An image already cached is not fetched again, so concurrent
   * or repeated calls fetch once. A failure is a {@link ImageFetch.Result}, not an exception; the
   * temporary file is then gone.
   */
  ImageFetch.Result fetchImage(ImageFetch fetch) throws HostException;

  /** How far the fetch job {@code job} below {@code workDir} is (for progress). */
  ImageFetch.Progress imageProgress(String workDir, String job) throws HostException;

  /**
   * Makes the guest's missing disks from cached images or blank, keeps those already there, and
   * writes (or removes) its seed. Idempotent.
   */
  DiskSetup.Report prepareDisks(DiskSetup setup) throws HostException;

  /** Removes the guest's own disks (for a reimage); fails while its qemu runs. */
  void wipeDisks(String guestDir) throws HostException;

  /** The cached images and the ones guest disks use. */
  CachedImages cachedImages(String workDir) throws HostException;

  /**
   * Removes these images from the cache unless a guest disk uses them (checked under the cache
   * lock); returns those removed.
   */
  java.util.List<String> evictImages(String workDir, java.util.List<String> sha256s)
      throws HostException;
}
