package dev.kvmop.testing;

import dev.kvmop.api.AddressEntry;
import dev.kvmop.api.Annotations;
import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.NetworkType;
import dev.kvmop.api.ObjectRef;
import dev.kvmop.api.RunStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The one builder of test KvmHosts and KvmGuests: {@code guest("vm-a").on("node-a").manual()},
 * {@code host("node-a").at("10.0.0.5").pool(3)}. Defaults are the cheapest objects the operator
 * accepts: a guest is {@code machine: none}, 16 MiB, no NIC, 1 s grace; a host allows TCG, pins
 * {@link FakeHostAgents#KEY_LINE} and takes its key from Secret {@code node-ssh}.
 */
public final class TestObjects {
  private TestObjects() {}

  public static GuestBuilder guest(String name) {
    return new GuestBuilder(name);
  }

  public static HostBuilder host(String name) {
    return new HostBuilder(name);
  }

  /**
   * The pool entry {@code i} of {@link HostBuilder#pool(int)}: 10.0.0.(10+i),
   * 52:54:00:00:00:(10+i).
   */
  public static AddressEntry poolEntry(int i) {
    return new AddressEntry(String.format("52:54:00:00:00:%02x", 0x10 + i), "10.0.0." + (10 + i));
  }

  /** Builds a KvmGuest; {@link #build()} returns a fresh object each call. */
  public static final class GuestBuilder {
    private final KvmGuest g = new KvmGuest();

    private GuestBuilder(String name) {
      g.getMetadata().setName(name);
      g.getMetadata().setNamespace(E2EEnvironment.NS);
      KvmGuestSpec spec = new KvmGuestSpec();
      spec.machine = "none";
      spec.memory = "16Mi";
      spec.network.type = NetworkType.None;
      spec.gracePeriodSeconds = 1;
      g.setSpec(spec);
    }

    public GuestBuilder in(String namespace) {
      g.getMetadata().setNamespace(namespace);
      return this;
    }

    public GuestBuilder on(String host) {
      g.getSpec().hostRef = new ObjectRef(host);
      return this;
    }

    /** A uid as the API server would give one (for objects that never meet an API server). */
    public GuestBuilder withUid() {
      g.getMetadata().setUid(UUID.randomUUID().toString());
      g.getMetadata().setGeneration(1L);
      g.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z");
      return this;
    }

    public GuestBuilder runStrategy(RunStrategy strategy) {
      g.getSpec().runStrategy = strategy;
      return this;
    }

    public GuestBuilder manual() {
      return runStrategy(RunStrategy.Manual);
    }

    public GuestBuilder halted() {
      return runStrategy(RunStrategy.Halted);
    }

    public GuestBuilder memory(String memory) {
      g.getSpec().memory = memory;
      return this;
    }

    public GuestBuilder cpus(int cpus) {
      g.getSpec().cpus = cpus;
      return this;
    }

    public GuestBuilder grace(int seconds) {
      g.getSpec().gracePeriodSeconds = seconds;
      return this;
    }

    /** A pool address on qemu's user network (machine pc: the NIC needs a PCI bus). */
    public GuestBuilder networked() {
      g.getSpec().machine = "pc";
      g.getSpec().memory = "32Mi";
      g.getSpec().network.type = NetworkType.User;
      g.getSpec().network.model = "e1000";
      g.getSpec().extraArgs = new ArrayList<>(List.of("-vga", "none"));
      return this;
    }

    /**
     * The cheapest guest that holds a pool address: microvm (virtio-mmio NIC, no firmware to run),
     * user networking and {@code -S} so its vCPU never runs: hundreds fit on a 2-core machine.
     */
    public GuestBuilder pooled() {
      g.getSpec().machine = "microvm";
      g.getSpec().network.type = NetworkType.User;
      g.getSpec().network.model = "virtio-net-device";
      g.getSpec().extraArgs = new ArrayList<>(List.of("-S"));
      return this;
    }

    public GuestBuilder network(NetworkType type) {
      g.getSpec().network.type = type;
      return this;
    }

    public GuestBuilder requestIp(String ip) {
      g.getSpec().network.ip = ip;
      return this;
    }

    public GuestBuilder readinessPort(int port) {
      g.getSpec().readinessProbe = new KvmGuestSpec.ReadinessProbe();
      g.getSpec().readinessProbe.tcpPort = port;
      return this;
    }

    /** Adds an image disk from {@code url} with {@code sha256}, grown to {@code size} (or null). */
    public GuestBuilder imageDisk(String url, String sha256, String size) {
      KvmGuestSpec.Disk d = new KvmGuestSpec.Disk();
      d.image = new KvmGuestSpec.Image();
      d.image.url = url;
      d.image.sha256 = sha256;
      d.size = size;
      g.getSpec().disks.add(d);
      return this;
    }

    /** Adds a blank disk of {@code size}. */
    public GuestBuilder emptyDisk(String size) {
      KvmGuestSpec.Disk d = new KvmGuestSpec.Disk();
      d.empty = new KvmGuestSpec.Empty();
      d.empty.size = size;
      g.getSpec().disks.add(d);
      return this;
    }

    /** A cloud-init seed with these SSH keys (change the rest with {@link #spec}). */
    public GuestBuilder cloudInit(String... sshKeys) {
      g.getSpec().cloudInit = new KvmGuestSpec.CloudInit();
      g.getSpec().cloudInit.sshAuthorizedKeys = new ArrayList<>(List.of(sshKeys));
      return this;
    }

    public GuestBuilder annotate(String key, String value) {
      if (g.getMetadata().getAnnotations() == null) {
        g.getMetadata().setAnnotations(new java.util.HashMap<>());
      }
      g.getMetadata().getAnnotations().put(key, value);
      return this;
    }

    public GuestBuilder reset(String token) {
      return annotate(Annotations.RESET, token);
    }

    public GuestBuilder restart(String token) {
      return annotate(Annotations.RESTART, token);
    }

    public GuestBuilder reimage(String token) {
      return annotate(Annotations.REIMAGE, token);
    }

    /** Any other change to the spec. */
    public GuestBuilder spec(Consumer<KvmGuestSpec> change) {
      change.accept(g.getSpec());
      return this;
    }

    public KvmGuest build() {
      return Json.copy(g, KvmGuest.class);
    }
  }

  /** Builds a KvmHost; {@link #build()} returns a fresh object each call. */
  /**
   * The guest policy of test hosts: extraArgs allowed (networked() and pooled() guests pass some),
   * host paths below /srv (the fakes' images), target/ (the guest fixture's kernel and initrd) and
   * the temporary directory.
   */
  public static void trustingPolicy(KvmHostSpec spec) {
    spec.guestPolicy.extraArgs = dev.kvmop.api.ExtraArgsPolicy.Allowed;
    spec.guestPolicy.allowedPaths =
        new ArrayList<>(
            List.of(
                "/srv",
                java.nio.file.Path.of("target").toAbsolutePath().normalize().toString(),
                java.nio.file.Path.of(System.getProperty("java.io.tmpdir"))
                    .toAbsolutePath()
                    .toString()));
  }

  public static final class HostBuilder {
    private final KvmHost h = new KvmHost();

    private HostBuilder(String name) {
      h.getMetadata().setName(name);
      h.getMetadata().setNamespace(E2EEnvironment.NS);
      KvmHostSpec spec = new KvmHostSpec();
      spec.address = "10.0.0.5";
      spec.credentialsSecretRef = new ObjectRef("node-ssh");
      spec.hostKey = FakeHostAgents.KEY_LINE;
      spec.hostKeyPolicy = HostKeyPolicy.Pinned;
      spec.kvm.requireHardwareVirtualization = false;
      trustingPolicy(spec);
      h.setSpec(spec);
    }

    public HostBuilder in(String namespace) {
      h.getMetadata().setNamespace(namespace);
      return this;
    }

    public HostBuilder at(String address) {
      h.getSpec().address = address;
      return this;
    }

    public HostBuilder at(String address, int port) {
      h.getSpec().address = address;
      h.getSpec().port = port;
      return this;
    }

    public HostBuilder secret(String name) {
      h.getSpec().credentialsSecretRef = new ObjectRef(name);
      return this;
    }

    /** Pins this host key (an OpenSSH key line or a SHA256 fingerprint). */
    public HostBuilder hostKey(String key) {
      h.getSpec().hostKey = key;
      return this;
    }

    public HostBuilder trustOnFirstUse() {
      h.getSpec().hostKey = null;
      h.getSpec().hostKeyPolicy = HostKeyPolicy.TrustOnFirstUse;
      return this;
    }

    public HostBuilder workDir(String workDir) {
      h.getSpec().workDir = workDir;
      return this;
    }

    public HostBuilder probeEvery(int seconds) {
      h.getSpec().probeIntervalSeconds = seconds;
      return this;
    }

    /** {@code n} pool entries: {@link TestObjects#poolEntry(int)} for 0 ≤ i < n. */
    public HostBuilder pool(int n) {
      for (int i = 0; i < n; i++) {
        h.getSpec().addresses.add(poolEntry(i));
      }
      return this;
    }

    public HostBuilder address(String mac, String ip) {
      h.getSpec().addresses.add(new AddressEntry(mac, ip));
      return this;
    }

    public HostBuilder maxGuests(int n) {
      h.getSpec().maxGuests = n;
      return this;
    }

    public HostBuilder bridge(String bridge) {
      h.getSpec().network.bridge = bridge;
      return this;
    }

    /** Any other change to the spec. */
    public HostBuilder spec(Consumer<KvmHostSpec> change) {
      change.accept(h.getSpec());
      return this;
    }

    public KvmHost build() {
      return Json.copy(h, KvmHost.class);
    }
  }

  private static final class Json {
    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
        new com.fasterxml.jackson.databind.ObjectMapper();

    static <T> T copy(T value, Class<T> type) {
      return MAPPER.convertValue(value, type);
    }
  }
}
