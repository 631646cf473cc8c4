package dev.kvmop.controller.host;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.metrics.DomainMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place a host phase change is recorded: status, Event, metric and log line. */
final class HostTransitions {
  private static final Logger log = LoggerFactory.getLogger(HostTransitions.class);

  private final EventRecorder events;
  private final DomainMetrics metrics;

  HostTransitions(EventRecorder events, DomainMetrics metrics) {
    this.events = events;
    this.metrics = metrics;
  }

  void enter(KvmHost host, HostOutcome outcome) {
    var status = host.getStatus();
    HostPhase from = status.phase;
    HostPhase to = outcome.phase();
    String ns = host.getMetadata().getNamespace();
    String name = host.getMetadata().getName();
    metrics.hostUp(ns, name, to == HostPhase.Ready);
    if (from == to) {
      return;
    }
    status.phase = to;
    log.info("{}/{} host {} -> {}: {} {}", ns, name, from, to, outcome.reason(), outcome.message());
    String message = "Host " + to + ": " + outcome.message();
    if (to == HostPhase.Failed || to == HostPhase.Unreachable) {
      events.warning(host, outcome.reason(), message);
    } else {
      events.normal(host, outcome.reason(), message);
    }
  }
}
