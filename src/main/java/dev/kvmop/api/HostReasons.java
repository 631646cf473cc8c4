package dev.kvmop.api;

import java.util.List;

/**
 * The reasons a KvmHost's conditions and Events carry; part of the public interface (users match on
 * them in alerts and scripts). A phase change emits an Event whose reason is the reason of the new
 * phase; the other Events are listed at the end. docs/state-diagrams.md lists where each one
 * arises.
 */
public final class HostReasons {
  // SpecValid
  /** SpecValid=True: the spec passed the operator's checks. */
  public static final String VALID = "Valid";

  /** SpecValid=False, phase Failed: a field is invalid; the message names it. No requeue. */
  public static final String INVALID_SPEC = "InvalidSpec";

  // Reachable, HostKeyVerified: the Secret and the SSH connection
  /** Secret spec.credentialsSecretRef does not exist; phase Pending until it does. */
  public static final String SECRET_NOT_FOUND = "SecretNotFound";

  /** The Secret has no ssh-privatekey; phase Pending until it does. */
  public static final String SECRET_KEY_MISSING = "SecretKeyMissing";

  /** Reachable=True: an SSH connection is established. */
  public static final String CONNECTED = "Connected";

  /** HostKeyVerified=True: the host presented the pinned (or first trusted) key. */
  public static final String VERIFIED = "Verified";

  /** Phase Unreachable: TCP connect failed or the connection dropped. */
  public static final String UNREACHABLE = "Unreachable";

  /** Phase Unreachable: a command did not finish within its timeout. */
  public static final String TIMEOUT = "Timeout";

  /** Phase Unreachable: a command of the full check ran and failed. */
  public static final String COMMAND_FAILED = "CommandFailed";

  /** Phase Failed, HostKeyVerified=False: the host's key is not the pinned one. */
  public static final String HOST_KEY_MISMATCH = "HostKeyMismatch";

  /** Phase Failed: the host refused the Secret's key. */
  public static final String AUTHENTICATION_FAILED = "AuthenticationFailed";

  /** Phase Failed: the Secret's key cannot be read (format or passphrase). */
  public static final String INVALID_CREDENTIALS = "InvalidCredentials";

  // VirtualizationSupported, and ModulesLoaded for modules Builtin
  /** VirtualizationSupported=True: the CPU has vmx or svm. */
  public static final String CPU_FLAG = "CpuFlag";

  /** No vmx/svm or no /dev/kvm, allowed by spec.kvm.requireHardwareVirtualization=false. */
  public static final String TCG_ONLY = "TcgOnly";

  /** Phase Failed: no vmx/svm while spec.kvm.requireHardwareVirtualization is true. */
  public static final String NO_HARDWARE_VIRTUALIZATION = "NoHardwareVirtualization";

  /** ModulesLoaded=True for modules Builtin: /dev/kvm is present. */
  public static final String BUILTIN = "Builtin";

  /** Phase Failed: modules Builtin, /dev/kvm missing, hardware virtualization required. */
  public static final String NO_KVM_DEVICE = "NoKvmDevice";

  /** Phase Failed: the qemu binary (given or built) is missing or not runnable. */
  public static final String QEMU_MISSING = "QemuMissing";

  // Ready, from preparing spec.workDir
  /**
   * Phase Failed: another KvmHost (on the same machine) claimed spec.workDir; the message names the
   * directory and the other KvmHost's uid. Each KvmHost needs a workDir of its own.
   */
  public static final String WORK_DIR_CLAIMED = "WorkDirClaimed";

  /** Phase Failed: the host refused spec.workDir as a system directory (/usr, /var/lib, ...). */
  public static final String SYSTEM_DIRECTORY = "SystemDirectory";

  // ModulesLoaded for modules Modprobe and Build
  /** ModulesLoaded=True: modprobe loaded kvm and the vendor module. */
  public static final String MODPROBE = "Modprobe";

  /** Phase Failed: modprobe failed on the host. */
  public static final String MODPROBE_FAILED = "ModprobeFailed";

  /**
   * Phase Provisioning: a build step runs; the ModulesLoaded reason is then the step's name, one of
   * these. A failed step gives phase Failed with reason {@code <Step>Failed} (FetchFailed, ...,
   * MakeFailed); the source's checksum mismatch gives {@link #VERIFY_FAILED}.
   */
  public static final List<String> BUILD_STEPS =
      List.of("Fetch", "Verify", "Unpack", "Clean", "Configure", "Sync", "Make", "Stamp");

  /** Phase Failed: the source's sha256 could not be read or does not match. */
  public static final String VERIFY_FAILED = "VerifyFailed";

  /** ModulesLoaded=True: kvm built from source and its modules inserted. */
  public static final String BUILT = "Built";

  /** ModulesLoaded=True, phase Ready: a rebuilt kvm waits until no guest runs to be swapped in. */
  public static final String WAITING_FOR_IDLE = "WaitingForIdle";

  /** Phase Provisioning: the old kvm modules cannot be swapped out, something uses them. */
  public static final String MODULES_IN_USE = "ModulesInUse";

  /** Phase Failed: insmod of a built module failed (what was inserted is removed again). */
  public static final String INSMOD_FAILED = "InsmodFailed";

  // NetworkReady
  /** NetworkReady=True: spec.network.bridge exists (not managed, no dhcp). */
  public static final String BRIDGE_FOUND = "BridgeFound";

  /** NetworkReady=True: the managed bridge is there, up, with spec.network.gateway (no dhcp). */
  public static final String BRIDGE_UP = "BridgeUp";

  /** NetworkReady=True: the bridge is ready and dnsmasq gives fixed leases on it. */
  public static final String DHCP_SERVING = "DhcpServing";

  /** NetworkReady=False: the bridge (not managed) is missing; the host stays Ready. */
  public static final String BRIDGE_MISSING = "BridgeMissing";

  /** NetworkReady=False: an interface of the bridge's name exists and is not a bridge. */
  public static final String NOT_A_BRIDGE = "NotABridge";

  /** NetworkReady=False: the bridge (not managed) lacks spec.network.gateway's address. */
  public static final String GATEWAY_MISSING = "GatewayMissing";

  /** NetworkReady=False: creating or configuring the managed bridge failed; retried. */
  public static final String BRIDGE_SETUP_FAILED = "BridgeSetupFailed";

  /** NetworkReady=False: dhcp is asked for and dnsmasq is not installed (dnsmasq-base). */
  public static final String DNSMASQ_MISSING = "DnsmasqMissing";

  /** NetworkReady=False: dnsmasq did not start (e.g. port 67 taken); retried, nothing left. */
  public static final String DHCP_FAILED = "DhcpFailed";

  /** NetworkReady=False: an older KvmHost for the same machine manages the same bridge. */
  public static final String BRIDGE_CONFLICT = "BridgeConflict";

  // Ready
  /** Ready=True, phase Ready: connected, facts probed, workDir prepared, modules loaded. */
  public static final String READY = "Ready";

  /** Ready=False while a build step runs (phase Provisioning). */
  public static final String PROVISIONING = "Provisioning";

  /** Phase Terminating: KvmGuests still reference the deleted host; the message lists them. */
  public static final String GUESTS_REMAIN = "GuestsRemain";

  /** Ready=False: the reconcile threw; the message names the exception. */
  public static final String RECONCILE_ERROR = "ReconcileError";

  // Events that are not phase changes
  /** Normal Event: a kvm build finished (once per build). */
  public static final String KVM_BUILT = "KvmBuilt";

  /** Normal Event: least recently used images no guest uses were removed from the cache. */
  public static final String IMAGES_EVICTED = "ImagesEvicted";

  /** Normal Event at deletion: modules the operator loaded stay, something uses them. */
  public static final String MODULES_KEPT = "ModulesKept";

  /** Warning Event at deletion: the host stayed silent; released without cleanup there. */
  public static final String CLEANUP_ABANDONED = "CleanupAbandoned";

  private HostReasons() {}
}
