package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/**
 * Desired state of a {@link KvmHost}. Field descriptions are given with
 * {@code @JsonPropertyDescription} because the CRD generator reads bytecode, where Javadoc is gone;
 * they are the fields' documentation.
 */
@ValidationRule(
    value =
        "(has(self.hostKeyPolicy) && self.hostKeyPolicy == 'TrustOnFirstUse')"
            + " || (has(self.hostKey) && size(self.hostKey) > 0)",
    message = "spec.hostKey is required when spec.hostKeyPolicy is Pinned")
@ValidationRule(
    value =
        "!has(self.kvm) || !has(self.kvm.modules) || self.kvm.modules != 'Build'"
            + " || (has(self.kvm.build) && has(self.kvm.build.source))",
    message = "spec.kvm.build.source is required when spec.kvm.modules is Build")
@JsonIgnoreProperties(ignoreUnknown = true)
public class KvmHostSpec {
  @Required
  @Pattern(Patterns.HOST_OR_IP)
  @JsonPropertyDescription("Hostname, IPv4 or IPv6 address of the machine's SSH server.")
  public String address;

  @Default("22")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("SSH port.")
  public Integer port = 22;

  @Default("root")
  @Pattern(Patterns.USER)
  @JsonPropertyDescription("User to log in as; it must be able to run qemu and read /proc.")
  public String user = "root";

  @Required
  @JsonPropertyDescription(
      "Secret in the same namespace with key ssh-privatekey (OpenSSH, PEM or PKCS#8; RSA, ECDSA"
          + " or Ed25519) and optional key passphrase.")
  public ObjectRef credentialsSecretRef;

  @Size(max = 16384)
  @JsonPropertyDescription(
      "The host's SSH public key as an OpenSSH line (\"ssh-ed25519 AAAA...\") or a fingerprint"
          + " \"SHA256:<base64>\". Required when hostKeyPolicy is Pinned.")
  public String hostKey;

  @Default("Pinned")
  @JsonPropertyDescription(
      "Pinned: accept only hostKey. TrustOnFirstUse: record the first key seen in"
          + " status.observedHostKey and accept only that key afterwards.")
  public HostKeyPolicy hostKeyPolicy = HostKeyPolicy.Pinned;

  @Default("/var/lib/kvmop")
  @Pattern(Patterns.WORK_DIR)
  @Size(max = 1024)
  @JsonPropertyDescription(
      "Absolute directory on the host under which the operator keeps pidfiles, QMP sockets,"
          + " logs and scripts; not / and without . or .. segments.")
  public String workDir = "/var/lib/kvmop";

  @Default("10")
  @Min(1)
  @Max(3600)
  @JsonPropertyDescription("Seconds between checks of the host and all its guests.")
  public Integer probeIntervalSeconds = 10;

  @Default("8")
  @Min(1)
  @Max(64)
  @JsonPropertyDescription(
      "Concurrent SSH channels the operator opens to this host (OpenSSH allows 10 by default).")
  public Integer maxSessions = 8;

  // object defaults (here and below), so the server fills in the nested defaults when the object
  // is left out
  @Default("{}")
  @JsonPropertyDescription("Where qemu lives on the host.")
  public Qemu qemu = new Qemu();

  @Default("{}")
  @JsonPropertyDescription("How KVM is made ready on the host.")
  public Kvm kvm = new Kvm();

  @Default("{}")
  @JsonPropertyDescription("Host networking for Bridge guests.")
  public Network network = new Network();

  @JsonPropertyDescription("The cache of base images that guests' image disks are made from.")
  public HostImageCache imageCache = new HostImageCache();

  @JsonPropertyDescription("Explicit {mac, ip} entries of the address pool, in allocation order.")
  public List<AddressEntry> addresses = new ArrayList<>();

  @JsonPropertyDescription(
      "IPv4 ranges appended to the pool after addresses; MACs are derived from the IPs.")
  public List<AddressRange> addressRanges = new ArrayList<>();

  @Default("0")
  @Min(0)
  @JsonPropertyDescription("Most guests on this host; 0 means bounded by the pool only.")
  public Integer maxGuests = 0;

  @Default("{}")
  @JsonPropertyDescription(
      "What the guests placed here may use in total, before overcommit; zero or empty values come"
          + " from the host's facts.")
  public Capacity capacity = new Capacity();

  @Default("{}")
  @JsonPropertyDescription(
      "Factors on capacity: a guest fits while the cpus (memory) of the guests placed here, its"
          + " own included, stay within capacity x overcommit.")
  public Overcommit overcommit = new Overcommit();

  @Default("true")
  @JsonPropertyDescription(
      "false cordons the host: guests placed here keep running, no new guest is placed here.")
  public Boolean schedulable = true;

  @Default("{}")
  @JsonPropertyDescription("What guests may use of the host: host paths, extraArgs, qemu's user.")
  public GuestPolicy guestPolicy = new GuestPolicy();

  /** Host capacity for placement. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Capacity {
    @Default("0")
    @Min(0)
    @Max(65536)
    @JsonPropertyDescription("Virtual CPUs; 0 means the host's online CPUs (status.facts.cpus).")
    public Integer cpus = 0;

    @Pattern(Patterns.QUANTITY_OR_EMPTY)
    @JsonPropertyDescription(
        "Memory as a Kubernetes quantity, e.g. 60Gi; empty means the host's memory less 1Gi kept"
            + " for the host itself.")
    public String memory = "";
  }

  /** Overcommit factors for placement. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Overcommit {
    @Default("4.0")
    @Min(value = 0, inclusive = false)
    @Max(100)
    @JsonPropertyDescription("Guest vCPUs per capacity CPU, more than 0 and at most 100.")
    public Double cpu = 4.0;

    @Default("1.0")
    @Min(value = 0, inclusive = false)
    @Max(100)
    @JsonPropertyDescription("Guest memory per capacity memory, more than 0 and at most 100.")
    public Double memory = 1.0;
  }

  /** qemu location on the host. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Qemu {
    @Default("/usr/bin/qemu-system-x86_64")
    @Pattern("^(/[^\\x00]*)?$")
    @JsonPropertyDescription(
        "Absolute path of the qemu system emulator binary. Empty with kvm.modules Build: the qemu"
            + " built in the kvm tree (qemu/x86_64-softmmu/qemu-system-x86_64).")
    public String binary = "/usr/bin/qemu-system-x86_64";

    @Pattern("^(/[^\\x00]*)?$")
    @JsonPropertyDescription("BIOS/firmware directory passed to qemu as -L; empty for qemu's own.")
    public String biosDir = "";
  }

  /** KVM readiness. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Kvm {
    @Default("Builtin")
    @JsonPropertyDescription(
        "Builtin: use what the kernel provides. Modprobe: modprobe kvm and the vendor module."
            + " Build: build kvm from source and insmod it.")
    public ModulesMode modules = ModulesMode.Builtin;

    @Default("true")
    @JsonPropertyDescription(
        "Require vmx/svm in /proc/cpuinfo; false allows TCG-only hosts (tests, nested labs).")
    public Boolean requireHardwareVirtualization = true;

    @JsonPropertyDescription("Build settings; only for modules: Build.")
    public Build build;
  }

  /** How kvm is built from source. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Build {
    @JsonPropertyDescription("Where the kvm source tarball comes from.")
    public Source source;

    @JsonPropertyDescription("Extra ./configure arguments, one argv element each.")
    public List<String> configureFlags = new ArrayList<>();

    @Pattern("^(/[^\\x00]*)?$")
    @JsonPropertyDescription("When set: make -C kernel sync LINUX=<syncKernelDir> before make.")
    public String syncKernelDir = "";

    @Default("0")
    @Min(0)
    @Max(1024)
    @JsonPropertyDescription("make -j value; 0 means twice the host's CPUs.")
    public Integer jobs = 0;

    @Default("600")
    @Min(1)
    @JsonPropertyDescription("Timeout of ./configure in seconds.")
    public Integer configureTimeoutSeconds = 600;

    @Default("3600")
    @Min(1)
    @JsonPropertyDescription("Timeout of make in seconds.")
    public Integer makeTimeoutSeconds = 3600;
  }

  /** Source tarball location: a URL fetched on the host, or a path already on the host. */
  @ValidationRule(
      value = "has(self.url) != has(self.hostPath)",
      message = "exactly one of url and hostPath must be set")
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Source {
    @Pattern("^https?://[^\\s]+$")
    @JsonPropertyDescription("http(s) URL the host downloads the tarball from (curl or wget).")
    public String url;

    @Pattern(Patterns.SHA256)
    @JsonPropertyDescription("Expected sha256 of the tarball, hex; required with url.")
    public String sha256;

    @Pattern(Patterns.ABSOLUTE_PATH)
    @JsonPropertyDescription("Absolute path of a tarball already on the host.")
    public String hostPath;
  }

  /** Host networking. */
  @ValidationRule(
      value = "!has(self.dhcp) || !self.dhcp || (has(self.gateway) && size(self.gateway) > 0)",
      message = "spec.network.gateway is required when spec.network.dhcp is true")
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Network {
    @Default("br0")
    @Pattern(Patterns.BRIDGE)
    @ValidationRule(value = "self != '.' && self != '..'", message = "not an interface name")
    @JsonPropertyDescription(
        "Linux bridge that guest taps join (via the qemu-ifup script); at most 15 characters.")
    public String bridge = "br0";

    @Default("false")
    @JsonPropertyDescription(
        "true: the operator creates the bridge when it is missing, gives it gateway and brings it"
            + " up, and removes it at host deletion only if it created it. false: the bridge must"
            + " exist.")
    public Boolean managed = false;

    @Pattern(Patterns.IPV4_CIDR_OR_EMPTY)
    @JsonPropertyDescription(
        "The bridge's IPv4 address with its prefix, e.g. 10.0.0.1/24: the guests' default route,"
            + " the prefix of their static address and, with dhcp, the DHCP server. It must not be"
            + " a pool address; with dhcp every pool address must lie in its network. Empty: none.")
    public String gateway = "";

    @Size(max = 3)
    @JsonPropertyDescription(
        "Name servers (IP addresses) handed to guests by DHCP and in the cloud-init"
            + " network-config.")
    public List<String> nameservers = new ArrayList<>();

    @Default("false")
    @JsonPropertyDescription(
        "true: dnsmasq (Debian package dnsmasq-base) serves DHCP on this bridge only, with one"
            + " fixed lease per allocated pool entry (MAC to IP, hostname = guest name) and none for"
            + " unknown MACs; gateway is the router option, nameservers the DNS option. Needs"
            + " gateway.")
    public Boolean dhcp = false;
  }
}
