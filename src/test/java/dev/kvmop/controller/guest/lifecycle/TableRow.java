package dev.kvmop.controller.guest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.controller.StatusConditions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One row of {@link GuestLifecycleTableTest}: where the guest starts (given), what changes (when),
 * one reconcile (or one cleanup of a deleted guest), and what must follow: the arrows of the state
 * diagram it takes, its phase, conditions, the host verbs called and when it is looked at again.
 */
final class TableRow {
  /** A step of the setup; may talk to the fake host. */
  @FunctionalInterface
  interface Step {
    void apply(LifecycleWorld w) throws Exception;
  }

  /** Diagram nodes that are not phases: the exit choice, "any phase" of the deletion diagram. */
  private static final Set<String> PSEUDO = Set.of("exit", "anyPhase");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final List<Step> given = new ArrayList<>();
  private final List<Step> when = new ArrayList<>();
  private final List<String> edges = new ArrayList<>();
  private final List<String> conditions = new ArrayList<>();
  private final List<Step> checks = new ArrayList<>();
  private List<String> verbs = List.of();
  private GuestPhase phase;
  private boolean deleting;
  private Optional<Object> next = Optional.empty();

  TableRow(String name) {
    this.name = name;
  }

  String name() {
    return name;
  }

  List<String> edges() {
    return edges;
  }

  TableRow given(Step step) {
    given.add(step);
    return this;
  }

  TableRow when(Step step) {
    when.add(step);
    return this;
  }

  /** The arrows taken, in order, each as drawn ("Running --> exit"). */
  TableRow edges(String... taken) {
    edges.addAll(List.of(taken));
    return this;
  }

  TableRow expect(GuestPhase phase) {
    this.phase = phase;
    return this;
  }

  /** Conditions as "Type=Status/Reason". */
  TableRow conditions(String... expected) {
    conditions.addAll(List.of(expected));
    return this;
  }

  /** The host verbs the reconcile calls, in order (none when not given). */
  TableRow verbs(String... expected) {
    verbs = List.of(expected);
    return this;
  }

  TableRow requeue(Duration after) {
    next = Optional.of(Outcome.requeue(after));
    return this;
  }

  TableRow awaitEvent() {
    next = Optional.of(Outcome.awaitEvent());
    return this;
  }

  /** The guest is deleted: the row runs one cleanup instead of a reconcile. */
  TableRow deleting() {
    deleting = true;
    return this;
  }

  /** The cleanup lets the finalizer go. */
  TableRow released() {
    next = Optional.of(Optional.empty());
    return this;
  }

  TableRow retryDeletion(Duration after) {
    next = Optional.of(Optional.of(after));
    return this;
  }

  TableRow check(Step extra) {
    checks.add(extra);
    return this;
  }

  void run() throws Exception {
    LifecycleWorld w = new LifecycleWorld();
    for (Step s : given) {
      s.apply(w);
    }
    for (Step s : when) {
      s.apply(w);
    }
    String start = w.phase() == null ? "[*]" : w.phase().name();
    int events = w.events.size();
    int verbsBefore = w.fake.verbs.size();
    Object result = deleting ? w.cleanup() : w.reconcile();

    List<String> observed = new ArrayList<>(List.of(start));
    if (start.equals("[*]")) {
      observed.add(GuestPhase.Pending.name()); // a guest without a phase is handled as Pending
    }
    observed.addAll(
        GuestLifecycleTableTest.phasesEntered(w.events.subList(events, w.events.size())));
    if (deleting && Optional.empty().equals(result)) {
      observed.add("[*]");
    }
    assertThat(collapse(observed))
        .as(name + ": phases gone through")
        .isEqualTo(collapse(claimed(start)));
    if (phase != null) {
      assertThat(w.phase()).as(name + ": phase").isEqualTo(phase);
    }
    for (String c : conditions) {
      assertThat(conditionText(w, c.substring(0, c.indexOf('='))))
          .as(name + ": condition")
          .isEqualTo(c);
    }
    assertThat(w.fake.verbs.subList(verbsBefore, w.fake.verbs.size()))
        .as(name + ": host verbs")
        .map(v -> v.substring(0, v.indexOf(' ')))
        .isEqualTo(verbs);
    if (next.isPresent()) {
      assertThat(result).as(name + ": what comes next").isEqualTo(next.get());
    }
    for (Step c : checks) {
      c.apply(w);
    }
  }

  /** The phases the claimed arrows go through, from {@code start}. */
  private List<String> claimed(String start) {
    List<String> path = new ArrayList<>(List.of(start));
    String at = start;
    for (String edge : edges) {
      String[] ends = edge.split(" --> ");
      boolean fromAnyPhase = ends[0].equals("anyPhase") && path.size() == 1;
      assertThat(fromAnyPhase || ends[0].equals(at))
          .as("arrow " + edge + " follows " + at)
          .isTrue();
      at = ends[1];
      if (!PSEUDO.contains(at)) {
        path.add(at);
      }
    }
    return path;
  }

  /** A phase repeated (a loop arrow, or Pending for a guest without one) counts once. */
  private static List<String> collapse(List<String> path) {
    List<String> out = new ArrayList<>();
    for (String p : path) {
      if (out.isEmpty() || !out.get(out.size() - 1).equals(p)) {
        out.add(p);
      }
    }
    return out;
  }

  private static String conditionText(LifecycleWorld w, String type) {
    return StatusConditions.find(w.status().conditions, type)
        .map(c -> type + "=" + c.getStatus() + "/" + c.getReason())
        .orElse(type + " missing");
  }

  static JsonNode json(Object value) {
    return JSON.valueToTree(value);
  }

  @Override
  public String toString() {
    return name;
  }
}
