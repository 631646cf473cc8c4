package dev.kvmop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.ObjectRef;
import dev.kvmop.local.LocalApiServer;
import dev.kvmop.testing.FakeOperatorCli;
import dev.kvmop.testing.Kubectl;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl kvm} as a user runs it: installed by scripts/install-plugin.sh (what {@code make
 * install-plugin} runs) into a prefix whose bin/ is first on PATH, found by the real kubectl,
 * against the embedded API. Needs kubectl on PATH and the packaged jar.
 */
class KubectlPluginIT {
  @TempDir static Path dir;
  static LocalApiServer api;
  static Path prefix;
  static Path kubeconfig;

  @BeforeAll
  static void install() throws Exception {
    Kubectl.requireInstalled();
    prefix = dir.resolve("prefix");
    Result installed = run(Map.of(), List.of("scripts/install-plugin.sh", prefix.toString()));
    assertThat(installed.exit()).as(installed.out() + installed.err()).isZero();
    api = LocalApiServer.start(0);
    api.installBundledCrds();
    kubeconfig = dir.resolve("kubeconfig");
    api.writeKubeconfig(kubeconfig);
    api.client().resource(guest("vm-a", "default")).create();
    api.client().resource(guest("vm-b", "lab")).create();
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void installsTheLauncherWithTheJarBesideIt() throws Exception {
    Path jar = prefix.resolve("lib/kvm-operator/kvm-operator.jar");
    assertThat(jar).isRegularFile();
    assertThat(prefix.resolve("lib/kvm-operator/lib")).isNotEmptyDirectory();
    assertThat(Files.readString(prefix.resolve("bin/kubectl-kvm")))
        .contains("JAR=\"${KVMOP_JAR:-" + jar + "}\"");
    Result list = kubectl(Map.of(), "plugin", "list");
    assertThat(list.out()).contains(prefix.resolve("bin/kubectl-kvm").toString());
  }

  @Test
  void eachActionSetsItsAnnotationToAFreshToken() throws Exception {
    for (String action : List.of("reset", "restart", "reimage")) {
      Set<String> tokens = new HashSet<>();
      for (int i = 0; i < 3; i++) {
        Result r = kubectl(Map.of(), "kvm", action, "vm-a");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        String token = annotation("default", "vm-a", action);
        assertThat(token).isNotBlank();
        assertThat(r.out()).contains(action + " requested with token " + token);
        tokens.add(token);
      }
      assertThat(tokens).as(action + " tokens of 3 calls").hasSize(3);
    }
  }

  @Test
  void namespaceFlagPicksTheGuest() throws Exception {
    Result r = kubectl(Map.of(), "kvm", "restart", "-n", "lab", "vm-b");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(annotation("lab", "vm-b", "restart")).isNotBlank();
    Result flagLast = kubectl(Map.of(), "kvm", "reset", "vm-b", "--namespace", "lab");
    assertThat(flagLast.exit()).as(flagLast.out() + flagLast.err()).isZero();
    assertThat(annotation("lab", "vm-b", "reset")).isNotBlank();
  }

  @Test
  void badInputFailsClearlyAndChangesNothing() throws Exception {
    var before =
        api.client().resources(KvmGuest.class).inNamespace("default").withName("vm-a").get();
    Result missing = kubectl(Map.of(), "kvm", "restart", "nope");
    assertThat(missing.exit()).isNotZero();
    assertThat(missing.err()).contains("NotFound").contains("nope");
    Result noName = kubectl(Map.of(), "kvm", "restart");
    assertThat(noName.exit()).isEqualTo(2);
    assertThat(noName.err()).contains("NAME missing");
    Result twoNames = kubectl(Map.of(), "kvm", "reset", "vm-a", "vm-b");
    assertThat(twoNames.exit()).isEqualTo(2);
    Result unknown = kubectl(Map.of(), "kvm", "explode", "vm-a");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown command 'explode'");
    var after =
        api.client().resources(KvmGuest.class).inNamespace("default").withName("vm-a").get();
    assertThat(after.getMetadata().getResourceVersion())
        .isEqualTo(before.getMetadata().getResourceVersion());
  }

  @Test
  void consoleAndLogsForwardEveryArgumentToTheJar() throws Exception {
    Path jar = fakeJar();
    Map<String, String> env =
        Map.of("KVMOP_JAR", jar.toString(), "FAKE_CLI_COMMANDS", "run,console,logs");
    Result logs = kubectl(env, "kvm", "logs", "-n", "lab", "vm-b", "--tail", "5", "-f");
    assertThat(logs.exit()).as(logs.out() + logs.err()).isZero();
    assertThat(logs.out()).isEqualTo("args:\nlogs\n-n\nlab\nvm-b\n--tail\n5\n-f\n");
    Result console = kubectl(env, "kvm", "console", "vm-a");
    assertThat(console.out()).isEqualTo("args:\nconsole\nvm-a\n");
  }

  @Test
  void consoleSaysSoWhenTheJarLacksIt() throws Exception {
    Path jar = fakeJar();
    Result r =
        kubectl(
            Map.of("KVMOP_JAR", jar.toString(), "FAKE_CLI_COMMANDS", "run,local"),
            "kvm",
            "console",
            "vm-a");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("has no 'console' subcommand");
    Result noJar =
        kubectl(Map.of("KVMOP_JAR", dir.resolve("none.jar").toString()), "kvm", "logs", "vm-a");
    assertThat(noJar.exit()).isEqualTo(1);
    assertThat(noJar.err()).contains("no kvm-operator jar at");
  }

  private static KvmGuest guest(String name, String namespace) {
    KvmGuest g = new KvmGuest();
    g.getMetadata().setName(name);
    g.getMetadata().setNamespace(namespace);
    g.setSpec(new KvmGuestSpec());
    g.getSpec().hostRef = new ObjectRef("node");
    return g;
  }

  private static String annotation(String namespace, String name, String action) {
    KvmGuest g = api.client().resources(KvmGuest.class).inNamespace(namespace).withName(name).get();
    return g.getMetadata().getAnnotations() == null
        ? null
        : g.getMetadata().getAnnotations().get("kvmop.dev/" + action);
  }

  /** A jar whose main class is {@link FakeOperatorCli}, copied in from the test classes. */
  private static Path fakeJar() throws IOException {
    Path jar = dir.resolve("fake-cli.jar");
    if (Files.exists(jar)) {
      return jar;
    }
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, FakeOperatorCli.class.getName());
    String entry = FakeOperatorCli.class.getName().replace('.', '/') + ".class";
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(out, m);
        var in = FakeOperatorCli.class.getClassLoader().getResourceAsStream(entry)) {
      j.putNextEntry(new JarEntry(entry));
      in.transferTo(j);
      j.closeEntry();
    }
    return jar;
  }

  record Result(int exit, String out, String err) {}

  private static Result kubectl(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("kubectl"));
    cmd.addAll(List.of(args));
    return run(env, cmd);
  }

  /**
   * Runs with prefix/bin first on PATH and KUBECONFIG set, as a shell with the plugin installed.
   */
  private static Result run(Map<String, String> env, List<String> cmd) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    if (prefix != null) {
      pb.environment()
          .put("PATH", prefix.resolve("bin") + File.pathSeparator + System.getenv("PATH"));
    }
    if (kubeconfig != null) {
      pb.environment().put("KUBECONFIG", kubeconfig.toString());
    }
    pb.environment()
        .put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    var out = p.getInputStream().readAllBytes();
    var err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Result(
        p.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }
}
