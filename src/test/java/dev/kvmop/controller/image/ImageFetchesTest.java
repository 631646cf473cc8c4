package dev.kvmop.controller.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.api.HostPhase;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.host.ImageFetch;
import dev.kvmop.host.SshTarget;
import dev.kvmop.testing.FakeDisks;
import dev.kvmop.testing.FakeHostAgents;
import dev.kvmop.testing.TestObjects;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ImageFetchesTest {
  static final String URL = "http://images.lab/a.qcow2";
  static final String SHA = "ab".repeat(32);
  static final ImageSource SOURCE = new ImageSource(URL, null, SHA);

  final FakeHostAgents agents = new FakeHostAgents();
  final FakeDisks disks = agents.host("10.0.0.5").disks;
  final List<String> woken = new CopyOnWriteArrayList<>();
  final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
  final HostDirectory.Entry host = host();

  @AfterEach
  void stop() {
    ticks.shutdownNow();
  }

  static HostDirectory.Entry host() {
    var spec = TestObjects.host("node-a").build().getSpec();
    var target =
        new SshTarget(
            "default/node-a", "10.0.0.5", 22, "root", "K", null, HostKeyPolicy.Pinned, "k", 8);
    return new HostDirectory.Entry("default/node-a", target, spec, HostPhase.Ready, null, "/q");
  }

  @Test
  void manyGuestsAskingAtOnceCauseOneFetch() throws Exception {
    disks.served.put(URL, new FakeDisks.Image(SHA, 100, 200));
    disks.fetchGate = new CountDownLatch(1);
    ImageFetches fetches =
        new ImageFetches(
            agents, Clock.systemUTC(), Executors.newCachedThreadPool(), ticks, woken::add);
    List<Thread> guests = new CopyOnWriteArrayList<>();
    List<FetchState> seen = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 10; i++) {
      Thread t = new Thread(() -> seen.add(fetches.request(host, SOURCE)));
      guests.add(t);
      t.start();
    }
    for (Thread t : guests) {
      t.join();
    }
    assertThat(seen).hasSize(10).allMatch(s -> s instanceof FetchState.Fetching);
    disks.fetchGate.countDown();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> fetches.request(host, SOURCE) instanceof FetchState.Ready);
    assertThat(disks.fetches.get()).isEqualTo(1);
    assertThat(woken).containsExactly("default/node-a");
    assertThat(fetches.sha256("default/node-a", SOURCE)).contains(SHA);
  }

  @Test
  void progressIsPolledWhileTheFetchRuns() {
    disks.served.put(URL, new FakeDisks.Image(SHA, 100, 200));
    disks.fetchGate = new CountDownLatch(1);
    disks.progress = new ImageFetch.Progress(512, 2048L);
    ImageFetches fetches =
        new ImageFetches(
            agents, Clock.systemUTC(), Executors.newCachedThreadPool(), ticks, woken::add);
    fetches.request(host, SOURCE);
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> fetches.request(host, SOURCE).equals(new FetchState.Fetching(512, 2048L)));
    } finally {
      disks.fetchGate.countDown();
    }
  }

  @Test
  void aFailureIsKeptUntilItsBackoffIsOverThenTriedAgain() {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    Clock clock =
        new Clock() {
          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now.get();
          }
        };
    ImageFetches fetches = new ImageFetches(agents, clock, Runnable::run, null, woken::add);
    FetchState first = fetches.request(host, SOURCE);
    assertThat(first).isInstanceOf(FetchState.Failed.class);
    assertThat(((FetchState.Failed) first).kind()).isEqualTo(FetchState.Failed.Kind.DownloadFailed);
    assertThat(((FetchState.Failed) first).detail()).contains("404");
    now.set(now.get().plusSeconds(9));
    assertThat(fetches.request(host, SOURCE)).isEqualTo(first);
    assertThat(disks.fetches.get()).isEqualTo(1);
    now.set(now.get().plusSeconds(2));
    FetchState second = fetches.request(host, SOURCE);
    assertThat(disks.fetches.get()).isEqualTo(2);
    assertThat(((FetchState.Failed) second).retryAt()).isEqualTo(now.get().plusSeconds(20));
    disks.served.put(URL, new FakeDisks.Image(SHA, 100, 200));
    now.set(now.get().plusSeconds(21));
    assertThat(fetches.request(host, SOURCE)).isEqualTo(new FetchState.Ready(SHA, 100));
  }

  @Test
  void backoffDoublesToFiveMinutes() {
    assertThat(ImageFetches.backoff(1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(ImageFetches.backoff(3)).isEqualTo(Duration.ofSeconds(40));
    assertThat(ImageFetches.backoff(9)).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void credentialsInAUrlAreNotShown() {
    assertThat(new ImageSource("https://u:secret@h/x.img", null, SHA).where())
        .isEqualTo("https://***@h/x.img");
    assertThat(new ImageSource(null, "/srv/a.img", null).job()).startsWith("path-").hasSize(37);
  }
}
