package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;

/**
 * Desired state of a {@link KvmGuest}. Field descriptions are given with
 * {@code @JsonPropertyDescription} because the CRD generator reads bytecode, where Javadoc is gone;
 * they are the fields' documentation.
 */
@ValidationRule(
    value = "!has(self.hostRef) || !has(self.hostSelector)",
    message = "spec.hostRef and spec.hostSelector are mutually exclusive")
@JsonIgnoreProperties(ignoreUnknown = true)
public class KvmGuestSpec {
  @ValidationRule(value = "self == oldSelf", message = "spec.hostRef is immutable")
  @JsonPropertyDescription(
      "The KvmHost, in the same namespace, that runs this guest. Optional: without it the"
          + " operator places the guest (see hostSelector). Immutable: recreate the guest to move"
          + " it.")
  public ObjectRef hostRef;

  @SchemaFrom(type = HostSelectorSchema.class)
  @JsonPropertyDescription(
      "Without hostRef: the KvmHosts in the guest's namespace that may take it, by their labels"
          + " (matchLabels, matchExpressions with In, NotIn, Exists, DoesNotExist). Neither set:"
          + " any host of the namespace. The operator places the guest on a Ready, schedulable"
          + " host with room (pool address, maxGuests, capacity x overcommit) and records it in"
          + " status.host, which never changes until deletion.")
  public LabelSelector hostSelector;

  @Default("Always")
  @JsonPropertyDescription(
      "Always: keep running. RerunOnFailure: relaunch after a crash only. Manual: never"
          + " relaunch. Halted: keep stopped.")
  public RunStrategy runStrategy = RunStrategy.Always;

  @Default("1")
  @Min(1)
  @Max(512)
  @JsonPropertyDescription("Virtual CPUs (qemu -smp).")
  public Integer cpus = 1;

  @Default("512Mi")
  @Pattern(Patterns.QUANTITY)
  @JsonPropertyDescription("Guest memory as a Kubernetes quantity, e.g. 512Mi or 2Gi (qemu -m).")
  public String memory = "512Mi";

  @Default("pc")
  @Pattern(Patterns.MACHINE)
  @JsonPropertyDescription("qemu -machine type; none is valid (tests, benchmarks).")
  public String machine = "pc";

  @Default("Auto")
  @JsonPropertyDescription(
      "Auto: kvm when the host has /dev/kvm, else tcg when the host allows it. Kvm or Tcg force"
          + " one.")
  public Accel accel = Accel.Auto;

  @Size(max = 16)
  @JsonPropertyDescription("Disks, in order.")
  public List<Disk> disks = new ArrayList<>();

  @JsonPropertyDescription(
      "First-boot configuration (cloud-init NoCloud seed). Absent: no seed drive is attached.")
  public CloudInit cloudInit;

  @JsonPropertyDescription("Optional direct kernel boot.")
  public Kernel kernel;

  // an object default, so the server fills in the defaults below when network is left out
  @Default("{}")
  @JsonPropertyDescription("Network attachment.")
  public Network network = new Network();

  @Size(max = 256)
  @JsonPropertyDescription(
      "Extra qemu arguments, one argv element each, never a shell string. Options the operator"
          + " owns (-daemonize, -pidfile, -qmp, -monitor, -name, -uuid, -runas, -chroot) are"
          + " refused.")
  public List<String> extraArgs = new ArrayList<>();

  @JsonPropertyDescription("TCP readiness check of the guest IP through the host's SSH connection.")
  public ReadinessProbe readinessProbe;

  @Default("30")
  @Min(0)
  @Max(3600)
  @JsonPropertyDescription(
      "Seconds between QMP system_powerdown and SIGTERM when stopping; SIGKILL follows.")
  public Integer gracePeriodSeconds = 30;

  /**
   * One disk, from exactly one source: a file on the host used in place ({@code path}), a base
   * image the guest's own copy-on-write disk is made from ({@code image}), or a blank disk that
   * belongs to the guest ({@code empty}).
   */
  @ValidationRule(
      value =
          "(has(self.path) ? 1 : 0) + (has(self.image) ? 1 : 0) + (has(self.empty) ? 1 : 0) == 1",
      message = "a disk needs exactly one of path, image and empty")
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Disk {
    @Pattern(Patterns.ABSOLUTE_PATH)
    @Size(max = 4096)
    @JsonPropertyDescription("Absolute path of an image file on the host, used in place.")
    public String path;

    @JsonPropertyDescription(
        "A base image, fetched once per host into its image cache (<workDir>/images/<sha256>);"
            + " the guest gets its own qcow2 disk backed by it (<guest dir>/disk-<index>.qcow2).")
    public Image image;

    @Pattern(Patterns.QUANTITY)
    @JsonPropertyDescription(
        "With image: the guest's disk is at least this big (e.g. 10Gi); not smaller than the"
            + " image's virtual size. Applies when the disk is made (first start, reimage).")
    public String size;

    @JsonPropertyDescription("A blank qcow2 disk of this size that belongs to the guest.")
    public Empty empty;

    @Default("qcow2")
    @Pattern("^(qcow2|raw|vmdk|vdi|vhdx|qed)$")
    @JsonPropertyDescription(
        "Format of the file at path. Image and empty disks are always qcow2 files of the guest.")
    public String format = "qcow2";

    @Default("virtio")
    @Pattern("^(virtio|ide|scsi|sd|none)$")
    @JsonPropertyDescription("qemu drive interface.")
    public String bus = "virtio";

    @Default("false")
    @JsonPropertyDescription("Attach read-only.")
    public Boolean readOnly = false;
  }

  /** A base image: a URL the host fetches, or a file already on the host. */
  @ValidationRule(
      value = "has(self.url) != has(self.hostPath)",
      message = "exactly one of url and hostPath must be set")
  @ValidationRule(
      value = "!has(self.url) || has(self.sha256)",
      message = "image.sha256 is required with image.url")
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Image {
    @Pattern("^https?://[^\\s]+$")
    @Size(max = 4096)
    @JsonPropertyDescription("http(s) URL the host downloads the image from (curl or wget).")
    public String url;

    @Pattern(Patterns.ABSOLUTE_PATH)
    @Size(max = 4096)
    @JsonPropertyDescription(
        "Absolute path of an image already on the host; copied into the image cache.")
    public String hostPath;

    @Pattern(Patterns.SHA256)
    @JsonPropertyDescription(
        "Expected sha256 of the image, hex. Required with url; with hostPath optional (then"
            + " computed on the host at first use).")
    public String sha256;

    @Default("qcow2")
    @Pattern("^(qcow2|raw)$")
    @JsonPropertyDescription("Format of the image: qcow2 or raw.")
    public String format = "qcow2";
  }

  /** A blank disk. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Empty {
    @Required
    @Pattern(Patterns.QUANTITY)
    @JsonPropertyDescription("Size of the blank disk, e.g. 2Gi.")
    public String size;
  }

  /**
   * First-boot configuration delivered as a cloud-init NoCloud seed: a read-only drive labelled
   * cidata holding meta-data, user-data and network-config. Rewritten at each start.
   */
  @ValidationRule(
      value = "!(has(self.userData) && size(self.userData) > 0 && has(self.userDataSecretRef))",
      message = "give userData or userDataSecretRef, not both")
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class CloudInit {
    @Size(max = 65536)
    @JsonPropertyDescription(
        "user-data, inline (at most 64 KiB), e.g. \"#cloud-config\\n...\". Never shown in"
            + " status, Events or logs.")
    public String userData;

    @JsonPropertyDescription(
        "Secret in the guest's namespace whose key userdata holds the user-data (read at each"
            + " start).")
    public ObjectRef userDataSecretRef;

    @Size(max = 64)
    @JsonPropertyDescription(
        "SSH public keys merged into the #cloud-config user-data (ssh_authorized_keys).")
    public List<String> sshAuthorizedKeys = new ArrayList<>();

    @Size(max = 65536)
    @JsonPropertyDescription(
        "network-config to use as it is. Empty: generated from the guest's pool address (the NIC"
            + " matched by its MAC, a static address with the prefix of the host's"
            + " network.gateway, the gateway as default route, network.nameservers).")
    public String networkData;
  }

  /** Direct kernel boot. */
  @ValidationRule(
      value =
          "!has(self.initrd) || size(self.initrd) == 0 || (has(self.path) && size(self.path) > 0)",
      message = "kernel.initrd needs kernel.path")
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Kernel {
    @Pattern("^(/[^\\x00]*)?$")
    @JsonPropertyDescription("Absolute path of the kernel on the host (qemu -kernel).")
    public String path = "";

    @Pattern("^(/[^\\x00]*)?$")
    @JsonPropertyDescription("Absolute path of the initrd on the host (qemu -initrd).")
    public String initrd = "";

    @Size(max = 4096)
    @JsonPropertyDescription("Kernel command line (qemu -append).")
    public String cmdline = "";
  }

  /** Network attachment. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Network {
    @Default("Bridge")
    @JsonPropertyDescription(
        "Bridge: tap on the host bridge. User: qemu user-mode. None: no NIC and no pool address.")
    public NetworkType type = NetworkType.Bridge;

    @Default("virtio-net-pci")
    @Pattern(Patterns.NIC_MODEL)
    @JsonPropertyDescription("qemu NIC device model.")
    public String model = "virtio-net-pci";

    @Pattern("^([A-Za-z0-9]([A-Za-z0-9.:%-]{0,252}[A-Za-z0-9])?)?$")
    @JsonPropertyDescription("Request this pool entry's IP; empty takes the first free entry.")
    public String ip = "";
  }

  /** TCP readiness probe. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class ReadinessProbe {
    @Required
    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("TCP port on the guest IP that must accept a connection.")
    public Integer tcpPort;

    @Default("10")
    @Min(1)
    @Max(3600)
    @JsonPropertyDescription("Seconds between checks.")
    public Integer periodSeconds = 10;
  }
}
