package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a {@link KvmHost}; written only by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class KvmHostStatus {
  @JsonPropertyDescription("Lifecycle phase.")
  public HostPhase phase;

  @JsonPropertyDescription("metadata.generation of the spec this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription(
      "Reachable, HostKeyVerified, VirtualizationSupported, ModulesLoaded, Ready, SpecValid.")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("SHA256 fingerprint of the host key seen on the last connection.")
  public String observedHostKey;

  @JsonPropertyDescription("Facts read from the host by the last probe.")
  public HostFacts facts;

  @JsonPropertyDescription("State of the KVM kernel modules.")
  public ModulesStatus modules;

  @JsonPropertyDescription("Address pool usage.")
  public PoolStatus pool;

  @JsonPropertyDescription("Guests on this host.")
  public GuestCounts guests;

  @JsonPropertyDescription("The image cache (<workDir>/images) as last swept.")
  public ImageCacheStatus imageCache;

  @JsonPropertyDescription("What the guests placed on this host take of its capacity.")
  public Allocated allocated;

  @JsonPropertyDescription("qemu processes carrying the operator's marker but no KvmGuest.")
  public Integer orphanedProcesses;

  @JsonPropertyDescription("When the host was last probed (RFC 3339).")
  public String lastProbeTime;

  /** Facts read in one remote command. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class HostFacts {
    @JsonPropertyDescription("uname -r.")
    public String kernel;

    @JsonPropertyDescription("uname -m.")
    public String arch;

    @JsonPropertyDescription("vendor_id from /proc/cpuinfo.")
    public String cpuVendor;

    @JsonPropertyDescription("vmx, svm or none, from the /proc/cpuinfo flags.")
    public String virtualization;

    @JsonPropertyDescription("Whether /dev/kvm exists.")
    public Boolean kvmDevice;

    @JsonPropertyDescription("Online CPUs.")
    public Integer cpus;

    @JsonPropertyDescription("MemTotal in bytes.")
    public Long memoryBytes;

    @JsonPropertyDescription("First line of qemu --version.")
    public String qemuVersion;

    @JsonPropertyDescription("Version of the loaded kvm module, when known.")
    public String kvmModuleVersion;

    @JsonPropertyDescription("/proc/sys/kernel/random/boot_id; a change means the host rebooted.")
    public String bootId;
  }

  /** KVM module state. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class ModulesStatus {
    @JsonPropertyDescription("True when the operator loaded the modules (and may unload them).")
    public Boolean loadedByOperator;

    @JsonPropertyDescription("Module version.")
    public String version;

    @JsonPropertyDescription("sha256 of the built source and flags (modules: Build).")
    public String buildStamp;
  }

  /** Address pool usage. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class PoolStatus {
    @JsonPropertyDescription("Entries in the pool (addresses plus expanded ranges).")
    public Integer total;

    @JsonPropertyDescription("Entries held by guests.")
    public Integer allocated;

    @JsonPropertyDescription("Entries free.")
    public Integer free;

    @JsonPropertyDescription("allocated/total, for kubectl.")
    public String summary;
  }

  /** Image cache usage. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class ImageCacheStatus {
    @JsonPropertyDescription("Base images in the cache.")
    public Integer images;

    @JsonPropertyDescription("Bytes they take.")
    public Long bytes;
  }

  /** Guest counts. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class GuestCounts {
    @JsonPropertyDescription("Guests whose qemu is running.")
    public Integer running;

    @JsonPropertyDescription("KvmGuests referencing this host.")
    public Integer total;

    @JsonPropertyDescription("running/total, for kubectl.")
    public String summary;
  }

  /** The sum over the guests placed on the host. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Allocated {
    @JsonPropertyDescription("Virtual CPUs of the guests placed here.")
    public Integer cpus;

    @JsonPropertyDescription("Memory of the guests placed here, as a quantity (e.g. 1536Mi).")
    public String memory;

    @JsonPropertyDescription("Guests placed here.")
    public Integer guests;

    @JsonPropertyDescription(
        "cpus/limit and memory/limit, the limits being capacity x overcommit, for kubectl.")
    public String summary;
  }
}
