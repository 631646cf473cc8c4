package dev.kvmop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.ObjectRef;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.OpenSshServer;
import dev.kvmop.testing.QemuProcesses;
import dev.kvmop.testing.SshKeys;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped image, built from the Dockerfile by {@code scripts/image.sh build} (what {@code make
 * image} runs: docker, or podman with local stand-ins for the base images) and run the way the
 * Deployment runs it: read-only root filesystem with a writable /tmp, all capabilities dropped, no
 * privilege escalation, {@code --memory 512m}. It runs {@code local} with the host network against
 * a loopback OpenSSH sshd: runs as a non-root uid, /readyz answers 200, a guest reaches Running,
 * and the JVM's maximum heap follows the container's memory limit.
 *
 * <p>Profile {@code image} ({@code make test} adds it when run as root).
 */
class ImageE2E {
  static final long LIMIT = 512L * 1024 * 1024;
  static final Duration BUILD_TIMEOUT = Duration.ofMinutes(25);

  @TempDir static Path tmp;
  static String tag;
  static String container;
  static OpenSshServer sshd;
  static Path workDir;
  static int apiPort;
  static int metricsPort;
  static KubernetesClient client;

  @BeforeAll
  static void buildAndRun() throws Exception {
    tag = script(Duration.ofSeconds(60), "tag").strip();
    Instant start = Instant.now();
    String build = script(BUILD_TIMEOUT, "build", tag);
    build.lines().filter(l -> l.startsWith("image: ")).forEach(System.out::println);
    System.out.printf(
        "image %s built in %d s%n", tag, Duration.between(start, Instant.now()).toSeconds());

    SshKeys.KeyText key = SshKeys.generate("ed25519");
    sshd = new OpenSshServer().authorize(key.publicKeyLine()).start();
    workDir = Files.createTempDirectory(Path.of("/tmp"), "kvi");
    Path manifests = manifests(key);
    apiPort = freePort();
    metricsPort = freePort();
    container = "kvmop-image-e2e-" + ProcessHandle.current().pid();
    script(
        Duration.ofSeconds(120),
        "run",
        "--detach",
        "--name",
        container,
        "--network",
        "host",
        "--memory",
        "512m",
        "--read-only",
        "--tmpfs",
        "/tmp",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--volume",
        manifests + ":/manifests:ro",
        tag,
        "local",
        "--api-port",
        Integer.toString(apiPort),
        "--metrics-port",
        Integer.toString(metricsPort),
        "--kubeconfig-out",
        "/tmp/kubeconfig",
        "/manifests");
    client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("https://127.0.0.1:" + apiPort)
                    .withTrustCerts(true)
                    .withOauthToken(apiToken())
                    .withHttp2Disable(true)
                    .build())
            .build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (container != null) {
      // SIGTERM: `local` deletes its guests (their qemu stops) before it exits.
      run(Duration.ofSeconds(90), List.of(engine(), "stop", "--time", "60", container));
      run(Duration.ofSeconds(60), List.of(engine(), "rm", "--force", container));
    }
    if (client != null) {
      client.close();
    }
    if (sshd != null) {
      sshd.close();
    }
    if (workDir != null) {
      killQemuUnder(workDir);
    }
  }

  @Test
  void runsAsNonRootReadyReconcilesAndSizesTheHeapByTheLimit() throws Exception {
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> httpStatus("/readyz") == 200);

    long pid =
        Long.parseLong(
            run(
                    Duration.ofSeconds(30),
                    List.of(engine(), "inspect", "--format", "{{.State.Pid}}", container))
                .strip());
    List<String> uids = uids(pid);
    System.out.printf("image: container process %d runs as uids %s%n", pid, uids);
    assertThat(uids).hasSize(4).doesNotContain("0").containsOnly("10001");

    KvmGuest running =
        await()
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> client.resources(KvmGuest.class).inNamespace("default").withName("vm").get(),
                g ->
                    g != null
                        && g.getStatus() != null
                        && g.getStatus().phase == GuestPhase.Running);
    assertThat(QemuProcesses.isQemu(running.getStatus().pid)).isTrue();

    double heapMax = metricSum("jvm_memory_max_bytes", "area=\"heap\"");
    System.out.printf(
        "image: max heap %.0f MiB under a %d MiB limit (%.1f %%)%n",
        heapMax / 1048576, LIMIT / 1048576, 100 * heapMax / LIMIT);
    // MaxRAMPercentage=60 of the limit, less one survivor space (SerialGC); far below 60 % of
    // this machine's memory, which is what the JVM would take without the limit.
    assertThat(heapMax).isBetween(0.5 * LIMIT, 0.61 * LIMIT);
  }

  private static Path manifests(SshKeys.KeyText key) throws IOException {
    KvmHost host = new KvmHost();
    host.getMetadata().setName("node");
    host.getMetadata().setNamespace("default");
    KvmHostSpec spec = new KvmHostSpec();
    spec.address = "127.0.0.1";
    spec.port = sshd.port();
    spec.user = System.getProperty("user.name");
    spec.credentialsSecretRef = new ObjectRef("node-ssh");
    spec.hostKey = sshd.hostKeyLine();
    spec.hostKeyPolicy = HostKeyPolicy.Pinned;
    spec.workDir = workDir.toString();
    spec.probeIntervalSeconds = 2;
    spec.kvm.requireHardwareVirtualization = false;
    host.setSpec(spec);
    var secret = SshKeys.secret("node-ssh", key.privateKey(), null);
    secret.getMetadata().setNamespace("default");
    KvmGuest guest = TestObjects.guest("vm").on("node").build();

    // The container's user (uid 10001) reads these through a read-only bind mount.
    Path dir = Files.createDirectory(tmp.resolve("manifests"));
    KubernetesSerialization yaml = new KubernetesSerialization();
    List<HasMetadata> objects = List.of(secret, host, guest);
    for (int i = 0; i < objects.size(); i++) {
      Path f = dir.resolve((i + 1) + "0-" + objects.get(i).getKind().toLowerCase() + ".yaml");
      Files.writeString(f, yaml.asYaml(objects.get(i)));
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    return dir;
  }

  /** Real, effective, saved and filesystem uid of a process, from /proc. */
  private static List<String> uids(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("Uid:")) {
        return List.of(line.substring(4).trim().split("\\s+"));
      }
    }
    throw new IllegalStateException("no Uid line for " + pid);
  }

  private static double metricSum(String name, String fragment) throws Exception {
    String text =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith(name + "{") && line.contains(fragment)) {
        double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        sum += v > 0 ? v : 0; // a pool without a maximum reports -1
      }
    }
    return sum;
  }

  private static int httpStatus(String path) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static String engine() throws Exception {
    return script(Duration.ofSeconds(30), "engine").strip();
  }

  private static String script(Duration timeout, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("scripts/image.sh"));
    cmd.addAll(List.of(args));
    return run(timeout, cmd);
  }

  /** Runs a command; its output is kept in a file (a build prints thousands of lines). */
  /** The embedded API's bearer token, from the kubeconfig `local` writes in the container. */
  private static String apiToken() {
    String[] token = new String[1];
    await()
        .atMost(Duration.ofSeconds(120))
        .ignoreExceptions()
        .until(
            () -> {
              String kubeconfig =
                  run(
                      Duration.ofSeconds(20),
                      List.of(engine(), "exec", container, "cat", "/tmp/kubeconfig"));
              var m = java.util.regex.Pattern.compile("token: (\\S+)\\}").matcher(kubeconfig);
              token[0] = m.find() ? m.group(1) : null;
              return token[0] != null;
            });
    return token[0];
  }

  private static String run(Duration timeout, List<String> cmd) throws Exception {
    Path out = Files.createTempFile(tmp, "cmd", ".log");
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " timed out; output:\n" + tail(out));
    }
    String text = Files.readString(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new AssertionError(
          String.join(" ", cmd) + " exited " + p.exitValue() + "; output:\n" + tail(out));
    }
    return text;
  }

  private static String tail(Path file) throws IOException {
    return E2EEnvironment.tail(Files.readString(file, StandardCharsets.UTF_8), 60);
  }

  private static void killQemuUnder(Path dir) {
    ProcessHandle.allProcesses()
        .filter(p -> QemuProcesses.isQemu(p.pid()))
        .filter(p -> QemuProcesses.cmdline(p.pid()).contains(dir + "/"))
        .forEach(ProcessHandle::destroyForcibly);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
