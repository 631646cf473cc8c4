package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.concurrent.DaemonThreads;
import dev.kvmop.controller.CrashPoints;
import dev.kvmop.host.HostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The stops of guests' qemu, run off the reconcile threads. A stop lasts up to the guest's grace
 * period (up to an hour) plus the SIGTERM and SIGKILL steps; run on a reconcile thread, a handful
 * of guests that ignore ACPI would hold every thread and no other guest would be reconciled. So a
 * handler asks here: the first ask starts the stop and answers "running", later asks answer
 * "running" until it ends, and the first ask after it ended takes its result (and forgets it), so
 * the handler carries on exactly as after a synchronous stop. When a stop ends its guest is woken.
 *
 * <p>At most one stop per guest uid runs. Nothing is kept across an operator restart: the stop is
 * idempotent, and the next reconcile simply asks for it again. A finished stop whose result no
 * handler takes (the user changed their mind while it ran) is replaced by the next ask for a
 * different purpose, and every entry goes when its guest is forgotten.
 */
public final class StopsInFlight {
  /** The stops that may run at once; more wait in the queue (a stop mostly waits on its host). */
  static final int THREADS = 16;

  /** How soon a handler looks again while its stop runs, should the wake-up be missed. */
  static final Duration POLL = Duration.ofSeconds(5);

  /** Told the namespace and name of a guest whose stop ended. */
  public interface Wake extends BiConsumer<String, String> {}

  /** A stop on the host, as the handler would have run it. */
  @FunctionalInterface
  interface Stop extends CrashPoints.Action<HostException> {}

  /** A stop asked for: why (a purpose and the pid it stops), since when, and its end. */
  private record Entry(String purpose, Instant since, CompletableFuture<Void> done) {}

  private final Executor executor;
  private final Clock clock;
  private final Map<String, Entry> byUid = new ConcurrentHashMap<>();
  private volatile Wake wake = (namespace, name) -> {};

  StopsInFlight(Executor executor, Clock clock) {
    this.executor = executor;
    this.clock = clock;
  }

  /** Stops on {@link #THREADS} named daemon threads, queued beyond that. */
  public static StopsInFlight start(Clock clock) {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            DaemonThreads.named("guest-stop"));
    pool.allowCoreThreadTimeOut(true);
    return new StopsInFlight(pool, clock);
  }

  /** Stops on the thread that asks (tests that do not look at stops in flight). */
  public static StopsInFlight onCallingThread(Clock clock) {
    return new StopsInFlight(Runnable::run, clock);
  }

  /** Who is told when a stop ends (the reconciler wakes the guest). */
  public void onEnd(Wake wake) {
    this.wake = wake;
  }

  /**
   * Starts the guest's stop when none is known, else looks at the one known.
   *
   * @param purpose what the stop is for (e.g. "halt pid 42"): a finished stop of another purpose is
   *     not this one's result
   * @return when the stop that still runs began; empty when it ended well
   * @throws HostException the stop's own failure, once
   */
  Optional<Instant> ask(GuestRun run, String purpose, Stop stop) throws HostException {
    String uid = run.uid();
    Entry entry = byUid.get(uid);
    if (entry != null && entry.done().isDone() && !entry.purpose().equals(purpose)) {
      byUid.remove(uid, entry);
      entry = null;
    }
    if (entry == null) {
      entry = submit(run, purpose, stop);
    }
    if (!entry.done().isDone()) {
      return Optional.of(entry.since());
    }
    byUid.remove(uid, entry);
    try {
      entry.done().get();
      return Optional.empty();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof HostException h) {
        throw h;
      }
      throw new IllegalStateException("stop of " + run.name() + " failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Whether a stop of this guest runs, or ended and its result was not taken yet. */
  boolean known(String uid) {
    return byUid.containsKey(uid);
  }

  /** Whether a stop of this guest still runs. */
  boolean running(String uid) {
    Entry e = byUid.get(uid);
    return e != null && !e.done().isDone();
  }

  /** Forgets a finished stop nobody will take (the guest no longer wants it). */
  void dropFinished(String uid) {
    Entry e = byUid.get(uid);
    if (e != null && e.done().isDone()) {
      byUid.remove(uid, e);
    }
  }

  /** Forgets a deleted guest's stop (one still running ends on its own, its result unread). */
  void forget(String uid) {
    byUid.remove(uid);
  }

  int size() {
    return byUid.size();
  }

  private Entry submit(GuestRun run, String purpose, Stop stop) {
    Entry entry = new Entry(purpose, Instant.now(clock), new CompletableFuture<>());
    byUid.put(run.uid(), entry);
    String namespace = run.namespace();
    String name = run.name();
    executor.execute(
        () -> {
          try {
            stop.run();
            entry.done().complete(null);
          } catch (Throwable e) {
            // Whatever ends the stop ends its entry: a handler never waits on a stop that died.
            entry.done().completeExceptionally(e);
          }
          wake.accept(namespace, name);
        });
    return entry;
  }
}
