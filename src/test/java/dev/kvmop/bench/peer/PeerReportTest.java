package dev.kvmop.bench.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PeerReportTest {
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PeerReport report =
      new PeerReport(new PrintStream(printed, true, StandardCharsets.UTF_8));

  @Test
  void printsEachPairOnOneLineWithTheRatio() {
    report.add("L2", "burst p95", "s", 6.1, 9.8, PeerReport.Goal.ratio(0.8));

    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("L2 burst p95: kvm-operator 6.10 s, libvirt 9.80 s, ratio 0.62");
  }

  @Test
  void theTableShowsMediansOfTheRepeatsAndTheirRatio() {
    report.add("L1", "create → running p50", "ms", 300, 600, PeerReport.Goal.ratio(1.0));
    report.add("L1", "create → running p50", "ms", 100, 500, PeerReport.Goal.ratio(1.0));
    report.add("L1", "create → running p50", "ms", 200, 400, PeerReport.Goal.ratio(1.0));

    assertThat(report.table())
        .contains(
            "| L1 | create → running p50 | 200 ms | 500 ms | 0.40 | ratio ≤ 1.0 | yes |"
                + " 300, 100, 200; 600, 500, 400 |");
  }

  @Test
  void aRatioGoalMissedIsMarked() {
    report.add("L3", "steady CPU", "% of a core", 2.0, 0.1, PeerReport.Goal.ratio(1.0));

    assertThat(report.table()).contains("| 20.00 | ratio ≤ 1.0 | **no** |");
    assertThat(report.summary())
        .containsExactly(
            "L3 steady CPU: kvm-operator 2.00 % of a core, libvirt 0.10 % of a core, ratio 20.00"
                + " (goal ratio ≤ 1.0: **no**)");
  }

  @Test
  void nothingMeasuredOnLibvirtsSideIsAnInfiniteRatio() {
    report.add("L3", "calls per minute", "", 120, 0, null);

    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("kvm-operator 120, libvirt 0.00, ratio ∞");
  }

  @Test
  void aGoalOnOurOwnFigureIgnoresTheRatio() {
    PeerReport.Goal withinInterval = new PeerReport.Goal("ours ≤ 3.0 s", false, v -> v <= 3.0);
    report.add("L4", "noticed max", "s", 2.5, 0.1, withinInterval);

    assertThat(report.table()).contains("| 25.00 | ours ≤ 3.0 s | yes |");
  }

  @Test
  void aChainedGoalIsReachedOnlyWhenBothAre() {
    PeerReport.Goal both =
        new PeerReport.Goal("ours ≤ 8 s", false, v -> v <= 8).and(PeerReport.Goal.ratio(1.2));
    report.add("B7", "fast but slower than libvirt", "s", 6, 4, both);
    report.add("B7", "as fast as libvirt but slow", "s", 9, 9, both);
    report.add("B7", "both", "s", 6, 6, both);

    assertThat(report.table())
        .contains("| 1.50 | ours ≤ 8 s and ratio ≤ 1.2 | **no** |")
        .contains("| 1.00 | ours ≤ 8 s and ratio ≤ 1.2 | **no** |")
        .contains("| both | 6.00 s | 6.00 s | 1.00 | ours ≤ 8 s and ratio ≤ 1.2 | yes |");
  }

  @Test
  void notesFollowTheTable() {
    report.add("L1", "x", "ms", 1, 2, null);
    report.note("setup: created group kvm");

    assertThat(report.table()).endsWith("\nNotes:\n- setup: created group kvm\n");
  }
}
