package dev.kvmop.api;

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

  @JsonPropertyDescription("Optional direct kernel boot.")
  public Kernel kernel;

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

  /** One disk. */
  public static class Disk {
    @Required
    @Pattern(Patterns.ABSOLUTE_PATH)
    @Size(max = 4096)
    @JsonPropertyDescription("Absolute path of the image on the host.")
    public String path;

    @Default("qcow2")
    @Pattern("^(qcow2|raw|vmdk|vdi|vhdx|qed)$")
    @JsonPropertyDescription("Image format.")
    public String format = "qcow2";

    @Default("virtio")
    @Pattern("^(virtio|ide|scsi|sd|none)$")
    @JsonPropertyDescription("qemu drive interface.")
    public String bus = "virtio";

    @Default("false")
    @JsonPropertyDescription("Attach read-only.")
    public Boolean readOnly = false;
  }

  /** Direct kernel boot. */
  @ValidationRule(
      value =
          "!has(self.initrd) || size(self.initrd) == 0 || (has(self.path) && size(self.path) > 0)",
      message = "kernel.initrd needs kernel.path")
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
  public static class Network {
    @Default("Bridge")
    @JsonPropertyDescription(
        "Bridge: tap on the host bridge. User: qemu user-mode. None: no NIC and no pool address.")
    public NetworkType type = NetworkType.Bridge;

    @Default("virtio-net-pci")
    @Pattern(Patterns.NIC_MODEL)
    @JsonPropertyDescription("qemu NIC device model.")
    public String model = "virtio-net-pci";

    @Default("")
    @Pattern("^([A-Za-z0-9]([A-Za-z0-9.:%-]{0,252}[A-Za-z0-9])?)?$")
    @JsonPropertyDescription("Request this pool entry's IP; empty takes the first free entry.")
    public String ip = "";
  }

  /** TCP readiness probe. */
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
