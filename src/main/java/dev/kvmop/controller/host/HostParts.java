package dev.kvmop.controller.host;

import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.metrics.DomainMetrics;
import java.time.Clock;

/**
 * What the lifecycle and {@link HostDeletion} share: the ways out to hosts, the guest side, Events
 * and metrics, the clock, and what they remember between reconciles.
 */
record HostParts(
    HostAgentFactory agents,
    HostDirectory directory,
    EventRecorder events,
    DomainMetrics metrics,
    Clock clock,
    HostTransitions transitions,
    FullChecks fullChecks,
    KvmBuild build) {
  static HostParts of(
      HostAgentFactory agents,
      HostDirectory directory,
      EventRecorder events,
      DomainMetrics metrics,
      Clock clock) {
    return new HostParts(
        agents,
        directory,
        events,
        metrics,
        clock,
        new HostTransitions(events, metrics),
        new FullChecks(clock),
        new KvmBuild(events, clock));
  }
}
