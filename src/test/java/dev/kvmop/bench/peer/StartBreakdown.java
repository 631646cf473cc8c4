package dev.kvmop.bench.peer;

import dev.kvmop.bench.Stats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Where a side's single-guest start time goes, for the notes: before qemu, after, requests. */
final class StartBreakdown {
  private StartBreakdown() {}

  /**
   * "create → qemu process started p50 120 ms, qemu started → running p50 80 ms; requests per
   * start: patch kvmguests/status 2.0, ..."
   */
  static String of(List<Side.Start> starts) {
    List<Double> before = starts.stream().map(Side.Start::qemuStartedMs).toList();
    List<Double> after = starts.stream().map(s -> s.ms() - s.qemuStartedMs()).toList();
    Map<String, Long> total = new TreeMap<>();
    starts.forEach(s -> s.requests().forEach((k, v) -> total.merge(k, v, Long::sum)));
    List<String> perStart = new ArrayList<>();
    total.forEach((k, v) -> perStart.add(k + " " + Stats.fmt(v / (double) starts.size())));
    List<Double> remote = starts.stream().map(Side.Start::remoteCommandMs).toList();
    return "create → qemu process started p50 "
        + Stats.fmt(Stats.pct(before, 50))
        + " ms"
        + (remote.stream().allMatch(v -> v.isNaN())
            ? ""
            : " (the launch command over SSH, whole: p50 "
                + Stats.fmt(Stats.pct(remote, 50))
                + " ms)")
        + ", qemu started → running p50 "
        + Stats.fmt(Stats.pct(after, 50))
        + " ms; requests per start: "
        + String.join(", ", perStart);
  }
}
