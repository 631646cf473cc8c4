package dev.kvmop.controller;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * Sets Kubernetes-convention conditions on a status list. lastTransitionTime changes only when the
 * status value changes, so repeated reconciles of an unchanged state write identical status.
 */
public final class StatusConditions {
  private final List<Condition> conditions;
  private final Long generation;
  private final Clock clock;

  public StatusConditions(List<Condition> conditions, Long generation, Clock clock) {
    this.conditions = conditions;
    this.generation = generation;
    this.clock = clock;
  }

  public void set(String type, boolean status, String reason, String message) {
    set(type, status ? "True" : "False", reason, message);
  }

  public void set(String type, String status, String reason, String message) {
    Optional<Condition> existing = find(conditions, type);
    String since =
        existing
            .filter(c -> status.equals(c.getStatus()))
            .map(Condition::getLastTransitionTime)
            .orElseGet(() -> now(clock));
    Condition c =
        new ConditionBuilder()
            .withType(type)
            .withStatus(status)
            .withReason(reason)
            .withMessage(message == null ? "" : message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(since)
            .build();
    existing.ifPresent(conditions::remove);
    conditions.add(c);
    conditions.sort(java.util.Comparator.comparing(Condition::getType));
  }

  public void remove(String type) {
    conditions.removeIf(c -> type.equals(c.getType()));
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  public static String now(Clock clock) {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
