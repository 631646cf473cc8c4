package dev.kvmop.e2e;

import static dev.kvmop.testing.QemuProcesses.qemuWithUuid;
import static dev.kvmop.testing.TestObjects.guest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two operator processes with {@code --leader-election} against one API: only the Lease holder
 * reconciles; SIGKILL of the holder hands over within the lease time (JOSDK defaults: 15 s lease, 2
 * s retry) and the running guest keeps its one qemu throughout.
 */
class LeaderElectionE2E {
  static final String LEASE = "kvm-operator-test";

  @TempDir static Path tmp;
  static E2EEnvironment env;

  @BeforeAll
  static void start() {
    env = new E2EEnvironment(tmp);
    env.client.resource(env.host("node", env.sshd.hostKeyLine(), 4)).create();
  }

  @AfterAll
  static void stop() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  void onlyTheLeaderReconcilesAndKillingItHandsOverWithoutADoubleLaunch() throws Exception {
    OperatorProcess a = elected("op-a");
    await().atMost(E2EEnvironment.WAIT).until(() -> "op-a".equals(holder()));
    OperatorProcess b = elected("op-b");
    env.awaitHost("node", HostPhase.Ready);

    env.client.resource(guest("g1").on("node").build()).create();
    KvmGuest g1 = env.awaitGuest("g1", GuestPhase.Running);
    String uid = g1.getMetadata().getUid();
    int pid = g1.getStatus().pid;
    assertThat(a.log()).contains("default/g1 guest");
    assertThat(b.log()).doesNotContain("default/g1").doesNotContain("default/node host");
    assertThat(b.metricSum("kvmop_host_up")).isZero();
    assertThat(a.metricSum("operator_sdk_reconciliations_started_total")).isPositive();
    assertThat(b.metricSum("operator_sdk_reconciliations_started_total")).isZero();
    assertThat(holder()).isEqualTo("op-a");

    AtomicInteger most = new AtomicInteger();
    Thread sampler =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                most.accumulateAndGet(qemuWithUuid(uid).size(), Math::max);
                try {
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    sampler.setDaemon(true);
    sampler.start();
    try {
      long killed = System.nanoTime();
      a.kill();
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> "op-b".equals(holder()));
      Duration handover = Duration.ofNanos(System.nanoTime() - killed);
      System.out.println("[leader] op-b took over " + handover.toMillis() + " ms after SIGKILL");
      assertThat(handover).isLessThan(Duration.ofSeconds(15 + 2 + 5));

      env.client.resource(guest("g2").on("node").build()).create();
      env.awaitGuest("g2", GuestPhase.Running);
      assertThat(b.log()).contains("default/g2 guest");
      // The new leader adopts g1 as it runs: same pid, no relaunch.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> b.metricSum("kvmop_host_up", "host=\"node\"") == 1);
      Thread.sleep(3000);
      KvmGuest after = env.get("g1");
      assertThat(after.getStatus().phase).isEqualTo(GuestPhase.Running);
      assertThat(after.getStatus().pid).isEqualTo(pid);
      assertThat(after.getStatus().restarts).isZero();
      assertThat(qemuWithUuid(uid)).containsExactly((long) pid);
    } finally {
      sampler.interrupt();
    }
    assertThat(most.get()).as("qemu processes of g1 at any sample").isEqualTo(1);

    List<dev.kvmop.local.ApiRequest> requests;
    synchronized (env.operatorRequests) {
      requests = new java.util.ArrayList<>(env.operatorRequests);
    }
    var rbac = new dev.kvmop.testing.RbacRules(env.client, Path.of("deploy/rbac.yaml"));
    assertThat(rbac.denied(requests, "leader-election"))
        .as("requests deploy/rbac.yaml does not grant")
        .isEmpty();
  }

  private static OperatorProcess elected(String identity) {
    return env.startOperator(Map.of("HOSTNAME", identity), List.of("--leader-election", LEASE));
  }

  private static String holder() {
    Lease l = env.client.leases().inNamespace(E2EEnvironment.NS).withName(LEASE).get();
    return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
  }
}
