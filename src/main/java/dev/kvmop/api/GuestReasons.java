package dev.kvmop.api;

/**
 * The reasons a KvmGuest's conditions and Events carry; part of the public interface (listed with
 * their meaning in docs/state-diagrams.md). Besides these, the names of {@link ExitReason} (why
 * qemu ended) are reasons, and so are the host layer's failure names ({@code Unreachable}, {@code
 * Timeout}, {@code HostKeyMismatch}, {@code AuthenticationFailed}, {@code InvalidCredentials}) when
 * a host command could not finish and the guest's state became Unknown.
 */
public final class GuestReasons {
  // --- the spec ---

  /** SpecValid=True: the spec passed validation. */
  public static final String VALID = "Valid";

  /** SpecValid=False: the message names the bad fields; nothing is done until they are fixed. */
  public static final String INVALID_SPEC = "InvalidSpec";

  // --- the host (checked before every phase handler) ---

  /** spec.hostRef names no KvmHost in the guest's namespace. */
  public static final String HOST_NOT_FOUND = "HostNotFound";

  /** The KvmHost exists but is not usable yet (not connected, not Ready, Failed). */
  public static final String HOST_NOT_READY = "HostNotReady";

  /**
   * A Bridge guest waits: the host's NetworkReady is False (its bridge, gateway or DHCP is not in
   * place); the message carries the host's reason.
   */
  public static final String NETWORK_NOT_READY = "NetworkNotReady";

  /** The host does not answer: a launched guest's state is unknown, others wait. */
  public static final String HOST_UNREACHABLE = "HostUnreachable";

  /** A host command ran and failed (Ready=False and a Warning Event); retried in 30 s. */
  public static final String HOST_COMMAND_FAILED = "HostCommandFailed";

  // --- placement and address ---

  /** Scheduled=True: the guest is placed on its host (with its address, when it takes one). */
  public static final String SCHEDULED = "Scheduled";

  /**
   * No host fits the guest (Scheduled=False, Pending); the message counts the hosts by the first
   * rule each fails, e.g. {@code 0/4 hosts fit: 1 not Ready, 1 pool exhausted, 2 insufficient
   * memory}. For a guest with spec.hostRef: that host is cordoned or lacks the cpus or memory.
   */
  public static final String UNSCHEDULABLE = "Unschedulable";

  /** The host already holds spec.maxGuests guests. */
  public static final String MAX_GUESTS_REACHED = "MaxGuestsReached";

  /** AddressAssigned=True for network type None: no pool address is needed. */
  public static final String NO_NETWORK = "NoNetwork";

  /** AddressAssigned=True: the message holds the ip and mac from the host's pool. */
  public static final String ASSIGNED = "Assigned";

  /** spec.network.ip is not an entry of the host's pool. */
  public static final String REQUESTED_ADDRESS_NOT_IN_POOL = "RequestedAddressNotInPool";

  /** spec.network.ip is held by another guest. */
  public static final String REQUESTED_ADDRESS_TAKEN = "RequestedAddressTaken";

  /** Every pool address is held; the guest gets one as soon as one frees. */
  public static final String POOL_EXHAUSTED = "PoolExhausted";

  // --- disks and first boot (condition DisksReady) ---

  /**
   * DisksReady=False, Scheduled: a base image is being fetched; the message has bytes done/total.
   */
  public static final String DOWNLOADING = "Downloading";

  /** DisksReady=False: the host could not fetch an image (its error); retried with backoff. */
  public static final String DOWNLOAD_FAILED = "DownloadFailed";

  /** DisksReady=False: an image's sha256 is not the one in the spec; the download was removed. */
  public static final String CHECKSUM_MISMATCH = "ChecksumMismatch";

  /** DisksReady=False: the host has neither curl nor wget to fetch an image with. */
  public static final String DOWNLOADER_MISSING = "DownloaderMissing";

  /** DisksReady=False: an image's hostPath does not exist on the host. */
  public static final String IMAGE_NOT_FOUND = "ImageNotFound";

  /**
   * DisksReady=False, Failed: a disk's source changed after the disk was made; reimage to apply.
   */
  public static final String DISK_SOURCE_CHANGED = "DiskSourceChanged";

  /** DisksReady=False: the userDataSecretRef Secret or its key userdata does not exist. */
  public static final String USER_DATA_NOT_FOUND = "UserDataNotFound";

  /** DisksReady=False: the user-data in the Secret is larger than 64 KiB. */
  public static final String USER_DATA_TOO_LARGE = "UserDataTooLarge";

  /** DisksReady=True: image and empty disks made, the cloud-init seed written. */
  public static final String PREPARED = "Prepared";

  // --- launch ---

  /** runStrategy is Halted: the guest is (being) stopped and is not launched. */
  public static final String HALTED = "Halted";

  /** spec.accel cannot be met on the host (no usable kvm, and TCG not allowed). */
  public static final String NO_ACCELERATOR = "NoAccelerator";

  /** Phase Starting: qemu is being launched. */
  public static final String LAUNCHING = "Launching";

  /** qemu did not start (the message has its stderr); counts as a crash for the run strategy. */
  public static final String LAUNCH_FAILED = "LaunchFailed";

  /** Phase Running after this operator started a new qemu. */
  public static final String LAUNCHED = "Launched";

  /** ProcessRunning=True: a new qemu was started. */
  public static final String STARTED = "Started";

  /** A qemu with the guest's identity already ran and was taken over, not started again. */
  public static final String ADOPTED = "Adopted";

  /** ProcessRunning=True (and Ready=True without a readinessProbe): the probe sees the qemu. */
  public static final String RUNNING = "Running";

  /** Phase Starting after an exit: relaunch after the backoff (10 s doubling to 5 min). */
  public static final String BACK_OFF = "BackOff";

  // --- readiness ---

  /** Ready=False: the readinessProbe needs a pool address and the guest has none. */
  public static final String NO_ADDRESS = "NoAddress";

  /** Ready=True: the readinessProbe's TCP port accepts connections. */
  public static final String PROBE_SUCCEEDED = "ProbeSucceeded";

  /** Ready=False: the readinessProbe's TCP port refused or timed out. */
  public static final String PROBE_FAILED = "ProbeFailed";

  // --- stop and actions ---

  /** ProcessRunning=False, Ready=False: the operator stopped the qemu. */
  public static final String STOPPED = "Stopped";

  /** Event: QMP system_reset was sent for a new kvmop.dev/reset token. */
  public static final String RESET = "Reset";

  /** Event: the guest was (stopped and) started for a new kvmop.dev/restart token. */
  public static final String RESTARTED = "Restarted";

  /** Event: the guest was stopped, its disks made afresh and started for kvmop.dev/reimage. */
  public static final String REIMAGED = "Reimaged";

  /** Warning Event: a kvmop.dev/reset token arrived while no qemu ran; nothing was reset. */
  public static final String RESET_SKIPPED = "ResetSkipped";

  // --- deletion and errors ---

  /** Phase Stopping during deletion: qemu is stopped and the guest directory removed. */
  public static final String DELETING = "Deleting";

  /** Ready=False: deletion waits for the host to answer (at most 5 minutes). */
  public static final String DELETION_PENDING = "DeletionPending";

  /** Warning Event: released after the host stayed silent; its qemu may still run there. */
  public static final String RELEASED_WITHOUT_CLEANUP = "ReleasedWithoutCleanup";

  /** Ready=False: the reconcile threw; the message has the exception, the log its stack. */
  public static final String RECONCILE_ERROR = "ReconcileError";

  private GuestReasons() {}
}
