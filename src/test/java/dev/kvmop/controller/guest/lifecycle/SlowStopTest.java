package dev.kvmop.controller.guest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.kvmop.api.Annotations;
import dev.kvmop.api.Conditions;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.RunStrategy;
import dev.kvmop.host.HostException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * A stop lasts up to the guest's grace period: it never holds the reconcile. While the fake host's
 * stop is held (a guest that ignores ACPI, a long grace), each reconcile or cleanup returns at once
 * asking to look again, with the stop in progress on the guest's Ready condition; once the stop
 * ends the guest is woken, and the next reconcile carries on as after a synchronous stop (Stopped,
 * relaunched for a restart token that is then done, or released).
 */
class SlowStopTest {
  private static final Duration QUICK = Duration.ofSeconds(2);

  @Test
  void aHaltedGuestsStopDoesNotHoldTheReconcile() {
    LifecycleWorld w = heldStop();
    w.spec(s -> s.runStrategy = RunStrategy.Halted);
    try {
      Outcome first = assertTimeoutPreemptively(QUICK, w::reconcile);
      assertThat(first).isInstanceOf(Outcome.Requeue.class);
      assertThat(w.phase()).isEqualTo(GuestPhase.Stopping);
      assertThat(ready(w))
          .startsWith("stop in progress since ")
          .endsWith(", grace " + w.guest.getSpec().gracePeriodSeconds + "s");
      assertThat(assertTimeoutPreemptively(QUICK, w::reconcile))
          .isInstanceOf(Outcome.Requeue.class);
      assertThat(w.phase()).isEqualTo(GuestPhase.Stopping);
    } finally {
      w.fake.stopGate.countDown();
    }
    awaitWoken(w);
    w.reconcile();
    assertThat(w.phase()).isEqualTo(GuestPhase.Stopped);
    assertThat(w.status().pid).isNull();
    assertThat(stops(w)).hasSize(1);
    assertThat(w.stops.size()).isZero();
  }

  @Test
  void aRestartTokensStopDoesNotHoldTheReconcileAndTheTokenIsCarriedOutOnce() {
    LifecycleWorld w = heldStop();
    Integer pid = w.status().pid;
    w.annotate(Annotations.RESTART, "r1");
    try {
      assertThat(assertTimeoutPreemptively(QUICK, w::reconcile))
          .isInstanceOf(Outcome.Requeue.class);
      w.probe();
      assertThat(assertTimeoutPreemptively(QUICK, w::reconcile))
          .isInstanceOf(Outcome.Requeue.class);
      assertThat(w.status().actions == null ? null : w.status().actions.restart).isNull();
      assertThat(w.status().pid).isEqualTo(pid);
    } finally {
      w.fake.stopGate.countDown();
    }
    awaitWoken(w);
    w.probe();
    w.reconcile();
    w.probe();
    w.reconcile();
    assertThat(w.phase()).isEqualTo(GuestPhase.Running);
    assertThat(w.status().pid).isNotEqualTo(pid);
    assertThat(w.status().actions.restart).isEqualTo("r1");
    assertThat(stops(w)).hasSize(1);
    assertThat(w.fake.verbs.stream().filter(v -> v.startsWith("launch ")).count()).isEqualTo(2);
  }

  @Test
  void aDeletionsStopDoesNotHoldTheCleanup() {
    LifecycleWorld w = heldStop();
    w.delete(Duration.ZERO);
    try {
      Optional<Duration> first = assertTimeoutPreemptively(QUICK, w::cleanup);
      assertThat(first).contains(StopsInFlight.POLL);
      assertThat(w.phase()).isEqualTo(GuestPhase.Stopping);
      assertThat(ready(w)).startsWith("stop in progress since ");
      assertThat(assertTimeoutPreemptively(QUICK, w::cleanup)).isPresent();
    } finally {
      w.fake.stopGate.countDown();
    }
    awaitWoken(w);
    assertThat(w.cleanup()).as("released").isEmpty();
    assertThat(stops(w)).hasSize(1);
    assertThat(w.fake.verbs).anyMatch(v -> v.startsWith("remove "));
    assertThat(w.stops.size()).isZero();
  }

  @Test
  void aFailedStopSurfacesWhereTheSynchronousOneDid() {
    LifecycleWorld w = heldStop();
    w.delete(Duration.ZERO);
    w.fake.failNext("stop", new HostException(HostException.Reason.CommandFailed, "disk full"));
    try {
      assertThat(assertTimeoutPreemptively(QUICK, w::cleanup)).contains(StopsInFlight.POLL);
    } finally {
      w.fake.stopGate.countDown();
    }
    awaitWoken(w);
    assertThat(w.cleanup()).contains(GuestDeletion.RETRY);
    assertThat(ready(w)).contains("disk full");
    assertThat(w.fake.verbs).noneMatch(v -> v.startsWith("remove "));
  }

  /** A running guest whose next stop waits until the test opens the fake host's gate. */
  private static LifecycleWorld heldStop() {
    LifecycleWorld w = GuestLifecycleTableTest.running(new LifecycleWorld());
    w.stopsOffThread();
    w.fake.stopGate = new CountDownLatch(1);
    return w;
  }

  private static void awaitWoken(LifecycleWorld w) {
    await().atMost(Duration.ofSeconds(5)).until(() -> !w.woken.isEmpty());
  }

  private static List<String> stops(LifecycleWorld w) {
    return w.fake.verbs.stream().filter(v -> v.startsWith("stop ")).toList();
  }

  private static String ready(LifecycleWorld w) {
    return w.status().conditions.stream()
        .filter(c -> Conditions.READY.equals(c.getType()))
        .findFirst()
        .orElseThrow()
        .getMessage();
  }
}
