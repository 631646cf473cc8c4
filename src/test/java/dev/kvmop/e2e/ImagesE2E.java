package dev.kvmop.e2e;

import static dev.kvmop.testing.E2EEnvironment.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.Annotations;
import dev.kvmop.api.Conditions;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.RunStrategy;
import dev.kvmop.testing.BootingGuests;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.HostNetwork;
import dev.kvmop.testing.ImageServer;
import dev.kvmop.testing.OperatorProcess;
import dev.kvmop.testing.QemuProcesses;
import dev.kvmop.testing.SshKeys;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guests from images with real components: the built operator, OpenSSH on loopback as the host, an
 * HTTP server in this JVM that serves qcow2 images made with qemu-img (and counts the downloads),
 * the host's real curl, qemu-img and qemu (TCG), and guests that boot the fixture of {@code
 * scripts/guest-fixture.sh}. The fixture reports on its serial port what it found: the cloud-init
 * seed (hostname, instance-id, SSH key, the static address of its network-config), its disk (the
 * image's first line, the size) and a boot counter it keeps on that disk. The host has a managed
 * bridge without DHCP: the guests take their pool address from the seed alone, and are Ready once
 * port 80 answers on it. Root only (bridges and taps); at the end no bridge, tap or qemu is left.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImagesE2E {
  static final String HOST = "imgs";
  static final String SSH_KEY = SshKeys.generate("ed25519").publicKeyLine();
  static final String BASE = "base.qcow2";
  static final String SLOW = "slow.qcow2";
  static final String BURST = "burst.qcow2";
  static final String BASE_MARKER = "kvmop-image base v1";
  static final long VIRTUAL = 4L << 20;
  static final long GROWN = 64L << 20;
  static final Pattern BOOT_COUNT = Pattern.compile("kvmop-fixture: boot-count=(\\d+)");

  @TempDir static Path tmp;
  static E2EEnvironment env;
  static OperatorProcess operator;
  static Path fixture;
  static ImageServer images;
  static String baseSha;
  static String slowSha;
  static String burstSha;
  static String bridge;
  static String subnet;

  /** The taps of this class's guests: name and ifindex (names are reused by other tests' taps). */
  static final Set<String> taps = new TreeSet<>();

  static final Map<String, Long> created = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() {
    assumeThat(HostNetwork.available()).as("root and /dev/net/tun").isTrue();
    fixture = BootingGuests.fixture();
    byte[] base = ImageServer.qcow2(tmp, BASE_MARKER, VIRTUAL);
    byte[] slow = ImageServer.qcow2(tmp, "kvmop-image slow", VIRTUAL);
    baseSha = ImageServer.sha256(base);
    slowSha = ImageServer.sha256(slow);
    byte[] burst = ImageServer.qcow2(tmp, "kvmop-image burst", VIRTUAL);
    burstSha = ImageServer.sha256(burst);
    images = ImageServer.start().serve(BASE, base).serve(SLOW, slow).serve(BURST, burst);
    env = new E2EEnvironment(tmp);
    operator = env.startOperator();
    bridge = HostNetwork.uniqueName("kvi");
    subnet = HostNetwork.freeSubnet();
    env.client.resource(host()).create();
    env.awaitHost(HOST, HostPhase.Ready);
  }

  @AfterAll
  static void stop() {
    if (env == null) {
      return;
    }
    Map<Long, String> qemuLeft = QemuProcesses.below(env.workRoot);
    env.close();
    images.close();
    boolean bridgeLeft = HostNetwork.links().contains(bridge);
    List<String> tapsLeft = taps.stream().filter(t -> tapsOf(null).contains(t)).toList();
    if (bridgeLeft) {
      HostNetwork.removeLink(bridge);
    }
    assertThat(qemuLeft).as("qemu left running").isEmpty();
    assertThat(bridgeLeft).as("bridge left").isFalse();
    assertThat(tapsLeft).as("taps left").isEmpty();
  }

  @Test
  @Order(0)
  void tenGuestsCreatedAtOnceCauseOneDownload() {
    List<String> names =
        java.util.stream.IntStream.range(0, 10).mapToObj(i -> "burst-" + i).toList();
    names.parallelStream()
        .forEach(
            name ->
                env.client
                    .resource(
                        TestObjects.guest(name)
                            .on(HOST)
                            .memory("16Mi")
                            .grace(0)
                            .imageDisk(images.url(BURST), burstSha, null)
                            .spec(
                                s -> {
                                  // Never runs a vCPU: only the disk matters here.
                                  s.machine = "pc";
                                  s.network.type = dev.kvmop.api.NetworkType.None;
                                  s.extraArgs = new ArrayList<>(List.of("-S", "-vga", "none"));
                                })
                            .build())
                    .create());
    for (String name : names) {
      KvmGuest g = env.awaitGuest(name, GuestPhase.Running);
      assertThat(condition(g.getStatus().conditions, Conditions.DISKS_READY).getStatus())
          .isEqualTo("True");
    }
    int downloads = images.requests(BURST);
    System.out.println("image-cache: " + names.size() + " guests, " + downloads + " download");
    assertThat(downloads).isEqualTo(1);
    names.parallelStream().forEach(ImagesE2E::delete);
  }

  @Test
  @Order(1)
  void guestsCreatedAtOnceShareOneDownloadAndBootWithTheirSeedAndDisk() throws IOException {
    List<String> names = List.of("vm-1", "vm-2", "vm-3");
    for (String name : names) {
      created.put(name, System.nanoTime());
      env.client.resource(guest(name, BASE, baseSha).build()).create();
    }
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      KvmGuest g = awaitReady(name);
      long ms = (System.nanoTime() - created.get(name)) / 1_000_000;
      System.out.println("images: " + name + " create->Ready " + ms + " ms (3 booting at once)");
      String ip = g.getStatus().ip;
      assertThat(ip).startsWith(subnet + ".");
      assertThat(BootingGuests.page(ip)).isEqualTo("hello from " + name + "\n");
      String serial = serialLog(name);
      assertThat(serial)
          .contains("kvmop-fixture: hostname=" + name)
          .contains("kvmop-fixture: instance-id=" + g.getMetadata().getUid())
          .contains("kvmop-fixture: ssh-key=" + SSH_KEY)
          .contains("kvmop-fixture: network=static " + ip + "/24 on ")
          .contains("kvmop-fixture: image=" + BASE_MARKER)
          .contains("kvmop-fixture: disk-bytes=" + GROWN);
      assertThat(bootCounts(serial)).containsExactly(1);
      assertThat(condition(g.getStatus().conditions, Conditions.DISKS_READY).getStatus())
          .isEqualTo("True");
    }
    int downloads = images.requests(BASE);
    System.out.println("image-cache: " + names.size() + " guests, " + downloads + " download");
    assertThat(downloads).isEqualTo(1);
    taps.addAll(tapsOf(bridge));
    assertThat(taps).hasSize(3);
    assertThat(HostNetwork.dnsmasqBelow(env.workRoot))
        .as("no DHCP server on this bridge")
        .isEmpty();

    // Their disks go with them.
    for (String name : List.of("vm-2", "vm-3")) {
      Path dir = guestDir(name);
      env.client.resource(env.get(name)).delete();
      env.awaitGone(name);
      assertThat(dir).doesNotExist();
    }
    assertThat(Path.of(imagesDir(), baseSha)).as("vm-1 still uses it").exists();
  }

  @Test
  @Order(2)
  void whatTheGuestWroteOutlivesACrashARestartAndAnOperatorRestart() throws IOException {
    KvmGuest g = env.get("vm-1");
    long pid = g.getStatus().pid;
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    assertThat(awaitNextBoot("vm-1", "relaunch")).as("boot count after the relaunch").isEqualTo(2);
    assertThat(awaitReady("vm-1").getStatus().pid).isNotEqualTo(pid);

    annotate("vm-1", Annotations.RESTART, "r1");
    assertThat(awaitNextBoot("vm-1", "restart")).as("boot count after the restart").isEqualTo(3);
    long restarted = awaitReady("vm-1").getStatus().pid;
    assertThat(env.get("vm-1").getStatus().actions.restart).isEqualTo("r1");

    // An operator restart adopts the running guest: same process, no new boot, disks still ready.
    int boots = bootCounts(serialLog("vm-1")).size();
    operator.stop();
    operator = env.startOperator();
    KvmGuest adopted = env.awaitSteady("vm-1");
    assertThat(adopted.getStatus().pid).isEqualTo(restarted);
    assertThat(condition(adopted.getStatus().conditions, Conditions.DISKS_READY).getStatus())
        .isEqualTo("True");
    assertThat(bootCounts(serialLog("vm-1"))).hasSize(boots);
  }

  @Test
  @Order(3)
  void aReimageMakesTheDiskAfreshOncePerToken() throws IOException {
    annotate("vm-1", Annotations.REIMAGE, "i1");
    assertThat(awaitNextBoot("vm-1", "reimage")).as("boot count after the reimage").isEqualTo(1);
    KvmGuest g = awaitReady("vm-1");
    assertThat(g.getStatus().actions.reimage).isEqualTo("i1");
    assertThat(env.events("vm-1"))
        .anySatisfy(
            e -> {
              assertThat(e.getReason()).isEqualTo("Reimaged");
              assertThat(e.getMessage()).contains("i1");
            });
    assertThat(serialLog("vm-1")).contains("kvmop-fixture: image=" + BASE_MARKER);

    // The token is done: a restart keeps the disk (the count goes on from 1).
    annotate("vm-1", Annotations.RESTART, "r2");
    assertThat(awaitNextBoot("vm-1", "next restart"))
        .as("boot count after the next restart")
        .isEqualTo(2);
    assertThat(bootCounts(serialLog("vm-1"))).containsExactly(1, 2, 3, 1, 2);
    assertThat(images.requests(BASE)).as("the cache served the reimage").isEqualTo(1);
  }

  @Test
  @Order(4)
  void aSlowDownloadShowsItsBytesAndAWrongChecksumNamesBothSums() {
    images.hold(SLOW);
    env.client.resource(guest("vm-slow", SLOW, slowSha).build()).create();
    KvmGuest waiting =
        env.awaitGuest(
            "vm-slow",
            g ->
                g.getStatus().phase == GuestPhase.Scheduled
                    && disks(g)
                        .filter(c -> "Downloading".equals(c.getReason()))
                        .filter(c -> c.getMessage().matches(".*: [1-9][0-9]* / [0-9]+ bytes.*"))
                        .isPresent());
    Condition downloading = disks(waiting).orElseThrow();
    assertThat(downloading.getStatus()).isEqualTo("False");
    assertThat(downloading.getMessage()).contains(images.url(SLOW));
    System.out.println("images: while held: " + downloading.getMessage());
    assertThat(waiting.getStatus().pid).isNull();
    images.open(SLOW);
    await().atMost(E2EEnvironment.WAIT).until(() -> Files.exists(Path.of(imagesDir(), slowSha)));
    delete("vm-slow");

    String claimed = "0123456789abcdef".repeat(4);
    env.client.resource(guest("vm-bad", BASE, claimed).build()).create();
    KvmGuest bad =
        env.awaitGuest(
            "vm-bad",
            g -> disks(g).filter(c -> "ChecksumMismatch".equals(c.getReason())).isPresent());
    assertThat(disks(bad).orElseThrow().getMessage())
        .contains(images.url(BASE))
        .contains(claimed)
        .contains(baseSha);
    assertThat(bad.getStatus().phase).isEqualTo(GuestPhase.Scheduled);
    assertThat(bad.getStatus().pid).isNull();
    assertThat(Path.of(imagesDir(), claimed)).doesNotExist();
    delete("vm-bad");
  }

  @Test
  @Order(5)
  void aSmallCacheLosesTheImagesNoGuestUses() throws IOException {
    assertThat(Path.of(imagesDir(), slowSha)).exists();
    // All last used an hour ago: an image used in the last minutes is kept (it may have just been
    // fetched for a guest), so only the disk of vm-1 protects the base image here.
    FileTime anHourAgo = FileTime.from(java.time.Instant.now().minus(Duration.ofHours(1)));
    for (String sha : List.of(baseSha, slowSha, burstSha)) {
      Files.setLastModifiedTime(Path.of(imagesDir(), sha), anHourAgo);
    }
    env.client
        .resources(KvmHost.class)
        .inNamespace(E2EEnvironment.NS)
        .withName(HOST)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"imageCache\":{\"maxSize\":\"1Ki\"}}}");
    await()
        .atMost(E2EEnvironment.WAIT)
        .until(
            () ->
                !Files.exists(Path.of(imagesDir(), slowSha))
                    && !Files.exists(Path.of(imagesDir(), burstSha)));
    assertThat(Path.of(imagesDir(), baseSha)).as("vm-1's base").exists();
    await()
        .atMost(E2EEnvironment.WAIT)
        .until(
            () -> {
              var cache = env.getHost(HOST).getStatus().imageCache;
              return cache != null && cache.images == 1;
            });
    assertThat(hostEvents())
        .anySatisfy(
            e -> {
              assertThat(e.getReason()).isEqualTo("ImagesEvicted");
              assertThat(e.getMessage()).contains(slowSha, burstSha).doesNotContain(baseSha);
            });
    assertThat(BootingGuests.answers(env.get("vm-1").getStatus().ip, 80)).isTrue();
  }

  @Test
  @Order(6)
  void deletionTakesTheDisksAndTheHostTakesItsBridge() throws IOException {
    Path dir = guestDir("vm-1");
    delete("vm-1");
    assertThat(dir).doesNotExist();
    env.client.resource(env.getHost(HOST)).delete();
    await().atMost(E2EEnvironment.WAIT).until(() -> env.getHost(HOST) == null);
    assertThat(HostNetwork.links()).doesNotContain(bridge);
    await()
        .atMost(E2EEnvironment.WAIT)
        .until(() -> tapsOf(null).stream().noneMatch(taps::contains));
  }

  // ---------------------------------------------------------------- helpers

  /** A managed bridge without DHCP: the seed's network-config is how a guest learns its address. */
  static KvmHost host() {
    TestObjects.HostBuilder h =
        TestObjects.host(HOST)
            .at("127.0.0.1", env.sshd.port())
            .hostKey(env.sshd.hostKeyLine())
            .workDir(env.workRoot.resolve(HOST).toString())
            .probeEvery(1)
            .bridge(bridge)
            .spec(
                s -> {
                  s.user = System.getProperty("user.name");
                  s.network.managed = true;
                  s.network.dhcp = false;
                  s.network.gateway = subnet + ".1/24";
                  s.capacity.cpus = 64;
                });
    for (int i = 0; i < 4; i++) {
      h.address(BootingGuests.mac(i), BootingGuests.ip(subnet, i));
    }
    return h.build();
  }

  static TestObjects.GuestBuilder guest(String name, String image, String sha) {
    return BootingGuests.guest(name, HOST, fixture)
        .runStrategy(RunStrategy.Always)
        .grace(3) // the fixture ignores the ACPI power button: a stop waits out the grace
        .imageDisk(images.url(image), sha, "64Mi")
        .cloudInit(SSH_KEY);
  }

  static KvmGuest awaitReady(String name) {
    return await()
        .atMost(BootingGuests.BOOT)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> env.get(name),
            g ->
                g != null
                    && g.getStatus() != null
                    && g.getStatus().phase == GuestPhase.Running
                    && g.getStatus().conditions.stream()
                        .anyMatch(
                            c ->
                                Conditions.READY.equals(c.getType())
                                    && "True".equals(c.getStatus())));
  }

  /**
   * Waits for the guest's next boot (one more boot-count line than now on its serial port), prints
   * how long that took after {@code after}, and returns the count it reported.
   */
  static int awaitNextBoot(String name, String after) throws IOException {
    long start = System.nanoTime();
    int before = bootCounts(serialLog(name)).size();
    List<Integer> counts =
        await()
            .atMost(BootingGuests.BOOT)
            .pollInterval(Duration.ofMillis(250))
            .until(() -> bootCounts(serialLog(name)), c -> c.size() > before);
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.println("images: " + name + " " + after + " -> booted again " + ms + " ms");
    return counts.get(before);
  }

  static List<Integer> bootCounts(String serial) {
    List<Integer> counts = new ArrayList<>();
    Matcher m = BOOT_COUNT.matcher(serial);
    while (m.find()) {
      counts.add(Integer.parseInt(m.group(1)));
    }
    return counts;
  }

  static void annotate(String name, String key, String value) {
    env.client
        .resources(KvmGuest.class)
        .inNamespace(E2EEnvironment.NS)
        .withName(name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\"" + key + "\":\"" + value + "\"}}}");
  }

  static void delete(String name) {
    env.client.resource(env.get(name)).delete();
    env.awaitGone(name);
  }

  static Optional<Condition> disks(KvmGuest g) {
    return g.getStatus().conditions == null
        ? Optional.empty()
        : g.getStatus().conditions.stream()
            .filter(c -> Conditions.DISKS_READY.equals(c.getType()))
            .findFirst();
  }

  static String imagesDir() {
    return env.workRoot.resolve(HOST).resolve("images").toString();
  }

  static Path guestDir(String guest) throws IOException {
    try (var dirs = Files.list(env.guestsDir(HOST))) {
      return dirs.filter(d -> d.getFileName().toString().contains("_" + guest + "_"))
          .findFirst()
          .orElseThrow();
    }
  }

  static String serialLog(String guest) throws IOException {
    Path log = guestDir(guest).resolve("serial.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** "name#ifindex" of the ports of {@code bridge}, or of every interface for null. */
  static List<String> tapsOf(String bridge) {
    Path dir =
        bridge == null ? Path.of("/sys/class/net") : Path.of("/sys/class/net", bridge, "brif");
    try (var ports = Files.list(dir)) {
      return ports.map(p -> p.getFileName().toString()).map(n -> n + "#" + ifindex(n)).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  static String ifindex(String link) {
    try {
      return Files.readString(Path.of("/sys/class/net", link, "ifindex")).strip();
    } catch (IOException e) {
      return "gone";
    }
  }

  static List<io.fabric8.kubernetes.api.model.Event> hostEvents() {
    return env.client.v1().events().inNamespace(E2EEnvironment.NS).list().getItems().stream()
        .filter(e -> HOST.equals(e.getInvolvedObject().getName()))
        .toList();
  }
}
