package dev.kvmop.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The kvmop_* meters (docs/operations.md lists them with their labels). No per-guest labels:
 * cardinality is bounded by namespaces, hosts, phases and operation names.
 */
public final class DomainMetrics {
  private final MeterRegistry registry;
  private final Map<GaugeKey, GaugeHolder> gauges = new ConcurrentHashMap<>();

  public DomainMetrics(MeterRegistry registry) {
    this.registry = registry;
    // The label-less meters exist from the start, at zero: rate() and increase() cannot count the
    // first observations of a series that appears with them (the first guest starts would never
    // show in the start-latency graph, the first relaunches not in the crash-loop alert).
    startTimer();
    restartCounter();
  }

  public void hostUp(String namespace, String host, boolean up) {
    gauge("kvmop.host.up", Tags.of("namespace", namespace, "host", host)).set(up ? 1 : 0);
  }

  public void pool(String namespace, String host, int allocated, int free) {
    Tags base = Tags.of("namespace", namespace, "host", host);
    gauge("kvmop.host.pool.addresses", base.and("state", "allocated")).set(allocated);
    gauge("kvmop.host.pool.addresses", base.and("state", "free")).set(free);
  }

  /**
   * What the guests placed on a host take: {@code kvmop_host_allocated} with resource {@code cpus},
   * {@code memory} (bytes) and {@code guests}.
   */
  public void hostAllocated(String namespace, String host, long cpus, long memoryBytes, long n) {
    Tags base = Tags.of("namespace", namespace, "host", host);
    gauge("kvmop.host.allocated", base.and("resource", "cpus")).set(cpus);
    gauge("kvmop.host.allocated", base.and("resource", "memory")).set(memoryBytes);
    gauge("kvmop.host.allocated", base.and("resource", "guests")).set(n);
  }

  /** Guests of a namespace that no host took at their last try ({@code Unschedulable} and kin). */
  public void guestsUnschedulable(String namespace, int n) {
    gauge("kvmop.guests.unschedulable", Tags.of("namespace", namespace)).set(n);
  }

  /** Sets the guest count of every phase on a host; phases absent from the map become 0. */
  public void guests(String namespace, String host, List<String> phases, Map<String, Integer> n) {
    Tags base = Tags.of("namespace", namespace, "host", host);
    for (String phase : phases) {
      gauge("kvmop.guests", base.and("phase", phase)).set(n.getOrDefault(phase, 0));
    }
  }

  /** Drops the gauges of a deleted host so dashboards do not show it forever. */
  public void hostRemoved(String namespace, String host) {
    gauges
        .entrySet()
        .removeIf(
            e -> {
              boolean match =
                  namespace.equals(e.getValue().gauge.getId().getTag("namespace"))
                      && host.equals(e.getValue().gauge.getId().getTag("host"));
              if (match) {
                registry.remove(e.getValue().gauge);
              }
              return match;
            });
  }

  public void sshCommand(String host, String op, Duration took) {
    Timer.builder("kvmop.ssh.command")
        .description("Remote command latency, by host and operation")
        .tags("host", host, "op", op)
        .publishPercentileHistogram()
        .register(registry)
        .record(took);
  }

  public void sshConnect(String host, String result) {
    Counter.builder("kvmop.ssh.connects")
        .description("SSH connection attempts by result")
        .tags("host", host, "result", result)
        .register(registry)
        .increment();
  }

  public void probe(String host, Duration took) {
    Timer.builder("kvmop.probe")
        .description("Duration of one host probe (all guests of the host)")
        .tags("host", host)
        .publishPercentileHistogram()
        .register(registry)
        .record(took);
  }

  public void guestStarted(Duration sinceCreation) {
    startTimer().record(sinceCreation);
  }

  public void guestRestarted() {
    restartCounter().increment();
  }

  private Timer startTimer() {
    return Timer.builder("kvmop.guest.start")
        .description("Guest creation to Running")
        .publishPercentileHistogram()
        .register(registry);
  }

  private Counter restartCounter() {
    return Counter.builder("kvmop.guest.restarts")
        .description("qemu relaunches after an exit")
        .register(registry);
  }

  private AtomicLong gauge(String name, Tags tags) {
    return gauges.computeIfAbsent(
            new GaugeKey(name, tags),
            k -> {
              AtomicLong value = new AtomicLong();
              return new GaugeHolder(
                  value, Gauge.builder(name, value, AtomicLong::get).tags(tags).register(registry));
            })
        .value;
  }

  private record GaugeKey(String name, Tags tags) {}

  private record GaugeHolder(AtomicLong value, Gauge gauge) {}
}
