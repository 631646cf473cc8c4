package dev.kvmop.bench.peer;

import dev.kvmop.bench.Stats;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoublePredicate;

/**
 * The side-by-side figures: each measured pair is printed on one line as it comes in, and the table
 * shows the median of the repeats for each side and the ratio of the medians (ours / libvirt's,
 * lower is better).
 */
final class PeerReport {
  /**
   * @param text as shown in the table
   * @param onRatio the test applies to the ratio; otherwise to kvm-operator's own figure
   * @param also a second goal the figure must meet too, or null
   */
  record Goal(String text, boolean onRatio, DoublePredicate test, Goal also) {
    Goal(String text, boolean onRatio, DoublePredicate test) {
      this(text, onRatio, test, null);
    }

    static Goal ratio(double atMost) {
      return new Goal("ratio ≤ " + atMost, true, r -> r <= atMost);
    }

    /** This goal and {@code other}. */
    Goal and(Goal other) {
      return new Goal(text + " and " + other.text(), onRatio, test, other);
    }

    /** Whether the medians meet this goal (and the one chained to it); null when one is NaN. */
    Boolean met(double ours, double ratio) {
      double v = onRatio ? ratio : ours;
      if (Double.isNaN(v)) {
        return null;
      }
      if (!test.test(v)) {
        return false;
      }
      return also == null ? Boolean.TRUE : also.met(ours, ratio);
    }
  }

  private record Row(
      String scenario,
      String figure,
      String unit,
      List<Double> ours,
      List<Double> theirs,
      Goal goal) {
    double ratio() {
      return Stats.median(ours) / Stats.median(theirs);
    }

    String reached() {
      if (goal == null) {
        return "—";
      }
      Boolean met = goal.met(Stats.median(ours), ratio());
      if (met == null) {
        return "no (incomplete)";
      }
      return met ? "yes" : "**no**";
    }
  }

  private final PrintStream out;
  private final Map<String, Row> rows = new LinkedHashMap<>();
  private final List<String> notes = Collections.synchronizedList(new ArrayList<>());

  PeerReport(PrintStream out) {
    this.out = out;
  }

  /** One repeat's pair; prints "L2 burst p95: kvm-operator 6.1 s, libvirt 9.8 s, ratio 0.62". */
  void add(String scenario, String figure, String unit, double ours, double theirs, Goal goal) {
    Row row =
        rows.computeIfAbsent(
            scenario + "|" + figure,
            k -> new Row(scenario, figure, unit, new ArrayList<>(), new ArrayList<>(), goal));
    row.ours().add(ours);
    row.theirs().add(theirs);
    out.println("   " + line(scenario, figure, unit, ours, theirs));
  }

  /** A progress line, printed only. */
  void progress(String line) {
    out.println(line);
  }

  void note(String note) {
    out.println("NOTE: " + note);
    notes.add(note);
  }

  static String line(String scenario, String figure, String unit, double ours, double theirs) {
    return String.format(
        "%s %s: kvm-operator %s, libvirt %s, ratio %s",
        scenario, figure, withUnit(ours, unit), withUnit(theirs, unit), ratio(ours, theirs));
  }

  /** ours / theirs; "∞" when libvirt's figure is zero (nothing measurable in the window). */
  static String ratio(double ours, double theirs) {
    return theirs == 0 && ours > 0 ? "∞" : Stats.fmt(ours / theirs);
  }

  /** The medians, one line per figure, for the end of the run's output. */
  List<String> summary() {
    List<String> lines = new ArrayList<>();
    for (Row r : rows.values()) {
      lines.add(
          line(r.scenario(), r.figure(), r.unit(), Stats.median(r.ours()), Stats.median(r.theirs()))
              + (r.goal() == null ? "" : " (goal " + r.goal().text() + ": " + r.reached() + ")"));
    }
    return lines;
  }

  String table() {
    StringBuilder s = new StringBuilder();
    s.append(
        "| Scenario | Figure | kvm-operator | libvirt | Ratio | Goal | Reached | Runs (ours; libvirt) |\n");
    s.append("|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows.values()) {
      s.append("| ")
          .append(r.scenario())
          .append(" | ")
          .append(r.figure())
          .append(" | ")
          .append(withUnit(Stats.median(r.ours()), r.unit()))
          .append(" | ")
          .append(withUnit(Stats.median(r.theirs()), r.unit()))
          .append(" | ")
          .append(ratio(Stats.median(r.ours()), Stats.median(r.theirs())))
          .append(" | ")
          .append(r.goal() == null ? "—" : r.goal().text())
          .append(" | ")
          .append(r.reached())
          .append(" | ")
          .append(runs(r.ours()))
          .append("; ")
          .append(runs(r.theirs()))
          .append(" |\n");
    }
    if (!notes.isEmpty()) {
      s.append("\nNotes:\n");
      notes.forEach(n -> s.append("- ").append(n).append("\n"));
    }
    return s.toString();
  }

  private static String runs(List<Double> values) {
    return String.join(", ", values.stream().map(Stats::fmt).toList());
  }

  private static String withUnit(double v, String unit) {
    return Stats.fmt(v) + (unit.isEmpty() ? "" : " " + unit);
  }
}
