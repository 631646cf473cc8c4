package dev.kvmop.e2e;

import static dev.kvmop.testing.QemuProcesses.isQemu;
import static dev.kvmop.testing.QemuProcesses.qemuWithUuid;
import static dev.kvmop.testing.TestObjects.guest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.local.ApiRequest;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.Kubectl;
import dev.kvmop.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The path a GitOps user takes, with the real kubectl against the embedded API (standing in for a
 * Kubernetes API server) and the built operator over OpenSSH with real qemu: apply, wait for Ready,
 * get/describe, re-apply (a no-op: no spec, annotation or status churn), a steady state that writes
 * nothing, and delete.
 */
class KubectlGitOpsE2E {
  /** Probe rounds watched for writes in the steady state (probeIntervalSeconds is 1). */
  static final int STEADY_ROUNDS = 8;

  @TempDir static Path tmp;
  static E2EEnvironment env;
  static OperatorProcess operator;
  static Kubectl kubectl;
  static Path manifest;
  static List<HasMetadata> applied;

  @BeforeAll
  static void start() throws Exception {
    Kubectl.requireInstalled();
    env = new E2EEnvironment(tmp);
    kubectl = new Kubectl(env.kubeconfig);
    applied = List.of(env.host("lab", env.sshd.hostKeyLine(), 2), guest("web").on("lab").build());
    manifest = tmp.resolve("lab.yaml");
    Files.writeString(
        manifest,
        applied.stream()
            .map(o -> env.client.getKubernetesSerialization().asYaml(o))
            .collect(Collectors.joining("\n---\n")));
    operator = env.startOperator();
  }

  @AfterAll
  static void stop() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  void applyWaitGetDescribeReapplyAndDelete() throws Exception {
    assertThat(kubectl.ok("apply", "-f", manifest.toString()))
        .contains("kvmhost.kvmop.dev/lab created", "kvmguest.kvmop.dev/web created");
    assertThat(kubectl.ok("wait", "--for=condition=Ready", "kh/lab", "--timeout=60s"))
        .contains("condition met");
    assertThat(kubectl.ok("wait", "--for=condition=Ready", "kg/web", "--timeout=60s"))
        .contains("condition met");
    KvmGuest web = env.awaitSteady("web");

    assertThat(kubectl.ok("get", "kvm"))
        .contains("kvmhost.kvmop.dev/lab", "kvmguest.kvmop.dev/web");
    String wide = kubectl.ok("get", "kg", "web", "-o", "wide");
    assertThat(wide.lines().findFirst().orElseThrow()).contains("PHASE", "HOST", "PID");
    assertThat(wide).contains("Running", "lab", Integer.toString(web.getStatus().pid));
    assertThat(isQemu(web.getStatus().pid)).as("the pid kubectl shows is a live qemu").isTrue();
    assertThat(kubectl.ok("describe", "kg", "web"))
        .contains("Phase:", "Running", "Events:", "Launched");

    assertSteadyStateWritesNothing();
    assertReapplyIsANoOp();
    assertOperatorLeftSpecAndAnnotationsAlone();

    String uid = web.getMetadata().getUid();
    assertThat(kubectl.ok("delete", "kg", "web", "--timeout=60s")).contains("deleted");
    assertThat(qemuWithUuid(uid)).as("qemu of the deleted guest").isEmpty();
    assertThat(env.workRoot.resolve("lab/guests")).isEmptyDirectory();
    assertThat(
            kubectl.ok("delete", "-f", manifest.toString(), "--ignore-not-found", "--timeout=60s"))
        .contains("kvmhost.kvmop.dev \"lab\" deleted");
    assertThat(kubectl.run("get", "kvm").err()).contains("No resources found");
  }

  /**
   * Once Running and probed, the operator writes nothing: the only write allowed is the host's
   * lastProbeTime heartbeat (at most once a minute). The probe metric proves it kept probing.
   */
  private void assertSteadyStateWritesNothing() {
    int before = env.operatorRequests.size();
    double probes = probeCount();
    await()
        .atMost(Duration.ofSeconds(STEADY_ROUNDS + 20))
        .until(() -> probeCount() >= probes + STEADY_ROUNDS);
    List<String> writes = writesSince(before);
    System.out.printf(
        "gitops: steady state, %d probe rounds: %d API writes %s%n",
        STEADY_ROUNDS, writes.size(), writes);
    assertThat(writes)
        .as("steady-state writes (one lastProbeTime heartbeat per host per minute at most)")
        .allMatch(w -> w.equals("PATCH kvmhosts/status") || w.equals("PUT kvmhosts/status"))
        .hasSizeLessThanOrEqualTo(1);
  }

  /** kubectl reports every object unchanged; no generation, resourceVersion or status moves. */
  private void assertReapplyIsANoOp() throws Exception {
    Map<String, String> versions = resourceVersions();
    int before = env.operatorRequests.size();
    double probes = probeCount();
    assertThat(kubectl.ok("apply", "-f", manifest.toString()))
        .contains("kvmhost.kvmop.dev/lab unchanged", "kvmguest.kvmop.dev/web unchanged");
    await().atMost(Duration.ofSeconds(20)).until(() -> probeCount() >= probes + 3);
    List<String> writes = writesSince(before);
    System.out.printf("gitops: re-apply: unchanged, %d API writes %s%n", writes.size(), writes);
    assertThat(writes).as("writes after re-applying").noneMatch(w -> w.contains("kvmguests"));
    assertThat(resourceVersions().get("web")).isEqualTo(versions.get("web"));
  }

  /** The operator owns status and its finalizer; spec and annotations stay as applied. */
  private void assertOperatorLeftSpecAndAnnotationsAlone() {
    ObjectMapper json = new ObjectMapper();
    KvmGuest stored = env.get("web");
    KvmHost host =
        env.client.resources(KvmHost.class).inNamespace(E2EEnvironment.NS).withName("lab").get();
    assertThat(json.valueToTree(stored.getSpec()).toString())
        .isEqualTo(json.valueToTree(((KvmGuest) applied.get(1)).getSpec()).toString());
    assertThat(json.valueToTree(host.getSpec()).toString())
        .isEqualTo(json.valueToTree(((KvmHost) applied.get(0)).getSpec()).toString());
    for (HasMetadata o : List.of(stored, host)) {
      assertThat(o.getMetadata().getAnnotations().keySet())
          .as("annotations of " + o.getMetadata().getName())
          .containsOnly("kubectl.kubernetes.io/last-applied-configuration");
      assertThat(o.getMetadata().getGeneration()).isEqualTo(1L);
    }
  }

  private static double probeCount() {
    return operator.metricSum("kvmop_ssh_command_seconds_count", "op=\"probe\"");
  }

  private static Map<String, String> resourceVersions() {
    return Map.of("web", env.get("web").getMetadata().getResourceVersion());
  }

  /** The operator's writes since request number {@code from}, as "VERB resource[/sub]". */
  private static List<String> writesSince(int from) {
    synchronized (env.operatorRequests) {
      return env.operatorRequests.subList(from, env.operatorRequests.size()).stream()
          .filter(r -> !r.method().equals("GET"))
          .map(KubectlGitOpsE2E::describe)
          .toList();
    }
  }

  private static String describe(ApiRequest r) {
    return r.method() + " " + r.access().map(a -> a.resource()).orElse(r.path());
  }
}
