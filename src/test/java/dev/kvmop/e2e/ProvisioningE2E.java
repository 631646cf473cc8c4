package dev.kvmop.e2e;

import static dev.kvmop.testing.E2EEnvironment.NS;
import static dev.kvmop.testing.E2EEnvironment.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.kvmop.api.Conditions;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.ModulesMode;
import dev.kvmop.api.NetworkType;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.OperatorProcess;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host provisioning end to end: the built operator against real OpenSSH, a real build (tar, sh,
 * make, curl) of a fixture kvm tree served over loopback HTTP. Only insmod, rmmod, modprobe,
 * modinfo, /proc/modules and /proc/cpuinfo are stand-ins (first on the sshd session's PATH, and
 * through KVMOP_PROC_MODULES / KVMOP_CPUINFO); they record every call in {@link #calls}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProvisioningE2E {
  static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path tmp;
  static Path calls;
  static Path procModules;
  static Path syncDir;
  static E2EEnvironment env;
  static OperatorProcess operator;
  static HttpServer http;
  static byte[] tarball;
  static String sha256;

  @BeforeAll
  static void start() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("stand-ins"));
    for (String tool : List.of("insmod", "rmmod", "modprobe", "modinfo")) {
      Path p = bin.resolve(tool);
      Files.write(p, resource("bin/" + tool));
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    calls = tmp.resolve("calls.log");
    procModules = tmp.resolve("proc-modules");
    Files.writeString(calls, "");
    Files.writeString(procModules, "");
    Path cpuinfo = tmp.resolve("cpuinfo");
    Files.write(cpuinfo, resource("cpuinfo-vmx"));
    syncDir = Files.createDirectories(tmp.resolve("linux-src"));
    env =
        new E2EEnvironment(
            tmp,
            List.of(
                "SetEnv PATH="
                    + bin
                    + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
                    + " KVMOP_CALLS="
                    + calls
                    + " KVMOP_PROC_MODULES="
                    + procModules
                    + " KVMOP_CPUINFO="
                    + cpuinfo));
    tarball = resource("kvm-fixture-1.tar.gz");
    sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(tarball));
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext(
        "/kvm.tar.gz",
        ex -> {
          ex.sendResponseHeaders(200, tarball.length);
          ex.getResponseBody().write(tarball);
          ex.close();
        });
    http.start();
    operator = env.startOperator();
  }

  @AfterAll
  static void stop() {
    if (http != null) {
      http.stop(0);
    }
    if (env != null) {
      env.close();
    }
  }

  @Test
  @Order(1)
  void buildRunsOnceSurvivesRestartAndDeletionUnloadsUnusedModules() throws Exception {
    env.client
        .resource(buildHost("bld", sha256, b -> b.syncKernelDir = syncDir.toString()))
        .create();

    KvmHost h = awaitHost("bld", HostPhase.Ready);
    assertThat(h.getStatus().modules.buildStamp).matches("[0-9a-f]{64}");
    assertThat(h.getStatus().modules.loadedByOperator).isTrue();
    assertThat(h.getStatus().modules.version).isEqualTo("fixture-1.0");
    assertThat(condition(h.getStatus().conditions, Conditions.MODULES_LOADED).getReason())
        .isEqualTo("Built");
    assertThat(h.getStatus().facts.virtualization).isEqualTo("vmx");
    assertBuiltOnce();
    assertThat(lines("configure ")).containsExactly("configure --enable-fixture");
    assertThat(lines("sync ")).containsExactly("sync LINUX=" + syncDir);
    assertThat(Files.readString(procModules)).contains("kvm ", "kvm_intel ");
    assertThat(eventReasons("bld")).contains("Fetch", "KvmBuilt");

    // More reconciles (probe interval 1 s) do not rebuild.
    Thread.sleep(3000);
    assertBuiltOnce();

    // Neither does a new operator process.
    operator.stop();
    operator = env.startOperator();
    await().atMost(WAIT).until(() -> operator.metricSum("kvmop_host_up", "host=\"bld\"") == 1.0);
    Thread.sleep(3000);
    assertBuiltOnce();
    assertThat(awaitHost("bld", HostPhase.Ready).getStatus().modules.buildStamp)
        .isEqualTo(h.getStatus().modules.buildStamp);

    deleteHost("bld");
    assertThat(lines("rmmod ")).containsExactly("rmmod kvm_intel", "rmmod kvm");
    assertThat(Files.readString(procModules)).isEmpty();
    assertThat(env.workRoot.resolve("bld/build")).doesNotExist();
    assertThat(env.workRoot.resolve("bld/qemu-ifup")).doesNotExist();
  }

  @Test
  @Order(2)
  void checksumMismatchFailsCleanlyAndTheFixedSpecRecovers() throws Exception {
    clearCalls();
    env.client.resource(buildHost("sum", "0".repeat(64), b -> {})).create();

    KvmHost h = awaitHost("sum", HostPhase.Failed);
    Condition modules = condition(h.getStatus().conditions, Conditions.MODULES_LOADED);
    assertThat(modules.getReason()).isEqualTo("VerifyFailed");
    assertThat(modules.getMessage()).contains("sha256 mismatch").contains(sha256);
    assertThat(lines("configure")).isEmpty();
    assertThat(lines("insmod")).isEmpty();
    assertThat(Files.readString(procModules)).isEmpty();

    editBuild("sum", b -> b.source.sha256 = sha256);
    awaitHost("sum", HostPhase.Ready);
    assertThat(lines("insmod")).hasSize(2);
    deleteHost("sum");
    assertThat(Files.readString(procModules)).isEmpty();
  }

  @Test
  @Order(3)
  void failingStepsNameTheStepAndLoadNothing() throws Exception {
    clearCalls();
    env.client
        .resource(
            buildHost("steps", sha256, b -> b.configureFlags = new ArrayList<>(List.of("--fail"))))
        .create();
    awaitReason("steps", "ConfigureFailed", "configure: error: asked to fail");

    editBuild(
        "steps",
        b -> {
          b.configureFlags = new ArrayList<>(List.of("--make-slow"));
          b.makeTimeoutSeconds = 2;
        });
    awaitReason("steps", "MakeFailed", "timed out after 2 s");

    editBuild(
        "steps",
        b -> {
          b.configureFlags = new ArrayList<>(List.of("--make-fail"));
          b.makeTimeoutSeconds = 60;
        });
    awaitReason("steps", "MakeFailed", "kernel/kvm_main.c:1: error: asked to fail");

    editBuild(
        "steps",
        b -> {
          b.configureFlags = new ArrayList<>();
          b.syncKernelDir = "/nonexistent/linux";
        });
    awaitReason("steps", "SyncFailed", "syncKernelDir /nonexistent/linux does not exist");

    editBuild(
        "steps",
        b -> {
          b.source.url = "http://127.0.0.1:1/kvm.tar.gz";
          b.syncKernelDir = "";
        });
    awaitReason("steps", "FetchFailed", "curl");
    assertThat(lines("insmod")).isEmpty();
    assertThat(Files.readString(procModules)).isEmpty();

    // The fixed spec recovers without cleanup by hand.
    editBuild(
        "steps",
        b -> b.source.url = "http://127.0.0.1:" + http.getAddress().getPort() + "/kvm.tar.gz");
    awaitHost("steps", HostPhase.Ready);
    assertThat(lines("insmod")).hasSize(2);
    deleteHost("steps");
  }

  @Test
  @Order(4)
  void modprobeLoadsReportsVersionAndKeepsModulesInUse() throws Exception {
    clearCalls();
    KvmHost host =
        onSshd("mp")
            .spec(
                s -> {
                  s.kvm.modules = ModulesMode.Modprobe;
                  s.kvm.requireHardwareVirtualization = true;
                })
            .build();
    env.client.resource(host).create();

    KvmHost h = awaitHost("mp", HostPhase.Ready);
    assertThat(lines("modprobe")).containsExactly("modprobe -a kvm kvm_intel");
    assertThat(h.getStatus().modules.version).isEqualTo("fixture-1.0");
    assertThat(h.getStatus().modules.loadedByOperator).isTrue();
    Thread.sleep(2000);
    assertThat(lines("modprobe")).hasSize(1);

    // kvm is in use by something else: only kvm_intel may go.
    Files.writeString(
        procModules, Files.readString(procModules).replace("kvm 16384 0 ", "kvm 16384 1 "));
    deleteHost("mp");
    assertThat(lines("rmmod")).containsExactly("rmmod kvm_intel");
    assertThat(Files.readString(procModules)).startsWith("kvm 16384 1 ");
    assertThat(eventReasons("mp")).contains("ModulesKept");
    Files.writeString(procModules, "");
  }

  @Test
  @Order(5)
  void missingBridgeBlocksBridgeGuestsWithAClearReason() throws Exception {
    KvmHost host =
        onSshd("nobr").address("52:54:00:10:00:01", "10.77.0.1").bridge("kvmopbr9").build();
    env.client.resource(host).create();
    KvmHost h = awaitHost("nobr", HostPhase.Ready);
    Condition bridge = condition(h.getStatus().conditions, Conditions.NETWORK_READY);
    assertThat(bridge.getStatus()).isEqualTo("False");
    assertThat(bridge.getReason()).isEqualTo("BridgeMissing");
    Path ifup = env.workRoot.resolve("nobr/qemu-ifup");
    assertThat(Files.getPosixFilePermissions(ifup))
        .isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(Files.readString(ifup)).contains("ip link set dev \"$tap\" master \"$bridge\"");
    assertThat(Files.readString(env.workRoot.resolve("nobr/qemu-ifup.bridge")))
        .isEqualTo("kvmopbr9\n");

    KvmGuest g = TestObjects.guest("brguest").on("nobr").build();
    g.getSpec().network.type = NetworkType.Bridge;
    env.client.resource(g).create();
    KvmGuest waiting =
        env.awaitGuest(
            "brguest",
            x ->
                x.getStatus().phase == GuestPhase.Pending
                    && x.getStatus().conditions.stream()
                        .anyMatch(c -> "NetworkNotReady".equals(c.getReason())));
    assertThat(condition(waiting.getStatus().conditions, Conditions.SCHEDULED).getMessage())
        .contains("NetworkReady=False (BridgeMissing)")
        .contains("bridge kvmopbr9 does not exist");
    assertThat(waiting.getStatus().pid).isNull();
    env.client.resource(g).delete();
    try {
      env.awaitGone("brguest");
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      String[] log = env.operatorLogs().split("\n");
      throw new AssertionError(
          "guest not deleted:\n"
              + env.client.getKubernetesSerialization().asYaml(env.get("brguest"))
              + "\noperator log tail:\n"
              + String.join(
                  "\n",
                  java.util.Arrays.copyOfRange(log, Math.max(0, log.length - 60), log.length)),
          e);
    }
    deleteHost("nobr");
  }

  @Test
  @Order(6)
  void emptyQemuBinaryUsesTheQemuBuiltWithKvm() throws Exception {
    KvmHost host = buildHost("bq", sha256, b -> {});
    host.getSpec().qemu.binary = "";
    env.client.resource(host).create();

    KvmHost h = awaitHost("bq", HostPhase.Ready);
    assertThat(h.getStatus().facts.qemuVersion)
        .isEqualTo("QEMU emulator version 0.15.0-fixture (kvm build)");
    deleteHost("bq");
    Files.writeString(procModules, "");
  }

  // --- helpers -------------------------------------------------------------------------------

  /** A host on the environment's sshd (as its user, probed every second), no pool. */
  private static TestObjects.HostBuilder onSshd(String name) {
    return TestObjects.host(name)
        .at("127.0.0.1", env.sshd.port())
        .hostKey(env.sshd.hostKeyLine())
        .workDir(env.workRoot.resolve(name).toString())
        .probeEvery(1)
        .spec(s -> s.user = System.getProperty("user.name"));
  }

  private static KvmHost buildHost(String name, String sha, Consumer<KvmHostSpec.Build> tweak) {
    KvmHost h = onSshd(name).build();
    h.getSpec().kvm.modules = ModulesMode.Build;
    h.getSpec().kvm.requireHardwareVirtualization = true;
    KvmHostSpec.Build b = new KvmHostSpec.Build();
    b.source = new KvmHostSpec.Source();
    b.source.url = "http://127.0.0.1:" + http.getAddress().getPort() + "/kvm.tar.gz";
    b.source.sha256 = sha;
    b.configureFlags = new ArrayList<>(List.of("--enable-fixture"));
    b.configureTimeoutSeconds = 30;
    b.makeTimeoutSeconds = 60;
    tweak.accept(b);
    h.getSpec().kvm.build = b;
    return h;
  }

  private static void editBuild(String name, Consumer<KvmHostSpec.Build> tweak) {
    // Retried: the operator's status writes bump the resourceVersion under our feet (409).
    for (int attempt = 1; ; attempt++) {
      KvmHost h = env.client.resources(KvmHost.class).inNamespace(NS).withName(name).get();
      tweak.accept(h.getSpec().kvm.build);
      try {
        env.client.resource(h).update();
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
      }
    }
  }

  private static void awaitReason(String name, String reason, String messagePart) {
    try {
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> env.client.resources(KvmHost.class).inNamespace(NS).withName(name).get(),
              h ->
                  h.getStatus() != null
                      && h.getStatus().phase == HostPhase.Failed
                      && h.getStatus().conditions.stream()
                          .anyMatch(
                              c ->
                                  c.getType().equals(Conditions.MODULES_LOADED)
                                      && reason.equals(c.getReason())
                                      && c.getMessage().contains(messagePart)));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "expected "
              + reason
              + "; host is:\n"
              + env.client
                  .getKubernetesSerialization()
                  .asYaml(env.client.resources(KvmHost.class).inNamespace(NS).withName(name).get()),
          e);
    }
  }

  private static KvmHost awaitHost(String name, HostPhase phase) {
    try {
      return env.awaitHost(name, phase);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "host "
              + name
              + " not "
              + phase
              + ":\n"
              + env.client
                  .getKubernetesSerialization()
                  .asYaml(env.client.resources(KvmHost.class).inNamespace(NS).withName(name).get())
              + "\ncalls:\n"
              + String.join("\n", lines("")),
          e);
    }
  }

  private static void deleteHost(String name) {
    env.client.resources(KvmHost.class).inNamespace(NS).withName(name).delete();
    await()
        .atMost(WAIT)
        .until(
            () -> env.client.resources(KvmHost.class).inNamespace(NS).withName(name).get() == null);
  }

  private static void assertBuiltOnce() {
    assertThat(lines("configure ")).hasSize(1);
    assertThat(lines("sync ")).hasSizeLessThanOrEqualTo(1);
    assertThat(lines("make")).containsExactly("make clean", "make");
    assertThat(lines("insmod "))
        .hasSize(2)
        .anyMatch(l -> l.endsWith("/src/kernel/kvm.ko"))
        .anyMatch(l -> l.endsWith("/src/kernel/kvm-intel.ko"));
  }

  private static List<String> lines(String prefix) {
    try {
      return Files.readAllLines(calls).stream().filter(l -> l.startsWith(prefix)).toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static void clearCalls() throws IOException {
    Files.writeString(calls, "");
  }

  private static List<String> eventReasons(String name) {
    return env.events(name).stream().map(Event::getReason).toList();
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = ProvisioningE2E.class.getResourceAsStream("/kvm-fixture/" + name)) {
      if (in == null) {
        throw new IOException("missing test resource /kvm-fixture/" + name);
      }
      return in.readAllBytes();
    }
  }
}
