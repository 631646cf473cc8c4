package dev.kvmop.bench;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;

/** Guests created at once from a thread pool, round-robin over the rig's hosts. */
public final class GuestBurst {
  /**
   * @param latenciesMs per guest, from its own create call to the first Running this JVM saw
   * @param allRunningS from the first create call to the last Running
   * @param createdS from the first create call until every create call returned
   */
  public record Burst(
      List<String> names, List<Double> latenciesMs, double allRunningS, double createdS) {}

  private GuestBurst() {}

  /**
   * Creates {@code n} guests named prefix-i, guest i on host i mod hosts, from {@code threads}
   * threads; waits for all Running.
   *
   * @param guest makes the guest from its name and its host's name
   */
  public static Burst run(
      OperatorRig rig,
      String prefix,
      int n,
      int threads,
      BiFunction<String, String, KvmGuest> guest,
      Duration timeout)
      throws Exception {
    List<String> names = new ArrayList<>();
    long[] t0 = new long[n];
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String name = prefix + "-" + i;
        names.add(name);
        int idx = i;
        String host = OperatorRig.hostName(idx % rig.hosts());
        fs.add(
            pool.submit(
                () -> {
                  t0[idx] = System.nanoTime();
                  rig.client().resource(guest.apply(name, host)).create();
                }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    double createdS = (System.nanoTime() - start) / 1e9;
    List<Double> lat = new ArrayList<>();
    long last = start;
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int i = 0; i < n; i++) {
      long left = Math.max(1, deadline - System.nanoTime());
      long t =
          rig.tracker()
              .await(
                  names.get(i),
                  t0[i],
                  o -> o.phase() == GuestPhase.Running,
                  Duration.ofNanos(left));
      lat.add((t - t0[i]) / 1e6);
      last = Math.max(last, t);
    }
    return new Burst(names, lat, (last - start) / 1e9, createdS);
  }
}
