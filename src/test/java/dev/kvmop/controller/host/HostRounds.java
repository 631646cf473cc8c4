package dev.kvmop.controller.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostStatus;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusSink;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.host.HostException;
import dev.kvmop.host.SshTarget;
import dev.kvmop.metrics.DomainMetrics;
import dev.kvmop.testing.FakeHostAgents;
import dev.kvmop.testing.ManualClock;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs {@link HostLifecycle} and {@link HostDeletion} synchronously, as the reconciler would but
 * without an operator: one host "on record" (what the API server would hold), a status sink that
 * writes only a changed status (as StatusWriter does), the stateful {@link FakeHostAgents} behind a
 * recorder of HostAgent verbs with injectable failures, recorded Events and a clock the test moves.
 */
final class HostRounds {
  static final Instant T0 = Instant.parse("2026-11-25T00:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  final ManualClock clock = new ManualClock(T0);
  final FakeHostAgents fakes = new FakeHostAgents();
  final Verbs agents = new Verbs(fakes);
  final HostDirectory directory = new HostDirectory();
  final List<String> events = new ArrayList<>();
  final HostParts parts =
      HostParts.of(
          agents,
          directory,
          new RecordedEvents(events, clock),
          new DomainMetrics(new SimpleMeterRegistry()),
          clock);
  final HostLifecycle lifecycle = new HostLifecycle(parts);
  final HostDeletion deletion = new HostDeletion(parts);

  /** The host as the API server holds it; statuses written by the sink land here. */
  KvmHost onRecord;

  Secret secret;
  final List<KvmGuest> guests = new ArrayList<>();

  /** The older KvmHost that manages the same bridge, as the reconciler's cache would name it. */
  String bridgeManagedBy;

  /** Status writes of the last reconcile (mid-reconcile and final). */
  final List<KvmHostStatus> writes = new ArrayList<>();

  HostRounds(KvmHost host) {
    onRecord = host;
  }

  /** One reconcile: the lifecycle on a copy of the host on record, then the final write. */
  HostLifecycle.Result reconcile() {
    writes.clear();
    agents.verbs.clear();
    KvmHost received = copy(onRecord);
    HostRound round = round(received);
    HostLifecycle.Result result = lifecycle.run(round);
    round.record();
    return result;
  }

  HostDeletion.Result delete() {
    writes.clear();
    agents.verbs.clear();
    if (onRecord.getMetadata().getDeletionTimestamp() == null) {
      onRecord.getMetadata().setDeletionTimestamp(clock.instant().toString());
    }
    return deletion.run(round(copy(onRecord)));
  }

  private HostRound round(KvmHost received) {
    StatusSink<KvmHostStatus> sink =
        status -> {
          JsonNode next = JSON.valueToTree(status);
          if (next.equals(JSON.valueToTree(onRecord.getStatus()))) {
            return false;
          }
          writes.add(JSON.convertValue(status, KvmHostStatus.class));
          onRecord.setStatus(JSON.convertValue(status, KvmHostStatus.class));
          return true;
        };
    HostRound round = new HostRound(received, secret, guests, sink, clock);
    round.bridgeManagedBy = bridgeManagedBy;
    return round;
  }

  KvmHostStatus status() {
    return onRecord.getStatus();
  }

  /**
   * The guest probe last heard the host {@code ago} with this boot id, and the network status the
   * fake host has now.
   */
  void probed(Duration ago, String bootId) {
    directory.probed(
        HostDirectory.hostId(
            onRecord.getMetadata().getNamespace(), onRecord.getMetadata().getName()),
        new HostDirectory.ProbeMark(
            clock.instant().minus(ago),
            bootId,
            fakes.host(onRecord.getSpec().address).networkStatus));
  }

  static <T> T copy(T value) {
    @SuppressWarnings("unchecked")
    Class<T> type = (Class<T>) value.getClass();
    return JSON.convertValue(value, type);
  }

  /**
   * The fake hosts behind a recorder: every HostAgent verb by method name ("connect" for agentFor,
   * "forget"), and failures injected by verb, optionally only when an argument contains a text.
   */
  static final class Verbs implements HostAgentFactory {
    final List<String> verbs = new ArrayList<>();
    private final FakeHostAgents fakes;
    private final Map<String, Map.Entry<String, HostException>> failing = new HashMap<>();

    Verbs(FakeHostAgents fakes) {
      this.fakes = fakes;
    }

    void fail(String verb, HostException e) {
      fail(verb, "", e);
    }

    void fail(String verb, String whenArgumentContains, HostException e) {
      failing.put(verb, Map.entry(whenArgumentContains, e));
    }

    void heal() {
      failing.clear();
    }

    @Override
    public HostAgent agentFor(SshTarget target) throws HostException {
      verbs.add("connect");
      HostAgent agent = fakes.agentFor(target);
      return (HostAgent)
          Proxy.newProxyInstance(
              HostAgent.class.getClassLoader(),
              new Class<?>[] {HostAgent.class},
              (proxy, method, args) -> {
                if (method.getDeclaringClass() == Object.class) {
                  return method.invoke(agent, args);
                }
                verbs.add(method.getName());
                var failure = failing.get(method.getName());
                if (failure != null && mentions(args, failure.getKey())) {
                  throw failure.getValue();
                }
                try {
                  return method.invoke(agent, args);
                } catch (InvocationTargetException e) {
                  throw e.getCause();
                }
              });
    }

    private static boolean mentions(Object[] args, String text) {
      if (text.isEmpty()) {
        return true;
      }
      return args != null
          && java.util.Arrays.stream(args).anyMatch(a -> Objects.toString(a).contains(text));
    }

    @Override
    public void forget(String hostId) {
      verbs.add("forget");
      fakes.forget(hostId);
    }
  }

  /** Events as "Type Reason: message". */
  static final class RecordedEvents extends EventRecorder {
    private final List<String> events;

    RecordedEvents(List<String> events, Clock clock) {
      super(null, clock);
      this.events = events;
    }

    @Override
    public void normal(HasMetadata about, String reason, String message) {
      events.add("Normal " + reason + ": " + message);
    }

    @Override
    public void warning(HasMetadata about, String reason, String message) {
      events.add("Warning " + reason + ": " + message);
    }
  }
}
