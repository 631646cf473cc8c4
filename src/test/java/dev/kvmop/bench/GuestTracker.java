package dev.kvmop.bench;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Records every status change the informer delivers, per guest name, with this JVM's nanoTime at
 * delivery; remembers every qemu pid a status ever named, so a run can end them all.
 */
public final class GuestTracker implements ResourceEventHandler<KvmGuest> {
  /** One observed status: phase and pid, with this JVM's nanoTime at delivery. */
  public record Obs(long nanos, GuestPhase phase, Integer pid) {}

  private final Map<String, List<Obs>> log = new ConcurrentHashMap<>();
  private final Set<Long> pidsSeen = ConcurrentHashMap.newKeySet();

  @Override
  public void onAdd(KvmGuest g) {
    record(g);
  }

  @Override
  public void onUpdate(KvmGuest old, KvmGuest g) {
    record(g);
  }

  @Override
  public void onDelete(KvmGuest g, boolean unknownFinalState) {}

  private void record(KvmGuest g) {
    long now = System.nanoTime();
    GuestPhase phase = g.getStatus() == null ? null : g.getStatus().phase;
    Integer pid = g.getStatus() == null ? null : g.getStatus().pid;
    if (pid != null) {
      pidsSeen.add((long) pid);
    }
    List<Obs> l = log.computeIfAbsent(g.getMetadata().getName(), k -> new ArrayList<>());
    synchronized (l) {
      Obs last = l.isEmpty() ? null : l.get(l.size() - 1);
      if (last == null || last.phase != phase || !Objects.equals(last.pid, pid)) {
        l.add(new Obs(now, phase, pid));
      }
    }
  }

  public Obs last(String name) {
    List<Obs> l = log.get(name);
    synchronized (l) {
      return l.get(l.size() - 1);
    }
  }

  /** nanoTime of the first observation at or after {@code since} matching; waits for it. */
  public long await(String name, long since, Predicate<Obs> match, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Obs> l = log.get(name);
      if (l != null) {
        synchronized (l) {
          for (Obs o : l) {
            if (o.nanos >= since && match.test(o)) {
              return o.nanos;
            }
          }
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            name + ": expected state not seen within " + timeout + "; observed " + l);
      }
      Thread.sleep(5);
    }
  }

  /** Every qemu pid a status has named since the start. */
  public Set<Long> pidsSeen() {
    return pidsSeen;
  }

  public void clear() {
    log.clear();
  }
}
