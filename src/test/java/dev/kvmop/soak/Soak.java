package dev.kvmop.soak;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.bench.GuestCleanup;
import dev.kvmop.bench.OperatorRig;
import dev.kvmop.bench.ProcessUsage;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak ({@code make soak}; not in make test or CI): SOAK_MINUTES (default 30) of random guest
 * creates and deletes, reset and restart annotations, sshd kills, host-key changes and operator
 * restarts ({@link Chaos}) against 2 loopback OpenSSH hosts with cheap guests (microvm, -S), the
 * operator jar in its own JVM on the embedded API. Then every fault is restored, the guests settle,
 * are audited, deleted and audited again ({@link SoakAudit}). Prints one line at the end: {@code
 * soak: N operations, D duplicates, L leaks, A addresses held twice, max RSS M MB}, the RSS being
 * the operator JVM's largest VmRSS sampled every second. SOAK_SEED repeats a run's choices;
 * SOAK_JAVA_OPTS are the operator JVM's options (default: the deployment's 512Mi limit's heap).
 */
public final class Soak {
  private Soak() {}

  public static void main(String[] args) throws Exception {
    int minutes = Integer.parseInt(env("SOAK_MINUTES", "30"));
    long seed = Long.parseLong(env("SOAK_SEED", Long.toString(System.nanoTime() % 1_000_000)));
    String javaOpts = env("SOAK_JAVA_OPTS", "-XX:+UseSerialGC -Xss512k -Xmx256m");
    PrintStream out = System.out;
    out.printf("soak: %d min, SOAK_SEED=%d, operator JVM %s%n", minutes, seed, javaOpts);
    Random random = new Random(seed);
    String line;
    try (OperatorRig rig = OperatorRig.start(new OperatorRig.Config(2, 2, javaOpts), true, out)) {
      AtomicLong maxRssKb = new AtomicLong();
      Thread sampler = sampleRss(rig, maxRssKb);
      Chaos chaos = new Chaos(rig, random, out);
      SoakAudit audit = new SoakAudit(rig, out);
      chaos.givePools();
      long end = System.nanoTime() + Duration.ofMinutes(minutes).toNanos();
      long nextLook = 0;
      while (System.nanoTime() < end) {
        chaos.step();
        if (System.nanoTime() > nextLook) {
          audit.look();
          nextLook = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        }
        Thread.sleep(1000 + random.nextInt(3000));
      }
      out.println("soak: chaos over; restoring hosts and letting the guests settle");
      chaos.runDueRestores(true);
      awaitSettled(audit, out);
      audit.look();
      audit.leaksWithGuests();
      audit.leaksAfterDeletion(deleteAll(rig, audit));
      sampler.interrupt();
      GuestCleanup.run(rig, "soak", 10, out::println);
      line =
          String.format(
              "soak: %d operations, %d duplicates, %d leaks, %d addresses held twice,"
                  + " max RSS %d MB",
              chaos.operations(),
              audit.duplicates(),
              audit.leaks(),
              audit.heldTwice(),
              Math.round(maxRssKb.get() / 1024.0));
    }
    out.println(line);
  }

  /** Up to 3 minutes for every guest to reach a phase it can stay in. */
  private static void awaitSettled(SoakAudit audit, PrintStream out) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (!audit.settled() && System.nanoTime() < deadline) {
      audit.look();
      Thread.sleep(2000);
    }
    if (!audit.settled()) {
      out.println("soak: guests not settled after 3 min (audited as they are)");
    }
  }

  /** Deletes every guest; returns those not gone 3 minutes later. */
  private static List<String> deleteAll(OperatorRig rig, SoakAudit audit) throws Exception {
    var guests = rig.client().resources(KvmGuest.class).inNamespace(OperatorRig.NS);
    guests.delete();
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (!audit.guests().isEmpty() && System.nanoTime() < deadline) {
      audit.look();
      Thread.sleep(1000);
    }
    return audit.guests().stream().map(g -> g.getMetadata().getName()).toList();
  }

  /** Samples the operator JVM's VmRSS every second (whichever operator process runs now). */
  private static Thread sampleRss(OperatorRig rig, AtomicLong maxKb) {
    Thread t =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                try {
                  long kb = Math.round(ProcessUsage.rssMb(rig.operator().pid()) * 1024);
                  maxKb.accumulateAndGet(kb, Math::max);
                  Thread.sleep(1000);
                } catch (InterruptedException e) {
                  return;
                } catch (RuntimeException e) {
                  // the operator is being restarted: sample the next one
                }
              }
            },
            "soak-rss");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }
}
