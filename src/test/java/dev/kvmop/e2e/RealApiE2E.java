package dev.kvmop.e2e;

import static dev.kvmop.testing.E2EEnvironment.NS;
import static dev.kvmop.testing.E2EEnvironment.WAIT;
import static dev.kvmop.testing.E2EEnvironment.condition;
import static dev.kvmop.testing.QemuProcesses.isQemu;
import static dev.kvmop.testing.QemuProcesses.qemuWithUuid;
import static dev.kvmop.testing.TestObjects.guest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.Annotations;
import dev.kvmop.api.Conditions;
import dev.kvmop.api.ExitReason;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.RunStrategy;
import dev.kvmop.local.ApiRequest;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.HostAudit;
import dev.kvmop.testing.Kubectl;
import dev.kvmop.testing.OperatorProcess;
import dev.kvmop.testing.RealApiServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production path against a real Kubernetes API server: {@code apiextensions-apiserver}
 * (Kubernetes 1.36 code) with the CRDs from {@code crds/}, so schemas, defaults, pruning, CEL
 * rules, the status subresource and server-side apply are the server's own; the built operator
 * {@code run} with server-side apply on; OpenSSH and real qemu as in the other E2E tests. Built-in
 * kinds (Secrets, Events) live in the embedded API behind the same endpoint (see {@code
 * ApiRouter}).
 *
 * <p>One environment and one operator for all scenarios (each uses its own guests and hosts and
 * removes them): starting them is most of the cost. The GitOps scenario goes first, while nothing
 * else is in flight, because it counts every write the operator makes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealApiE2E {
  /** Probe rounds watched for writes in the steady state (probeIntervalSeconds is 1). */
  static final int STEADY_ROUNDS = 8;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path tmp;

  static E2EEnvironment env;
  static OperatorProcess operator;
  static Kubectl kubectl;

  @BeforeAll
  static void start() throws Exception {
    RealApiServer.assumeBuilt();
    Kubectl.requireInstalled();
    env = E2EEnvironment.onRealApi(tmp);
    kubectl = new Kubectl(env.kubeconfig);
    operator = env.startOperatorWithHost("node", 6);
  }

  @AfterAll
  static void stop() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  @Order(1)
  void crdsAreEstablishedAndTheServerAppliesTheirDefaults() throws Exception {
    // as `kubectl apply -k deploy/` installs them, over the ones the environment created
    assertThat(kubectl.ok("apply", "--validate=false", "-k", "crds"))
        .contains("customresourcedefinition.apiextensions.k8s.io/kvmhosts.kvmop.dev");
    assertThat(kubectl.run("diff", "-k", "crds").exit()).as("kubectl diff -k crds").isZero();
    assertThat(
            kubectl.ok(
                "wait",
                "--for=condition=Established",
                "crd/kvmhosts.kvmop.dev",
                "crd/kvmguests.kvmop.dev",
                "--timeout=30s"))
        .contains("condition met");
    Path minimal = write("minimal.yaml", "kind: KvmGuest", "spec: {hostRef: {name: node}}");
    String defaulted =
        kubectl.ok(
            "apply",
            "--validate=false",
            "--dry-run=server",
            "-o",
            "yaml",
            "-f",
            minimal.toString());
    assertThat(defaulted)
        .contains(
            "machine: pc", "memory: 512Mi", "runStrategy: Always", "type: Bridge", "accel: Auto");
  }

  @Test
  @Order(2)
  void hostIsReadyWithStatusWrittenByServerSideApply() throws Exception {
    KvmHost node = env.awaitHost("node", HostPhase.Ready);
    assertThat(condition(node.getStatus().conditions, Conditions.READY).getStatus())
        .isEqualTo("True");
    assertThat(node.getStatus().observedGeneration).isEqualTo(node.getMetadata().getGeneration());
    assertThat(node.getMetadata().getFinalizers()).isNotEmpty();
    String managers = kubectl.ok("get", "kh", "node", "--show-managed-fields", "-o", "yaml");
    assertThat(managers).contains("operation: Apply", "subresource: status");
    assertThat(kubectl.ok("get", "kh", "node", "-o", "wide")).contains("Ready", "0/6");
  }

  @Test
  @Order(3)
  void gitOpsApplyWaitGetDescribeReapplySteadyAndDelete() throws Exception {
    List<HasMetadata> applied =
        List.of(env.host("lab", env.sshd.hostKeyLine(), 2), guest("web").on("lab").build());
    Path manifest = tmp.resolve("lab.yaml");
    Files.writeString(
        manifest,
        applied.stream()
            .map(o -> env.client.getKubernetesSerialization().asYaml(o))
            .collect(Collectors.joining("\n---\n")));
    assertThat(kubectl.ok("apply", "--validate=false", "-f", manifest.toString()))
        .contains("kvmhost.kvmop.dev/lab created", "kvmguest.kvmop.dev/web created");
    assertThat(kubectl.ok("wait", "--for=condition=Ready", "kh/lab", "--timeout=60s"))
        .contains("condition met");
    assertThat(kubectl.ok("wait", "--for=condition=Ready", "kg/web", "--timeout=60s"))
        .contains("condition met");
    KvmGuest web = env.awaitSteady("web");

    String wide = kubectl.ok("get", "kg", "web", "-o", "wide");
    assertThat(wide.lines().findFirst().orElseThrow()).contains("PHASE", "HOST", "PID");
    assertThat(wide).contains("Running", "lab", Integer.toString(web.getStatus().pid));
    assertThat(isQemu(web.getStatus().pid)).as("the pid kubectl shows is a live qemu").isTrue();
    assertThat(kubectl.ok("describe", "kg", "web"))
        .contains("Phase:", "Running", "Events:", "Launched");

    assertSteadyStateWritesNothing();
    String version = env.get("web").getMetadata().getResourceVersion();
    assertThat(reapplyWritingNothing("re-apply", "apply", "--validate=false", "-f", manifest))
        .contains("kvmhost.kvmop.dev/lab unchanged", "kvmguest.kvmop.dev/web unchanged");
    assertThat(env.get("web").getMetadata().getResourceVersion()).isEqualTo(version);
    // what Flux and Argo CD do: the same manifests by server-side apply, a second field manager
    assertThat(
            reapplyWritingNothing(
                "server-side re-apply",
                "apply",
                "--server-side",
                "--validate=false",
                "-f",
                manifest))
        .contains("kvmhost.kvmop.dev/lab serverside-applied");
    assertThat(env.get("web").getMetadata().getGeneration()).isEqualTo(1L);

    String uid = web.getMetadata().getUid();
    assertThat(kubectl.ok("delete", "-f", manifest.toString(), "--timeout=60s"))
        .contains("kvmguest.kvmop.dev \"web\" deleted", "kvmhost.kvmop.dev \"lab\" deleted");
    assertThat(qemuWithUuid(uid)).as("qemu of the deleted guest").isEmpty();
    assertThat(kubectl.run("get", "kh", "lab").err()).contains("NotFound");
  }

  @Test
  @Order(4)
  void guestsRunWithDistinctAddresses() {
    for (String name : List.of("a1", "a2", "a3")) {
      env.client.resource(guest(name).on("node").pooled().build()).create();
    }
    List<KvmGuest> running =
        List.of("a1", "a2", "a3").stream().map(n -> env.awaitSteady(n)).toList();
    assertThat(running.stream().map(g -> g.getStatus().ip).distinct()).hasSize(3);
    assertThat(running.stream().map(g -> g.getStatus().mac).distinct()).hasSize(3);
    for (KvmGuest g : running) {
      assertThat(g.getStatus().ip).startsWith("10.77.0.");
      assertThat(qemuWithUuid(g.getMetadata().getUid())).containsExactly((long) g.getStatus().pid);
    }
    deleteGuests("a1", "a2", "a3");
  }

  @Test
  @Order(5)
  void poolExhaustionIsPendingUntilAnAddressIsFreed() {
    env.client.resource(env.host("small", env.sshd.hostKeyLine(), 2)).create();
    env.awaitHost("small", HostPhase.Ready);
    env.client.resource(guest("p1").on("small").pooled().build()).create();
    env.client.resource(guest("p2").on("small").pooled().build()).create();
    KvmGuest p1 = env.awaitSteady("p1");
    env.awaitSteady("p2");
    env.client.resource(guest("p3").on("small").pooled().build()).create();
    KvmGuest waiting = env.awaitGuest("p3", GuestPhase.Pending);
    await()
        .atMost(WAIT)
        .until(
            () ->
                "PoolExhausted"
                    .equals(
                        condition(env.get("p3").getStatus().conditions, Conditions.ADDRESS_ASSIGNED)
                            .getReason()));
    assertThat(waiting.getStatus().ip).isNull();

    deleteGuests("p1");
    KvmGuest third = env.awaitGuest("p3", GuestPhase.Running);
    assertThat(third.getStatus().ip).isEqualTo(p1.getStatus().ip);
    assertThat(third.getStatus().mac).isEqualTo(p1.getStatus().mac);
    deleteGuests("p2", "p3");
    deleteHost("small");
  }

  @Test
  @Order(6)
  void killedQemuIsRelaunched() {
    env.client.resource(guest("always").on("node").build()).create();
    int pid = env.awaitGuest("always", GuestPhase.Running).getStatus().pid;

    ProcessHandle.of(pid).orElseThrow().destroyForcibly();

    KvmGuest again =
        env.awaitGuest(
            "always",
            g ->
                g.getStatus().phase == GuestPhase.Running
                    && g.getStatus().pid != null
                    && g.getStatus().pid != pid);
    assertThat(again.getStatus().lastExit.reason).isEqualTo(ExitReason.Crashed);
    assertThat(again.getStatus().restarts).isEqualTo(1);
    assertThat(qemuWithUuid(again.getMetadata().getUid())).hasSize(1);
    deleteGuests("always");
  }

  /** Under server-side apply, fields the operator stops sending (pid) are removed. */
  @Test
  @Order(7)
  void crashUnderManualIsFailedWithoutAPid() {
    KvmGuest spec = guest("manual").on("node").build();
    spec.getSpec().runStrategy = RunStrategy.Manual;
    env.client.resource(spec).create();
    KvmGuest running = env.awaitGuest("manual", GuestPhase.Running);

    ProcessHandle.of(running.getStatus().pid).orElseThrow().destroyForcibly();

    KvmGuest failed = env.awaitGuest("manual", GuestPhase.Failed);
    assertThat(failed.getStatus().lastExit.reason).isEqualTo(ExitReason.Crashed);
    assertThat(failed.getStatus().pid).isNull();
    assertThat(failed.getStatus().processStartTicks).isNull();
    assertThat(qemuWithUuid(failed.getMetadata().getUid())).isEmpty();
    deleteGuests("manual");
  }

  @Test
  @Order(8)
  void resetKeepsThePidAndRestartReplacesIt() throws Exception {
    env.client.resource(guest("actions").on("node").build()).create();
    int pid = env.awaitGuest("actions", GuestPhase.Running).getStatus().pid;

    annotate("actions", Annotations.RESET, "r1");
    KvmGuest reset =
        env.awaitGuest(
            "actions",
            g -> g.getStatus().actions != null && "r1".equals(g.getStatus().actions.reset));
    assertThat(reset.getStatus().pid).isEqualTo(pid);
    await().atMost(WAIT).until(() -> reasons("actions").contains("Reset"));

    annotate("actions", Annotations.RESTART, "s1");
    KvmGuest restarted =
        env.awaitGuest(
            "actions",
            g ->
                g.getStatus().actions != null
                    && "s1".equals(g.getStatus().actions.restart)
                    && g.getStatus().phase == GuestPhase.Running);
    assertThat(restarted.getStatus().pid).isNotEqualTo(pid);
    assertThat(isQemu(pid)).as("old qemu gone").isFalse();
    assertThat(qemuWithUuid(restarted.getMetadata().getUid()))
        .containsExactly((long) restarted.getStatus().pid);
    deleteGuests("actions");
  }

  @Test
  @Order(9)
  void deletionWaitsOnFinalizersForGuestsThenHost() {
    env.client.resource(env.host("doomed", env.sshd.hostKeyLine(), 1)).create();
    env.awaitHost("doomed", HostPhase.Ready);
    env.client.resource(guest("last").on("doomed").pooled().build()).create();
    KvmGuest last = env.awaitSteady("last");
    assertThat(last.getMetadata().getFinalizers()).isNotEmpty();
    Path dir = env.workRoot.resolve("doomed");
    assertThat(HostAudit.guestDirs(env.guestsDir("doomed"))).hasSize(1);

    env.client.resources(KvmHost.class).inNamespace(NS).withName("doomed").delete();
    KvmHost terminating = env.awaitHost("doomed", HostPhase.Terminating);
    assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(env.get("last").getStatus().phase).isEqualTo(GuestPhase.Running);

    deleteGuests("last");
    assertThat(qemuWithUuid(last.getMetadata().getUid())).isEmpty();
    await().atMost(WAIT).until(() -> env.getHost("doomed") == null);
    // two more probe rounds (of the other hosts): nothing may recreate the released host's files
    double probes = probeCount();
    await().atMost(WAIT).until(() -> probeCount() >= probes + 2);
    assertThat(dir).as("workDir of the deleted host; it holds %s", tree(dir)).doesNotExist();
  }

  @Test
  @Order(10)
  void restartedOperatorAdoptsRunningGuestsWithoutASecondQemu() {
    env.client.resource(guest("kept").on("node").build()).create();
    KvmGuest before = env.awaitSteady("kept");

    operator.kill();
    operator = env.startOperator();
    await().atMost(WAIT).until(() -> probeCount() >= 3);

    KvmGuest after = env.awaitSteady("kept");
    assertThat(after.getStatus().pid).isEqualTo(before.getStatus().pid);
    assertThat(after.getStatus().restarts).isEqualTo(before.getStatus().restarts);
    assertThat(qemuWithUuid(after.getMetadata().getUid()))
        .containsExactly((long) before.getStatus().pid);
    deleteGuests("kept");
  }

  @Test
  @Order(11)
  void invalidSpecsAreRefusedByTheServerWithItsMessage() throws Exception {
    refused(
        write("bad-memory.yaml", "kind: KvmGuest", "spec: {hostRef: {name: node}, memory: lots}"),
        "spec.memory",
        "should match");
    refused(
        write(
            "bad-strategy.yaml",
            "kind: KvmGuest",
            "spec: {hostRef: {name: node}, runStrategy: Sometimes}"),
        "spec.runStrategy",
        "Unsupported value: \"Sometimes\"");
    refused(
        write(
            "no-hostkey.yaml",
            "kind: KvmHost",
            "spec: {address: 127.0.0.1, credentialsSecretRef: {name: node-ssh}}"),
        "spec.hostKey is required when spec.hostKeyPolicy is Pinned");

    assertThat(env.get("bad")).as("no KvmGuest was stored").isNull();
    assertThat(env.getHost("bad")).as("no KvmHost was stored").isNull();

    String small = "machine: none, memory: 16Mi, network: {type: None}, gracePeriodSeconds: 1";
    Path placed =
        write("placed.yaml", "kind: KvmGuest", "spec: {hostRef: {name: node}, " + small + "}");
    kubectl.ok("apply", "--validate=false", "-f", placed.toString());
    Path moved =
        write("moved.yaml", "kind: KvmGuest", "spec: {hostRef: {name: elsewhere}, " + small + "}");
    refused(moved, "spec.hostRef: Invalid value", "spec.hostRef is immutable");
    assertThat(env.get("bad").getSpec().hostRef.name).isEqualTo("node");
    deleteGuests("bad");
  }

  /**
   * Over all scenarios: the server refused none of the operator's requests as invalid (a status the
   * schema does not allow, a malformed apply); other failures (404 after a deletion, 409) are
   * printed.
   */
  @Test
  @Order(12)
  void serverRefusedNoOperatorRequestAsInvalid() {
    List<String> failures;
    synchronized (env.router.failures) {
      failures =
          env.router.failures.stream()
              .filter(f -> "kvm-operator".equals(f.request().userAgent()))
              .map(f -> f.status() + " " + describe(f.request()))
              .toList();
    }
    System.out.printf(
        "real-api: operator requests answered >= 400: %d %s%n", failures.size(), failures);
    assertThat(failures).noneMatch(f -> f.startsWith("400 ") || f.startsWith("422 "));
  }

  /** kubectl apply fails with the server's message. */
  private static void refused(Path manifest, String... message) throws Exception {
    Kubectl.Result r = kubectl.run("apply", "--validate=false", "-f", manifest.toString());
    System.out.printf("real-api refused %s: %s", manifest.getFileName(), r.err());
    assertThat(r.exit()).as("kubectl apply %s", manifest.getFileName()).isNotZero();
    assertThat(r.err()).contains("is invalid").contains(message);
  }

  /** A manifest for an object named "bad" of {@code kind} with the given spec line. */
  private static Path write(String file, String kindLine, String specLine) throws Exception {
    Path p = tmp.resolve(file);
    Files.writeString(
        p,
        String.join(
            "\n",
            "apiVersion: kvmop.dev/v1alpha1",
            kindLine,
            "metadata: {name: bad, namespace: default}",
            specLine,
            ""));
    return p;
  }

  private static void deleteGuests(String... names) {
    for (String name : names) {
      env.client.resources(KvmGuest.class).inNamespace(NS).withName(name).delete();
    }
    for (String name : names) {
      env.awaitGone(name);
    }
  }

  private static void deleteHost(String name) {
    env.client.resources(KvmHost.class).inNamespace(NS).withName(name).delete();
    await().atMost(WAIT).until(() -> env.getHost(name) == null);
  }

  /** As a user does it: kubectl annotate (a patch without resourceVersion). */
  private static void annotate(String name, String key, String value) throws Exception {
    kubectl.ok("annotate", "--overwrite", "kg", name, key + "=" + value);
  }

  private static List<String> reasons(String name) {
    return env.events(name).stream().map(Event::getReason).toList();
  }

  /**
   * Once Running and probed, the operator writes nothing but the hosts' lastProbeTime heartbeat (at
   * most once a minute per host); the probe metric proves it kept probing.
   */
  private static void assertSteadyStateWritesNothing() {
    int before = env.operatorRequests.size();
    double probes = probeCount();
    await()
        .atMost(Duration.ofSeconds(STEADY_ROUNDS + 20))
        .until(() -> probeCount() >= probes + STEADY_ROUNDS);
    List<String> writes = writesSince(before);
    System.out.printf(
        "real-api gitops: steady state, %d probe rounds: %d operator writes %s%n",
        STEADY_ROUNDS, writes.size(), writes);
    assertThat(writes)
        .as("steady-state writes (one lastProbeTime heartbeat per host per minute at most)")
        .allMatch(w -> w.startsWith("PATCH kvmhosts/status") || w.startsWith("PUT kvmhosts/status"))
        .hasSizeLessThanOrEqualTo(2);
  }

  private static List<String> tree(Path dir) {
    try (var files = Files.walk(dir)) {
      return files.map(Path::toString).toList();
    } catch (java.io.IOException e) {
      return List.of();
    }
  }

  /** Runs kubectl; then, over 3 probe rounds, the operator writes nothing to any KvmGuest. */
  private static String reapplyWritingNothing(String label, Object... args) throws Exception {
    int before = env.operatorRequests.size();
    double probes = probeCount();
    String out =
        kubectl.ok(java.util.Arrays.stream(args).map(Object::toString).toArray(String[]::new));
    await().atMost(Duration.ofSeconds(20)).until(() -> probeCount() >= probes + 3);
    List<String> writes = writesSince(before);
    System.out.printf("real-api gitops: %s: %d operator writes %s%n", label, writes.size(), writes);
    assertThat(writes).as("operator writes after " + label).noneMatch(w -> w.contains("kvmguests"));
    return out;
  }

  private static double probeCount() {
    return operator.metricSum("kvmop_ssh_command_seconds_count", "op=\"probe\"");
  }

  /** The operator's writes since request number {@code from}, as "VERB resource[/sub] path". */
  private static List<String> writesSince(int from) {
    synchronized (env.operatorRequests) {
      return env.operatorRequests.subList(from, env.operatorRequests.size()).stream()
          .filter(r -> !r.method().equals("GET"))
          .map(RealApiE2E::describe)
          .toList();
    }
  }

  private static String describe(ApiRequest r) {
    return r.method() + " " + r.access().map(a -> a.resource()).orElse("") + " " + r.path();
  }
}
