package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.metrics.DomainMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One placement lock and {@link PlacementLedger} per namespace. Every decision that takes room on a
 * host (choosing a host, allocating an address) and every release runs under its namespace's lock,
 * so concurrent reconciles never both take the last room; namespaces do not wait for each other.
 */
final class PlacementBook {
  private record Namespace(ReentrantLock lock, PlacementLedger ledger) {}

  private final Map<String, Namespace> namespaces = new ConcurrentHashMap<>();
  private final DomainMetrics metrics;

  PlacementBook(DomainMetrics metrics) {
    this.metrics = metrics;
  }

  /** {@link #locked} for work without a result. */
  void update(String namespace, Consumer<PlacementLedger> work) {
    locked(
        namespace,
        ledger -> {
          work.accept(ledger);
          return null;
        });
  }

  /** Runs {@code work} under the namespace's lock, then publishes its waiting-guest count. */
  <T> T locked(String namespace, Function<PlacementLedger, T> work) {
    Namespace ns =
        namespaces.computeIfAbsent(
            namespace, k -> new Namespace(new ReentrantLock(), new PlacementLedger()));
    ns.lock.lock();
    try {
      T result = work.apply(ns.ledger);
      metrics.guestsUnschedulable(namespace, ns.ledger.waitingCount());
      return result;
    } finally {
      ns.lock.unlock();
    }
  }
}
