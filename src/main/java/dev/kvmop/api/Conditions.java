package dev.kvmop.api;

/** Condition types and reasons that appear in status; part of the public interface. */
public final class Conditions {
  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  public static final String SPEC_VALID = "SpecValid";
  public static final String READY = "Ready";

  // KvmHost
  public static final String REACHABLE = "Reachable";
  public static final String HOST_KEY_VERIFIED = "HostKeyVerified";
  public static final String VIRTUALIZATION_SUPPORTED = "VirtualizationSupported";
  public static final String MODULES_LOADED = "ModulesLoaded";

  /**
   * Whether spec.network is in place on the host: the bridge present (created when managed), its
   * gateway set, DHCP serving when asked for. Bridge guests wait while it is False.
   */
  public static final String NETWORK_READY = "NetworkReady";

  // KvmGuest
  public static final String SCHEDULED = "Scheduled";
  public static final String ADDRESS_ASSIGNED = "AddressAssigned";

  /** Image and empty disks made, base images in the host's cache, the cloud-init seed written. */
  public static final String DISKS_READY = "DisksReady";

  public static final String PROCESS_RUNNING = "ProcessRunning";

  private Conditions() {}
}
